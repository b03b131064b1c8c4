"""Bounded sequences (`seq[K] of T`): append, head, tail, len, indexing and equality on every
engine, overflow as a `bounds` violation with a trace. Counts are derived by hand in each
test, or come from the direct enumeration of lang_fifo.spec in test_lang_examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.app.prove import encoding
from modelcheck.check.checker import check as check_model
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.source import load, load_text
from modelcheck.symbolic.bmc import VIOLATED, bmc
from tests.conftest import ROOT, decoded, prop, spec_error, trace_of, violated, write
from tests.test_lang_examples import fifo

FIFO = ROOT / "specs" / "examples" / "lang_fifo.spec"


def run(src: str, engine: str = "python", variant: str | None = None) -> Verdict:
    return run_variant(load_text(src, path="t.spec"), variant,
                       RunConfig(engine=engine, liveness=False))[1]


def seen(v: Verdict) -> tuple:
    return (v.stats.distinct_states, v.stats.transitions, v.stats.depth,
            [(p.name, p.status, p.message, p.trace_length) for p in v.properties],
            [(ce.prop, ce.message, [(st.thread, st.action, st.state) for st in ce.steps])
             for ce in v.counterexamples])


@pytest.mark.parametrize("variant", ["fifo", "overflow", "lossy"])
def test_engines_agree_on_the_fifo_channel(variant: str) -> None:
    """The Python and native engines (and the fingerprint store) find the enumeration's
    counts, the same verdicts and the same traces; every trace is certified by z3."""
    runs = [run_variant(load(FIFO), variant, RunConfig(liveness=False, **kw))[1]  # type: ignore
            for kw in (dict(engine="python"), dict(engine="native"),
                       dict(engine="native", store="fingerprint"))]
    assert runs[1].engine.startswith("native")
    assert (runs[0].stats.distinct_states, runs[0].stats.transitions) == fifo(variant)
    assert seen(runs[0]) == seen(runs[1]) == seen(runs[2])
    assert runs[0].expectation == "met"
    assert all(ce.certified for ce in runs[0].counterexamples)


def test_overflow_is_a_bounds_violation_with_a_trace() -> None:
    """Three sends into a channel of two, the receiver not yet run: the third append fails
    the store's range check, and the search still decides every other property."""
    ts, v = run_variant(load(FIFO), "overflow", RunConfig(liveness=False))
    ce = trace_of(v, "bounds")
    assert ce.length == 3 and not v.incomplete
    assert ce.message == "value 3 leaves its range in 'chan' (a sequence of at most 2 items)"
    assert decoded(ts, ce, -2)["chan"] == [0, 1]


COUNTER = """
var q: seq[3] of 0..3 = [];
var x: 0..3 = 0;
thread t() {
    a: { q = append(q, 2); }
    b: { q = append(q, 3); }
    c: { x = head(q); q = tail(q); }
    d: { x = q[len(q) - 1]; }
}
start t();
invariant EQ: q == [] || q == [2] || q == [2, 3] || q == [3];
invariant LEN: len(q) <= 2;
invariant LIT: q == [2, 3] -> tail(q) == [3] && head(q) == 2 && q[1] == 3 && q != [2]
                              && append(tail(q), 1) == [3, 1] && len(append(q, 0)) == 3;
"""


@pytest.mark.parametrize("engine", ["python", "native"])
def test_operations_by_hand(engine: str) -> None:
    """One thread: [] -> [2] -> [2, 3] -> [3] (x = 2) -> x = 3: five states, four steps;
    every equality and literal in the invariants holds."""
    v = run(COUNTER, engine)
    assert (v.stats.distinct_states, v.stats.transitions) == (5, 4)
    assert v.result == "holds" and v.engine.startswith(engine)


