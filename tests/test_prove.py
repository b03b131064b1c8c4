"""`mcheck prove`, lemmas, the unbounded encoding, and the vacuity lints.

Every outcome here comes from z3 or the engine on a spec text; the tests only
choose specs whose answer is known by hand and check that the tool says it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import z3

from modelcheck.app.cli import main
from modelcheck.app.pipeline import run_variant
from modelcheck.lang.errors import SpecError
from modelcheck.lang.source import load
from tests.conftest import OSV, check, prop, write

# x and y climb together to 2; `x <= 2 && y <= 2` holds but is not 1-inductive:
# x = 0, y = 2 satisfies it and the step takes y to 3. SAME makes it inductive.
TOGETHER = """
var x: 0..3 = 0;
var y: 0..3 = 0;
thread w() { s: { await x < 2; x = x + 1; y = y + 1; goto s; } }
start w();
option deadlock = false;
invariant BOTH: x <= 2 && y <= 2;
"""

# x := y; y := 0. x == 0 always, 2-inductive and not 1-inductive (x = 0, y = 1).
SHIFT = """
var x: 0..1 = 0;
var y: 0..1 = 0;
thread w() { s: { x = y; y = 0; goto s; } }
start w();
option deadlock = false;
invariant ZERO: x == 0;
"""

# x reaches 2 in two steps: `x < 2` is false after two steps.
CLIMB = """
var x: 0..3 = 0;
thread w() { s: { await x < 3; x = x + 1; goto s; } }
start w();
option deadlock = false;
invariant LOW: x < 2;
"""


# Both encodings: the spec's own pool (symbolic/encoding.py) and every number of threads.
MODES = pytest.mark.parametrize("mode", [[], ["--unbounded"]], ids=["pool", "unbounded"])


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`mcheck prove` writes its HTML page to ./reports when it finds a trace: not into the tree."""
    monkeypatch.chdir(tmp_path)


def prove(tmp_path: Path, src: str, *args: str) -> tuple[int, dict[str, Any]]:
    """Run `mcheck prove` on a spec text or path; exit code and JSON document."""
    out = tmp_path / "prove.json"
    out.unlink(missing_ok=True)
    path = src if src.endswith(".spec") else write(tmp_path, src)
    code = main(["prove", path, "--json", str(out), *args])
    return code, json.loads(out.read_text()) if out.exists() else {}


