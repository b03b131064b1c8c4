"""The `mcheck` command: exit codes, the --json document against the README's schema, and
the options that change what is checked (--all-variants, -D, --no-deadlock, --first).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from modelcheck.app.cli import main
from tests.conftest import OSV, VARIANTS, write

HOLDS = """
var x: 0..3 = 0;
thread w() { s: { await x < 3; x = x + 1; goto s; } }
start w();
option deadlock = false;
"""

VIOLATES = """
var x: 0..3 = 0;
thread w() { s: { x = x + 1; goto s; } }
start w();
"""

DEADLOCKS = """
var x: 0..3 = 0;
thread w() { s: { x = 1; } t: { await x > 1; } }
start w();
"""

# Every kind of value the README's JSON section names, reached in one step.
VALUES = """
threads 2;
enum Phase { absent, ready }
var phase: Phase = absent;
var owner: tid? = none;
var users: set of 0..5 = {4, 1};
var refs: array[tid] of 0..3 = [0];
var named: array[Phase] of bool = [false];
var shifted: array[1..2] of 0..3 = [0];
var rec: record { p: Phase, o: tid? } = {p: absent, o: none};
thread w(n: 0..3) {
    var k: 0..3 = n;
    s: { phase = ready; users = users | {3}; refs[1] = 2; named[ready] = true; shifted[2] = 3;
         rec.p = ready; spawn c(); }
    t: { await false; }
}
thread c() { s: { skip; } }
start w(2);
option deadlock = false;
invariant UNTOUCHED: phase == absent;
"""


def cli(tmp_path: Path, src: str, *args: str) -> tuple[int, Any]:
    """Run mcheck on `src` with --json; returns the exit code and the parsed document."""
    out = tmp_path / "out.json"
    code = main([write(tmp_path, src), "-q", "--json", str(out), *args])
    return code, json.loads(out.read_text()) if out.exists() else None


# ---------------------------------------------------------------------- exit codes


def test_exit_0_when_everything_holds(tmp_path: Path) -> None:
    """A complete search with no violation."""
    code, doc = cli(tmp_path, HOLDS)
    assert code == 0
    assert doc["result"] == "holds"


def test_exit_1_on_violation(tmp_path: Path) -> None:
    """A bounds violation is a violation like any other."""
    code, doc = cli(tmp_path, VIOLATES)
    assert code == 1
    assert doc["result"] == "violated"


def test_exit_2_on_spec_error(tmp_path: Path) -> None:
    """A spec error is exit 2 with result "error"."""
    code, doc = cli(tmp_path, "var x: 0..3 = ;")
    assert code == 2
    assert doc["result"] == "error"


@pytest.mark.parametrize("args", [("--max-states", "2"), ("--max-depth", "1"),
                                  ("--time-limit", "0")])
def test_exit_3_when_incomplete(tmp_path: Path, args: tuple[str, str]) -> None:
    """A limit that cuts the search short, with nothing violated: exit 3, never 0."""
    code, doc = cli(tmp_path, HOLDS, *args)
    assert code == 3
    assert doc["result"] == "incomplete"
    assert doc["incomplete_reasons"]
    assert {p["status"] for p in doc["properties"]} == {"unknown"}


def test_exit_3_when_the_pool_runs_out(tmp_path: Path) -> None:
    """Running out of thread ids is incomplete too."""
    code, doc = cli(tmp_path, "threads 2; thread w() { s: { spawn w(); } } start w();")
    assert code == 3
    assert any("pool" in r for r in doc["incomplete_reasons"])


def test_violation_beats_incomplete(tmp_path: Path) -> None:
    """A violation found before a limit is still exit 1; the rest stays unknown."""
    src = HOLDS + "invariant NOT-ONE: x != 1;"
    code, doc = cli(tmp_path, src, "--max-states", "2")
    assert code == 1
    assert doc["result"] == "violated"
    assert doc["incomplete_reasons"] == ["state limit of 2 reached"]
    assert {p["name"]: p["status"] for p in doc["properties"]} == {
        "NOT-ONE": "violated", "bounds": "unknown", "runtime": "unknown"}


# ---------------------------------------------------------------------- JSON schema

TOP_KEYS = {"spec", "variant", "result", "engine", "properties", "expected_violations",
            "expectation", "incomplete_reasons", "stats", "counterexample", "counterexamples",
            "lints"}


def check_document(doc: dict[str, Any]) -> None:
    """Keys and types of one verdict object, as the README's JSON section lists them."""
    assert TOP_KEYS <= set(doc)
    assert isinstance(doc["spec"], str) and isinstance(doc["variant"], str)
    assert doc["result"] in {"holds", "violated", "incomplete"}
    for p in doc["properties"]:
        assert set(p) == {"name", "kind", "status", "trace_length"}
        assert p["kind"] in {"invariant", "lemma", "assertion", "deadlock", "bounds",
                             "runtime", "liveness"}
        assert p["status"] in {"holds", "violated", "unknown"}
        assert (p["trace_length"] is None) == (p["status"] != "violated")
        assert p["trace_length"] is None or isinstance(p["trace_length"], int)
    assert doc["expected_violations"] == sorted(doc["expected_violations"])
    assert doc["expectation"] in {"met", "unmet", "open"}
    for lint in doc["lints"]:
        assert set(lint) == {"kind", "message", "at"}
        assert lint["kind"] in {"never-fired", "await-never-holds", "valid-invariant",
                                "unchanged-variables"}
    assert all(isinstance(r, str) for r in doc["incomplete_reasons"])
    assert set(doc["stats"]) == {"distinct_states", "transitions", "depth", "seconds",
                                 "store_bytes"}
    assert all(isinstance(doc["stats"][k], int)
               for k in ("distinct_states", "transitions", "depth", "store_bytes"))
    assert doc["engine"].split()[0] in {"native", "python"}
    assert isinstance(doc["stats"]["seconds"], (int, float))
    traces = doc["counterexamples"]
    violated = {p["name"]: p["trace_length"] for p in doc["properties"]
                if p["status"] == "violated"}
    assert {t["property"]: t["length"] for t in traces} == violated
    if not traces:
        assert doc["counterexample"] is None
    else:
        shortest = min(t["length"] for t in traces)
        assert doc["counterexample"] == next(t for t in traces if t["length"] == shortest)
    for t in traces:
        assert set(t) == {"property", "kind", "message", "length", "certified", "loop",
                          "steps"}
        assert t["certified"] is True  # z3 checked every trace of the run
        assert len(t["steps"]) == t["length"] + 1
        first = t["steps"][0]
        assert (first["thread"], first["action"], first["failed"]) == (None, "init", False)
        for step in t["steps"]:
            assert set(step) == {"thread", "action", "choices", "failed", "state"}
            assert isinstance(step["choices"], list)
            assert "threads" in step["state"]
        for step in t["steps"][1:]:
            assert isinstance(step["thread"], int)
            assert "." in step["action"]