@pytest.mark.parametrize(("step", "message"), [
    ("x = head(q);", "index out of the sequence's length"),
    ("q = tail(q);", "tail() of the empty sequence"),
    ("x = q[1];", "index out of the sequence's length"),
    ("x = len(append(append(append(q, 1), 1), 1)) + len(append(q, 2)) - 4;",
     "append() to a full sequence (it holds 2)"),  # the outermost append
])
def test_misuse_is_a_runtime_violation(step: str, message: str) -> None:
    src = f"""
var q: seq[2] of 0..3 = [];
var x: 0..3 = 0;
thread t() {{
    a: {{ {step} }}
}}
start t();
"""
    for engine in ("python", "native"):
        v = run(src, engine)
        assert violated(v) == {"runtime": 1}, engine  # an evaluation error
        assert trace_of(v, "runtime").message == message


def test_sequences_of_records() -> None:
    src = """
type Msg = record { src: 0..1, val: 0..2 };
var q: seq[2] of Msg = [];
var last: Msg = {src: 0, val: 0};
thread t() {
    a: { q = append(q, {src: 1, val: 2}); }
    b: { q = append(q, {src: 0, val: 1}); }
    c: { last = head(q); q = tail(q); }
}
start t();
invariant FRONT: len(q) == 1 -> q == [{src: 1, val: 2}] || q == [{src: 0, val: 1}];
invariant LAST: last.src == 1 -> last.val == 2;
"""
    python, native = run(src, "python"), run(src, "native")
    assert seen(python) == seen(native) and python.result == "holds"
    assert python.stats.distinct_states == 4


def test_any_initial_sequence_is_each_sequence_once() -> None:
    """`in any` over seq[2] of 0..1: the sequences of length 0, 1 and 2 are 1 + 2 + 4."""
    src = "var q: seq[2] of 0..1 in any;\nthread t() { a: { skip; } }\nstart t();\n"
    for engine in ("python", "native"):
        assert run(src, engine).stats.distinct_states == 2 * 7
    e = spec_error(src.replace("seq[2] of 0..1", "array[0..1] of seq[2] of 0..1"))
    assert "cannot start 'in any'" in e.message and e.pos.line == 1


def test_refusals_are_located() -> None:
    e = spec_error("symmetric type P = 0..1;\nvar q: seq[2] of P = [];\n"
                   "thread t() { a: { skip; } }\nstart t();\n")
    assert e.pos.line == 2 and "symmetry" in e.message
    e = spec_error("var q: seq[2] of 0..3 = [1, 2, 3];\nthread t() { a: { skip; } }\n"
                   "start t();\n")
    assert e.pos.line == 1 and "do not fit" in e.message
    e = spec_error("var q: array[0..1] of 0..3 = [];\nthread t() { a: { skip; } }\n"
                   "start t();\n")
    assert "empty sequence" in e.message


def test_bmc_finds_the_overflow_and_unbounded_encodes_it() -> None:
    """The unbounded encoding's own overflow checks are in tests/test_prove_unbounded_data.py;
    here: the fifo's overflowing append is a `bounds` failure of a step there too."""
    spec = load(FIFO)
    found, _, _ = bmc(encoding(spec, check_model(spec.ast, "overflow"), {}, False), 4, 60.0)
    assert {f.prop: (f.status, f.length) for f in found}["bounds"] == (VIOLATED, 3)
    enc = encoding(spec, check_model(spec.ast, "overflow"), {}, True)
    assert "bounds" in enc.failures(enc.state("s."))


def test_itf_and_json_show_sequences_as_lists(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    main([str(FIFO), "--variant", "overflow", "--json", "v.json", "--itf", "t.json",
          "--no-report", "-q"])
    steps = json.loads((tmp_path / "v.json").read_text())["counterexample"]["steps"]
    assert [s["state"]["chan"] for s in steps] == [[], [0], [0, 1], [0, 1]]
    states = json.loads((tmp_path / "t.json").read_text())["states"]
    assert states[2]["chan"] == [{"#bigint": "0"}, {"#bigint": "1"}]


def test_prove_uses_sequences(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, COUNTER)
    assert main(["prove", path, "--json", "p.json", "--no-report", "--timeout", "10"]) == 0
    assert prop(run(COUNTER), "EQ").status == "holds"