def result(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found = [r for r in doc["results"] if r["name"] == name]
    assert len(found) == 1, doc["results"]
    return found[0]


# ----------------------------------------------------------------- lemmas
def test_lemma_is_searched_as_its_own_kind() -> None:
    v = check(TOGETHER + "lemma SAME: x == y;\n")
    assert prop(v, "SAME").kind == "lemma"
    assert prop(v, "SAME").status == "holds"
    broken = check(TOGETHER + "lemma WRONG: x == 0;\n")
    assert prop(broken, "WRONG").status == "violated"
    assert prop(broken, "WRONG").trace_length == 1


def test_lemma_exists_only_in_its_variants() -> None:
    src = "variants a, b;\n" + TOGETHER + "lemma SAME for b: x == y;\n"
    assert "SAME" not in {p.name for p in check(src, variant="a").properties}
    assert prop(check(src, variant="b"), "SAME").status == "holds"


def test_lemma_for_an_unknown_variant_is_a_located_error() -> None:
    src = "variants a, b;\n" + TOGETHER + "lemma SAME for bb: x == y;\n"
    with pytest.raises(SpecError) as e:
        check(src)
    assert "unknown variant 'bb' in lemma SAME" in str(e.value)
    assert e.value.pos is not None and e.value.pos.line == 9


def test_lemma_with_an_unknown_name_is_a_located_error() -> None:
    with pytest.raises(SpecError) as e:
        check(TOGETHER + "lemma SAME: x == z;\n")
    assert "z" in str(e.value) and e.value.pos is not None and e.value.pos.line == 8


# ----------------------------------------------------------------- prove
@MODES
def test_inductive_invariant_is_proved(tmp_path: Path, mode: list[str]) -> None:
    code, doc = prove(tmp_path, TOGETHER + "lemma SAME: x == y;\n", *mode)
    assert code == 0
    assert result(doc, "BOTH")["outcome"] == "proved"
    assert result(doc, "SAME")["outcome"] == "proved"


@MODES
def test_cti_names_the_broken_conjunct(tmp_path: Path, mode: list[str]) -> None:
    code, doc = prove(tmp_path, TOGETHER, "--no-infer", *mode)
    assert code == 3
    r = result(doc, "BOTH")
    assert r["outcome"] == "unknown"
    cti = r["cti"]
    assert [b["conjunct"] for b in cti["broken_conjuncts"]] == [2]
    assert cti["broken_conjuncts"][0]["text"].startswith("invariant BOTH")
    before, after = cti["states"]
    assert before["y"] == 2 and after["y"] == 3
    assert [s["action"] for s in cti["steps"]] == ["w.s"]


@MODES
def test_k_induction_proves_what_1_induction_cannot(tmp_path: Path, mode: list[str]) -> None:
    code1, doc1 = prove(tmp_path, SHIFT, "--no-infer", *mode)
    assert code1 == 3 and result(doc1, "ZERO")["outcome"] == "unknown"
    assert result(doc1, "ZERO")["cti"]["states"][0]["y"] == 1
    code2, doc2 = prove(tmp_path, SHIFT, "--k", "2", "--no-infer", *mode)
    assert code2 == 0
    assert result(doc2, "ZERO")["outcome"] == "proved" and result(doc2, "ZERO")["k"] == 2


@MODES
def test_real_counterexample_is_refuted(tmp_path: Path, mode: list[str]) -> None:
    code, doc = prove(tmp_path, CLIMB, "--k", "3", *mode)
    assert code == 1
    r = result(doc, "LOW")
    assert r["outcome"] == "refuted"
    assert [s["x"] for s in r["counterexample"]["states"]] == [0, 1, 2]
    # the explicit engine agrees on the length
    assert prop(check(CLIMB), "LOW").trace_length == r["counterexample"]["length"]


GUARDED = """
var o: 0..4? = none; var s: 0..9 = 0; var ok: bool = false;
def g(k: 0..1): 0..0 = k;
thread w() { a: { s = STEP; } }
start w(); invariant U: s != 5;
"""


@MODES
@pytest.mark.parametrize("step", [
    "if o == none then 5 else o - o",              # a none check in the branch not taken
    "if o != none && o - 1 == 0 then 0 else 5",    # ... on the right of a short-circuit
    "if o == none || o - 1 == 0 then 5 else 0",
    "if ok -> o - 1 == 0 then 5 else 0",
    "if exists k in 0..1: g(k) == 0 then 5 else 0",  # ... a quantifier's later values
])
def test_a_check_in_a_part_not_evaluated_does_not_block_the_step(
        tmp_path: Path, mode: list[str], step: str) -> None:
    """The engine evaluates a branch, the right of `&&`/`||`, or a quantifier's later
    values only where they decide: a failure they could raise must not stop the step
    elsewhere, or the step never moves and U is "proved" though the search breaks it."""
    src = GUARDED.replace("STEP", step)
    assert prop(check(src), "U").status == "violated"
    code, doc = prove(tmp_path, src, *mode)
    assert code == 1 and result(doc, "U")["outcome"] == "refuted", result(doc, "U")


@MODES
def test_assertions_are_proved_and_refuted(tmp_path: Path, mode: list[str]) -> None:
    src = CLIMB.replace("goto s;", "assert x >= 1 as SMALL; goto s;")
    code, doc = prove(tmp_path, src, "--property", "SMALL", *mode)
    assert code == 0 and result(doc, "SMALL")["outcome"] == "proved"
    bad = CLIMB.replace("goto s;", "assert x < 2 as SMALL; goto s;")
    code, doc = prove(tmp_path, bad, "--property", "SMALL", "--k", "3", *mode)
    r = result(doc, "SMALL")
    assert code == 1 and r["outcome"] == "refuted"
    assert prop(check(bad), "SMALL").trace_length == 2
    assert [s["x"] for s in r["counterexample"]["states"]] == [0, 1]  # then the failing step
    assert "2 steps" in r["reason"]


@MODES
def test_z3_timeout_is_unknown_never_proved(tmp_path: Path, mode: list[str]) -> None:
    code, doc = prove(tmp_path, str(OSV), "--variant", "levels", "--property", "V-SAFE",
                      "--timeout", "0.001", "--no-infer", *mode)
    assert code == 3
    r = result(doc, "V-SAFE")
    assert r["outcome"] == "unknown" and "z3 gave up" in r["reason"]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, TOGETHER)
    assert main(["prove", path, "--unbounded", "--k", "0"]) == 2
    assert main(["prove", path, "--unbounded", "--property", "NOPE"]) == 2
    assert main(["prove", path, "--bmc", "-1"]) == 2
    assert main(["prove", path, "--bmc", "2", "--k", "2"]) == 2
    assert main(["prove", path, "--timeout", "0"]) == 2