def test_json_schema_on_osv(tmp_path: Path) -> None:
    """The README's example variant: shape, and the first trace is the shortest (V-SAFE)."""
    out = tmp_path / "osv.json"
    assert main([str(OSV), "--variant", "fe37650", "-q", "--no-trace", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert isinstance(doc, dict)
    check_document(doc)
    assert doc["variant"] == "fe37650"
    assert doc["spec"] == str(OSV)
    assert doc["expectation"] == "met"
    assert doc["counterexample"]["property"] == "V-SAFE"
    assert doc["counterexample"]["length"] == 2
    assert [s["action"] for s in doc["counterexample"]["steps"]] == ["init", "thr.run", "thr.run"]
    assert [s["choices"] for s in doc["counterexample"]["steps"]] == [[], ["spawn"], ["load"]]


def test_json_values_of_every_kind(tmp_path: Path) -> None:
    """Enums as strings, none as null, sets as sorted lists, arrays from 0 as lists, other
    arrays and records as objects, and a threads list with locals only while alive."""
    code, doc = cli(tmp_path, VALUES)
    assert code == 1
    check_document(doc)
    steps = doc["counterexample"]["steps"]
    init, after = steps[0]["state"], steps[1]["state"]
    assert init["phase"] == "absent" and after["phase"] == "ready"
    assert init["owner"] is None
    assert init["users"] == [1, 4] and after["users"] == [1, 3, 4]
    assert init["refs"] == [0, 0] and after["refs"] == [0, 2]
    assert after["named"] == {"absent": False, "ready": True}
    assert after["shifted"] == {"1": 0, "2": 3}
    assert init["rec"] == {"p": "absent", "o": None}
    assert after["rec"] == {"p": "ready", "o": None}
    assert init["threads"] == [{"id": 0, "parent": None, "status": "alive", "thread": "w",
                                "at": "s", "locals": {"n": 2, "k": 2}}]
    assert after["threads"] == [
        {"id": 0, "parent": None, "status": "alive", "thread": "w", "at": "t",
         "locals": {"n": 2, "k": 2}},
        {"id": 1, "parent": 0, "status": "alive", "thread": "c", "at": "s", "locals": {}},
    ]


def test_json_finished_threads_have_no_template(tmp_path: Path) -> None:
    """A finished thread is listed with id, parent and status only."""
    code, doc = cli(tmp_path, "var x: 0..3 = 0; thread w() { s: { x = 1; } } start w(); "
                              "invariant ZERO: x == 0;")
    assert code == 1
    final = doc["counterexample"]["steps"][-1]["state"]
    assert final["threads"] == [{"id": 0, "parent": None, "status": "done"}]


def test_json_failed_step_is_marked(tmp_path: Path) -> None:
    """The step that breaks an assertion or a bound has failed: true, the others false."""
    code, doc = cli(tmp_path, VIOLATES)
    steps = doc["counterexample"]["steps"]
    assert doc["counterexample"]["kind"] == "bounds"
    assert [s["failed"] for s in steps] == [False, False, False, False, True]
    assert [s["state"]["x"] for s in steps] == [0, 1, 2, 3, 3]


def test_json_ties_broken_by_declaration_order(tmp_path: Path) -> None:
    """Two one-step traces: the property declared first is `counterexample`."""
    src = """
    var x: 0..3 = 0;
    invariant FIRST: x != 1;
    thread a() { s: { assert false as SECOND; } }
    thread b() { s: { x = 1; } }
    start a(); start b();
    """
    code, doc = cli(tmp_path, src)
    assert code == 1
    assert {t["property"]: t["length"] for t in doc["counterexamples"]} == {"FIRST": 1,
                                                                             "SECOND": 1}
    assert doc["counterexample"]["property"] == "FIRST"


def test_json_incomplete_document(tmp_path: Path) -> None:
    """An incomplete search: reasons listed, expectation open, statuses unknown."""
    code, doc = cli(tmp_path, HOLDS, "--max-states", "2")
    assert code == 3
    check_document(doc)
    assert doc["incomplete_reasons"] == ["state limit of 2 reached"]
    assert doc["expectation"] == "open"
    assert doc["stats"]["distinct_states"] == 2


# -------------------------------------------------------------------- --all-variants



def test_all_variants_list_and_exit_0_when_expectations_met(tmp_path: Path) -> None:
    """One JSON object per variant, in declaration order; all met: exit 0 despite a violation."""
    code, docs = cli(tmp_path, VARIANTS, "--all-variants")
    assert code == 0
    assert isinstance(docs, list)
    assert [d["variant"] for d in docs] == ["original", "fixed"]
    assert [d["result"] for d in docs] == ["violated", "holds"]
    assert [d["expectation"] for d in docs] == ["met", "met"]
    assert [d["expected_violations"] for d in docs] == [["bounds"], []]
    for d in docs:
        check_document(d)


def test_all_variants_is_the_default_with_variants(tmp_path: Path) -> None:
    """No --variant on a spec with variants: every variant is checked."""
    code, docs = cli(tmp_path, VARIANTS)
    assert code == 0
    assert [d["variant"] for d in docs] == ["original", "fixed"]


@pytest.mark.parametrize(("wrong", "bad_variant"), [
    # fixed is expected to violate bounds, but holds
    ("expect original violates bounds;\nexpect fixed violates bounds;", "fixed"),
    # original is expected to hold, but violates bounds
    ("expect original holds;\nexpect fixed holds;", "original"),
])
def test_all_variants_exit_1_when_an_expect_line_is_wrong(tmp_path: Path, wrong: str,
                                                          bad_variant: str) -> None:
    """A verdict that differs from its expect line is exit 1, and marked unmet."""
    src = VARIANTS.replace("expect original violates bounds;\nexpect fixed holds;", wrong)
    code, docs = cli(tmp_path, src, "--all-variants")
    assert code == 1
    unmet = [d["variant"] for d in docs if d["expectation"] == "unmet"]
    assert unmet == [bad_variant]


def test_all_variants_exit_3_when_undecided(tmp_path: Path) -> None:
    """A limit that leaves an expectation open is exit 3."""
    code, docs = cli(tmp_path, VARIANTS, "--all-variants", "--max-states", "2")
    assert code == 3
    assert [d["expectation"] for d in docs] == ["open", "open"]


def test_single_variant_gives_object_and_verdict_exit_code(tmp_path: Path) -> None:
    """--variant checks one variant: a single object, exit code from its verdict against its
    expect line, as for all variants (original violates bounds, as it says it does)."""
    code, doc = cli(tmp_path, VARIANTS, "--variant", "original")
    assert code == 0 and doc["result"] == "violated"
    assert isinstance(doc, dict) and doc["variant"] == "original"
    code, doc = cli(tmp_path, VARIANTS, "--variant", "fixed")
    assert code == 0 and doc["result"] == "holds"
    code, doc = cli(tmp_path, VARIANTS.replace("expect original violates bounds;",
                                               "expect original holds;"), "--variant", "original")
    assert code == 1 and doc["expectation"] == "unmet"


# ------------------------------------------------------------------------ options

COUNTER = """
const K = 2;
var x: 0..K = 0;
thread w() { s: { await x < K; x = x + 1; goto s; } }
start w();
option deadlock = false;
"""


def test_define_overrides_constant(tmp_path: Path) -> None:
    """-D K=5 makes the counter count further: K + 1 states."""
    code, doc = cli(tmp_path, COUNTER)
    assert (code, doc["stats"]["distinct_states"]) == (0, 3)
    code, doc = cli(tmp_path, COUNTER, "-D", "K=5")
    assert (code, doc["stats"]["distinct_states"]) == (0, 6)


def test_define_bool_constant(tmp_path: Path) -> None:
    """-D accepts true and false."""
    src = ("const BUGGY = false; var x: 0..2 = 0; "
           "thread w() { s: { if BUGGY { x = 2; } else { x = 1; } } } start w(); "
           "invariant SMALL: x < 2;")
    assert cli(tmp_path, src)[0] == 0
    code, doc = cli(tmp_path, src, "-D", "BUGGY=true")
    assert code == 1
    assert doc["counterexample"]["property"] == "SMALL"


def test_no_deadlock_option(tmp_path: Path) -> None:
    """--no-deadlock drops the deadlock property, as `option deadlock = false;` does."""
    code, doc = cli(tmp_path, DEADLOCKS)
    assert code == 1
    assert doc["counterexample"]["property"] == "deadlock"
    assert doc["counterexample"]["length"] == 1
    code, doc = cli(tmp_path, DEADLOCKS, "--no-deadlock")
    assert code == 0
    assert doc["result"] == "holds"
    assert "deadlock" not in [p["name"] for p in doc["properties"]]
    assert doc["counterexamples"] == []
    code, same = cli(tmp_path, DEADLOCKS + "option deadlock = false;")
    assert code == 0
    assert same["properties"] == doc["properties"]


def test_first_stops_at_first_violation(tmp_path: Path) -> None:
    """--first on fe37650: only V-SAFE (2 steps) is decided, everything else unknown."""
    out = tmp_path / "first.json"
    code = main([str(OSV), "--variant", "fe37650", "--first", "-q", "--no-trace",
                 "--json", str(out)])
    doc = json.loads(out.read_text())
    assert code == 3  # the other expected violations are not confirmed yet
    assert doc["result"] == "violated"
    statuses = {p["name"]: p["status"] for p in doc["properties"]}
    assert statuses.pop("V-SAFE") == "violated"
    assert set(statuses.values()) == {"unknown"}
    assert [t["property"] for t in doc["counterexamples"]] == ["V-SAFE"]
    assert doc["expectation"] == "open"


def test_text_output_summary_and_trace(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The text report: result, per-property line, the trace as aligned columns (step,
    thread, action) with the changed variables under each step, and `<--` at the failure."""
    assert main([write(tmp_path, VIOLATES), "-q"]) == 1
    out = capsys.readouterr().out
    assert "VIOLATED" in out
    assert "bounds" in out and "VIOLATED in 4 steps" in out
    assert "Counterexample for bounds" in out
    lines = out.splitlines()
    heading = next(line for line in lines if line.split()[:3] == ["step", "thread", "action"])
    rows = [line for line in lines if re.match(r"\s+\d+\s{2}", line)]
    assert re.fullmatch(r"\s+0\s+initial state", rows[0])
    assert [row.split()[:3] for row in rows[1:]] == [[str(n), "0", "w.s"] for n in range(1, 5)]
    assert all(row.index("w.s") == heading.index("action") for row in rows[1:])
    assert "<-- value 4 is outside 0..3 in 'x'" in rows[4]
    assert [line.split() for line in lines if "->" in line and "<--" not in line] == \
        [["x", "0", "->", "1"], ["x", "1", "->", "2"], ["x", "2", "->", "3"]]


def test_no_trace_prints_summary_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--no-trace keeps the verdict table and drops the counterexamples."""
    assert main([write(tmp_path, VIOLATES), "-q", "--no-trace"]) == 1
    out = capsys.readouterr().out
    assert "VIOLATED in 4 steps" in out
    assert "Counterexample" not in out