def test_unsupported_construct_is_named_with_its_place(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    # read by an invariant (an array nothing reads is sliced away before encoding); an
    # array over a finite key encodes (`unbounded_compound`), one indexed by ids does not
    src = "var r: array[tid] of bool = [false];\n" + TOGETHER + "invariant R: !r[0];\n"
    assert main(["prove", write(tmp_path, src), "--unbounded"]) == 2
    err = capsys.readouterr().err
    assert "not supported in --unbounded: values of type array[tid] of bool" in err
    assert "t.spec:1" in err


def test_a_failing_read_under_an_id_quantifier_in_a_step_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """What `t.x` requires of the step names the bound t; it was left free and z3 chose it,
    refuting U with a step the engine never takes (the search finds U holds)."""
    src = """
var s: 0..9 = 0;
thread w() { var x: 0..3 = 0; a: { s = if exists t in tid: t.x == 1 then 5 else 0; } }
start w(); invariant U: s != 5;
"""
    assert prop(check(src), "U").status == "holds"
    assert main(["prove", write(tmp_path, src), "--unbounded"]) == 2
    err = capsys.readouterr().err
    assert "can fail to evaluate inside a quantifier over thread ids" in err and "t.spec:3" in err


# ----------------------------------------------------------------- OSv
@MODES
def test_osv_levels_v_safe_proved(tmp_path: Path, mode: list[str]) -> None:
    code, doc = prove(tmp_path, str(OSV), "--variant", "levels", "--property", "V-SAFE",
                      "--no-infer", *mode)
    assert code == 0
    assert result(doc, "V-SAFE")["outcome"] == "proved"
    assert {r["name"] for r in doc["results"] if r["kind"] == "lemma"} == \
        {"LOADING-PRIVATE", "INIT-SUBTREE", "PUBLIC-OTHERWISE"}
    assert all(r["outcome"] == "proved" for r in doc["results"])


@MODES
def test_osv_levels_v_mem_proved(tmp_path: Path, mode: list[str]) -> None:
    code, doc = prove(tmp_path, str(OSV), "--variant", "levels", "--property", "V-MEM", *mode)
    assert code == 0 and result(doc, "V-MEM")["outcome"] == "proved"
    assert result(doc, "V-MEM")["kind"] == "assertion"


@MODES
def test_osv_levels_v_safe_needs_its_lemmas(tmp_path: Path, mode: list[str]) -> None:
    text = re.sub(r"\blemma [^;]*;", "", OSV.read_text())
    code, doc = prove(tmp_path, text, "--variant", "levels", "--property", "V-SAFE",
                      "--no-infer", *mode)
    assert code == 3
    assert result(doc, "V-SAFE")["cti"] is not None


@MODES
def test_osv_fe37650_v_safe_is_refuted_with_the_searchs_trace(
        tmp_path: Path, mode: list[str], capsys: pytest.CaptureFixture) -> None:
    # z3 finds only a CTI at k = 1; the explicit search of the pool finds the violation
    code, doc = prove(tmp_path, str(OSV), "--variant", "fe37650", "--property", "V-SAFE",
                      *mode)
    assert code == 0  # refuted, as the spec's expect line says
    r = result(doc, "V-SAFE")
    assert r["outcome"] == "refuted" and "found by the explicit search" in r["reason"]
    ce = r["counterexample"]
    assert ce["length"] == prop(check(OSV.read_text(), variant="fe37650"),
                                "V-SAFE").trace_length
    assert ce["states"][-1]["phase"] in ("loading", "initing")
    assert "Counterexample for V-SAFE" in capsys.readouterr().out


def test_a_proof_does_not_depend_on_what_the_process_proved_before(tmp_path: Path) -> None:
    # z3's answers to quantified queries depend on every term its context has seen; each
    # proof starts a context of its own, so the CTI is the same after another proof
    args = ("--variant", "fe37650", "--property", "V-SAFE", "--unbounded")
    _, first = prove(tmp_path, str(OSV), *args)
    prove(tmp_path, str(OSV), "--variant", "levels")
    _, again = prove(tmp_path, str(OSV), *args)
    assert result(first, "V-SAFE")["cti"] is not None
    assert result(again, "V-SAFE")["cti"] == result(first, "V-SAFE")["cti"]


def test_bounded_cti_makes_the_invariant_false_when_it_can(tmp_path: Path) -> None:
    # a state where V-SAFE is false explains more than one where it cannot be evaluated
    _, doc = prove(tmp_path, str(OSV), "--variant", "fe37650", "--property", "V-SAFE")
    broken = result(doc, "V-SAFE")["cti"]["broken_conjuncts"]
    assert broken and "not be evaluable" not in broken[0]["text"]


# ----------------------------------------------------------------- BMC
def bmc_cases() -> list[tuple[str, str, int]]:
    """(spec, variant, depth) for every shipped variant where BMC is affordable: the depth of
    the longest explicit trace, or 2 for a variant where everything holds. stop_world's
    bdwgc variants (traces of 37 to 60 steps, up to 257,547 states) are too deep; its
    pinspect_racy agrees too (B1 4, B2 5) but takes a minute, so it is left to the README."""
    cases = []
    for spec in sorted((OSV.parent).glob("*.spec")):
        for variant in load(spec).variants:
            if spec.name == "stop_world.spec" and variant not in ("pinspect", "pinspect_wait"):
                continue
            cases.append((spec.name, variant))
    return cases


@pytest.mark.parametrize("spec,variant", bmc_cases(), ids=lambda x: str(x))
def test_bmc_finds_each_violation_at_the_explicit_depth(spec: str, variant: str,
                                                        tmp_path: Path) -> None:
    path = OSV.parent / spec
    explicit = run_variant(load(path), variant)[1]
    lengths = {p.name: p.trace_length for p in explicit.properties
               if p.status == "violated" and p.kind != "liveness"}  # BMC: safety only
    depth = max(lengths.values(), default=2)
    code, doc = prove(tmp_path, str(path), "--variant", variant, "--bmc", str(depth))
    assert doc["depth"] == depth and doc["gave_up"] is None
    found = {r["name"]: r["length"] for r in doc["results"] if r["status"] == "violated"}
    assert found == lengths  # each at exactly its depth, none shorter, nothing else
    assert code == (1 if lengths else 3)
    for r in doc["results"]:
        if r["status"] == "violated":
            assert len(r["counterexample"]["steps"]) == r["length"]


# ----------------------------------------------------------------- lints
def lint_messages(src: str, **kw: Any) -> list[tuple[str, str]]:
    return [(lint.kind, lint.message) for lint in check(src, **kw).lints]


def test_lint_step_and_branch_that_never_fired() -> None:
    src = """
var x: 0..3 = 0;
thread w() {
    s: { either up: { await x < 2; x = x + 1; } or jump: { await x > 2; x = 0; } goto s; }
    never: { x = 3; }
}
start w();
option deadlock = false;
"""
    found = lint_messages(src)
    assert ("never-fired", "no thread ever reached, so these steps never fired: w.never") in found
    assert any(k == "never-fired" and m.startswith("w.s [jump] never fired") for k, m in found)
    assert any(k == "await-never-holds" and "w.s [jump]" in m for k, m in found)
    assert not any("[up]" in m for _, m in found)


def test_lint_handler_first_step_fires_through_its_entry() -> None:
    # no thread ever waits at a handler's first step: the entry runs it
    src = """
threads 1;
var hit: bool = false;
handler on { first: { hit = true; } }
handler off { first: { await hit && !hit; } }
thread w() { a: { install on; install off; } b: { await hit; } }
start w();
option deadlock = false;
"""
    found = lint_messages(src)
    assert ("never-fired", "no thread ever reached, so these steps never fired: off.first") \
        in found
    assert not any("on.first" in m for _, m in found)


def test_lint_await_that_z3_shows_cannot_hold() -> None:
    src = """
var x: 0..3 = 0;
thread w() { s: { await x > 1 && x < 1; x = 1; } }
start w();
option deadlock = false;
"""
    assert any(k == "await-never-holds" and "z3" in m for k, m in lint_messages(src))


def test_lint_await_reached_by_two_paths_is_asked_about_once() -> None:
    """An `if` before the await gives it two paths, and on one of them it cannot hold: it
    holds on the other, so z3 must not call it one that never holds (each path was
    once asked about alone)."""
    src = """
var x: 0..1 = 0;
thread w(r: 0..1) { s: { if r == 1 { x = 1; } await x == 0; x = 1; } }
start w(0);
option deadlock = false;
"""
    assert not any(k == "await-never-holds" for k, _ in lint_messages(src))
    assert any(k == "await-never-holds" for k, _ in
               lint_messages(src.replace("await x == 0", "await x == 0 && x == 1")))


def test_lint_queries_out_of_work_claim_nothing_and_interrupt_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """z3 may say "canceled", as after Ctrl-C, when a query runs out of its work units
    (rseq's handler steps did): the lints take it for their limit, so no lint is claimed
    and the verdict gets no "interrupted while computing lints" note."""
    class OutOfWork(z3.Solver):
        def check(self, *assumptions: Any) -> z3.CheckSatResult:
            return z3.unknown

        def reason_unknown(self) -> str:
            return "canceled"

    monkeypatch.setattr(z3, "Solver", OutOfWork)
    v = check("""
var x: 0..3 = 0;
thread w() { s: { await x > 1 && x < 1; x = 1; } }
start w();
option deadlock = false;
""")
    assert v.incomplete == []
    assert not any("(z3" in lint.message for lint in v.lints)


def test_lint_invariant_valid_without_reachability() -> None:
    src = TOGETHER + "invariant TRIVIAL: x <= 3;\n"
    found = lint_messages(src)
    assert any(k == "valid-invariant" and m.startswith("TRIVIAL") for k, m in found)
    assert not any(k == "valid-invariant" and m.startswith("BOTH") for k, m in found)


def test_lint_holds_over_variables_that_never_changed() -> None:
    src = TOGETHER + "var z: 0..3 = 1;\ninvariant STILL: z == 1 || x == 3;\n"
    found = lint_messages(src)
    assert not any(k == "unchanged-variables" for k, _ in found)  # x changes
    src2 = TOGETHER + "var z: 0..3 = 1;\ninvariant STILL: z >= 1;\n"
    assert any(k == "unchanged-variables" and m.startswith("STILL")
               for k, m in lint_messages(src2))


def test_lints_are_in_the_json(tmp_path: Path) -> None:
    out = tmp_path / "v.json"
    src = TOGETHER + "var z: 0..3 = 1;\ninvariant STILL: z >= 1;\n"
    main([write(tmp_path, src), "--json", str(out), "-q"])
    kinds = {lint["kind"] for lint in json.loads(out.read_text())["lints"]}
    assert "unchanged-variables" in kinds


@pytest.mark.parametrize(("src", "first", "code"), [
    (CLIMB + "invariant HIGH: x <= 3;\n", "REFUTED", 1),
    (TOGETHER.replace("BOTH: x <= 2 && y <= 2", "SAME: x == y") + "invariant LOW: x <= 2;\n",
     "UNKNOWN: a proof was found", 3),
])
def test_an_interrupted_prove_prints_what_it_decided(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        src: str, first: str, code: int) -> None:
    """Ctrl-C while z3 works on the second goal: the first goal's result is printed (a
    refutation as final, with its trace; a proof as unknown, since the checks after the
    last goal did not run), the second is 'not decided', and the JSON says so too."""
    from modelcheck.symbolic.induction import Prover
    prove = Prover.prove
    calls: list[str] = []

    def second_is_interrupted(self: Prover, goal: Any, *args: Any) -> Any:
        calls.append(goal.name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return prove(self, goal, *args)

    monkeypatch.setattr(Prover, "prove", second_is_interrupted)
    doc = tmp_path / "p.json"
    assert main(["prove", write(tmp_path, src), "--no-infer", "--json", str(doc)]) == code
    out = capsys.readouterr().out
    name = calls[0]
    assert re.search(rf"^  {name} +invariant  {first}", out, re.M), out
    assert re.search(rf"^  {calls[1]} +invariant  UNKNOWN: not decided: interrupted$", out, re.M)
    assert ("Counterexample for" in out) == (first == "REFUTED")
    results = {r["name"]: r["outcome"] for r in json.loads(doc.read_text())["results"]}
    assert results == {name: first.split(":")[0].lower(), calls[1]: "unknown"}


def test_prove_stopped_by_sigterm_names_what_it_did_not_decide(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A real SIGTERM, delivered as the first variant's fixed-pool search starts (a search
    keeps an interrupt to itself; the proof must stop too): its goals are not decided, the
    other variants are named as not run, exit 3."""
    import os
    import signal

    from modelcheck.symbolic import explicit, proving
    search = explicit.search

    def terminated(*args: Any) -> Any:
        os.kill(os.getpid(), signal.SIGTERM)  # handled at the search's next bytecode
        return search(*args)

    monkeypatch.setattr(explicit, "search", terminated)
    assert proving.explore is explicit.explore
    src = "variants a, b, c;\n" + CLIMB.replace("x < 2", "x < 4")
    assert main(["prove", write(tmp_path, src), "--no-report"]) == 3
    out = capsys.readouterr().out
    assert "variant a: prove stopped: interrupted (SIGTERM)" in out
    assert re.search(r"^  LOW +invariant  UNKNOWN: not decided: interrupted \(SIGTERM\)$",
                     out, re.M)
    assert "not run: variants b, c (interrupted (SIGTERM))" in out


def test_bmc_stopped_by_sigterm_keeps_what_it_found(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A SIGTERM in the middle of --bmc: the violation already found (LOW at 2 steps) is
    printed with its trace, TOP is clear only up to the depth fully searched before the
    signal, the liveness property END is not checked at all, the other variant is named as
    not run, and the violation decides the exit code."""
    import os
    import signal

    from modelcheck.symbolic import bmc
    check = bmc.check
    calls: list[int] = []

    def terminated_at_the_sixteenth_query(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 16:
            os.kill(os.getpid(), signal.SIGTERM)
        return check(*args, **kw)

    monkeypatch.setattr(bmc, "check", terminated_at_the_sixteenth_query)
    src = "variants a, b;\n" + CLIMB + "invariant TOP: x <= 3;\nliveness END: eventually x == 3;\n"
    doc = tmp_path / "b.json"
    assert main(["prove", write(tmp_path, src), "--bmc", "20", "--no-report",
                 "--json", str(doc)]) == 1
    out = capsys.readouterr().out
    result = json.loads(doc.read_text())
    depth = result["depth"]
    assert result["stopped"] == "interrupted (SIGTERM)" and 2 <= depth < 20
    assert re.search(r"^  LOW +invariant  VIOLATED in 2 steps$", out, re.M)
    assert re.search(rf"^  TOP +invariant  no violation within {depth} steps$", out, re.M)
    assert f"stopped after depth {depth}: interrupted (SIGTERM)" in out
    assert "Counterexample for LOW" in out
    assert "not run: variant b (interrupted (SIGTERM))" in out
    # a bounded path says nothing about an infinite run: never "no violation"
    assert re.search(r"^  END +liveness   not checked: bounded model checking covers safety",
                     out, re.M)
    assert {r["name"]: r["status"] for r in result["results"]}["END"] == "unknown"
