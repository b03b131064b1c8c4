"""Sets of records and sets of more than 64 values: `|`, `&`, `-`, `in`, `size`, `==`,
literals, quantifiers, `count`, `filter`, `pick` and `choose` over them, on the Python and
native engines and in the fixed-pool z3 encoding. Counts are derived by hand in each test
or come from the enumeration of lang_votes.spec in test_lang_examples."""

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
from tests.conftest import ROOT, spec_error, trace_of, violated
from tests.test_lang_examples import votes

VOTES = ROOT / "specs" / "examples" / "lang_votes.spec"


def run(src: str, engine: str) -> Verdict:
    return run_variant(load_text(src, path="t.spec"), None,
                       RunConfig(engine=engine, liveness=False))[1]


def seen(v: Verdict) -> tuple:
    return (v.stats.distinct_states, v.stats.transitions,
            [(p.name, p.status, p.trace_length) for p in v.properties],
            [(ce.prop, [(st.thread, st.action, tuple(st.choices), st.state) for st in ce.steps])
             for ce in v.counterexamples])


@pytest.mark.parametrize("variant", ["once", "twice"])
def test_engines_agree_on_the_votes(variant: str) -> None:
    python, native = (run_variant(load(VOTES), variant,
                                  RunConfig(engine=e, liveness=False))[1]
                      for e in ("python", "native"))
    assert native.engine.startswith("native")
    assert (python.stats.distinct_states, python.stats.transitions) == votes(variant)
    assert seen(python) == seen(native) and python.expectation == "met"
    assert all(ce.certified for ce in python.counterexamples)


def test_the_trace_shows_members() -> None:
    v = run_variant(load(VOTES), "twice", RunConfig(engine="python", liveness=False))[1]
    ce = trace_of(v, "AGREEMENT")
    assert ce.length == 6
    learner = [st for st in ce.steps if st.action == "learner.learn"]
    assert [st.choices for st in learner] == [["v = 0"], ["v = 1"]]
    first = next(st for st in ce.steps if st.action == "acceptor.vote")
    assert first.choices == ["v = 0"]


OPERATIONS = """
enum Kind { ping, pong }
type Msg = record { kind: Kind, to: 0..2, ok: bool };
var msgs: set of Msg = {};
var many: set of 0..99 = {5};
var got: 0..2 = 0;
thread t() {
    a: { msgs = msgs | {{kind: ping, to: 2, ok: true}, {kind: pong, to: 1, ok: false}};
         many = many | {99, 64}; }
    b: { choose m in msgs where m.kind == pong { got = m.to; msgs = msgs - {m}; } }
    c: { msgs = msgs & filter(m in msgs : m.ok); many = many - {5}; }
    d: { got = pick(m in msgs : m.kind == ping).to; }
}
start t();
invariant SIZES: size(msgs) <= 2 && size(many) <= 3 && size(many & {5, 64}) >= 1;
invariant IN: {kind: ping, to: 2, ok: true} in msgs || msgs == {};
invariant NOT-IN: {kind: ping, to: 0, ok: true} not in msgs;
invariant ALL: forall m in msgs : m.kind == ping -> m.ok;
invariant SOME: size(msgs) == 0 || exists m in msgs : m.to == 2;
invariant COUNT: count(m in msgs : !m.ok) <= 1 && sum(m in msgs : m.to) <= 3;
invariant FAR: (99 in many) == (64 in many);
invariant ONLY: size(msgs) == 1 -> msgs == {{kind: ping, to: 2, ok: true}};
"""


@pytest.mark.parametrize("engine", ["python", "native"])
def test_every_operation_by_hand(engine: str) -> None:
    """One thread, one path: {} -> two messages (and 99, 64) -> the pong removed (got = 1)
    -> filter keeps the ok one (5 removed) -> pick reads `to` = 2: five states, four steps,
    every invariant true."""
    v = run(OPERATIONS, engine)
    assert (v.stats.distinct_states, v.stats.transitions) == (5, 4)
    assert v.result == "holds" and v.engine.startswith(engine)


def test_a_broken_invariant_is_found_by_every_engine_and_bmc() -> None:
    src = OPERATIONS + "invariant BROKEN: size(msgs) != 1;\n"
    python, native = run(src, "python"), run(src, "native")
    assert violated(python) == violated(native) == {"BROKEN": 2}
    spec = load_text(src, path="t.spec")
    found, _, _ = bmc(encoding(spec, check_model(spec.ast), {}, False), 3, 60.0)
    assert {f.prop: (f.status, f.length) for f in found}["BROKEN"] == (VIOLATED, 2)


def test_json_and_itf_list_the_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    main([str(VOTES), "--variant", "twice", "--json", "v.json", "--itf", "t.json", "-q",
          "--no-report"])
    last = json.loads((tmp_path / "v.json").read_text())["counterexample"]["steps"][-1]
    assert {(m["acc"], m["val"]) for m in last["state"]["msgs"]} >= {(0, 0), (1, 0)}
    state = json.loads((tmp_path / "t.json").read_text())["states"][-1]
    assert all(set(m) == {"acc", "val"} for m in state["msgs"]["#set"])


@pytest.mark.parametrize(("decl", "step", "line", "says"), [
    ("var s: set of record { a: 0..99, b: 0..99 } = {};", "skip;", 1, "at most 1,024"),
    ("symmetric type P = 0..1;\nvar s: set of record { p: P, v: bool } = {};", "skip;", 2,
     "symmetry"),
    ("var s: set of set of 0..10 = {};", "skip;", 1, "2,048 values"),
    ("var a: array[tuple(0..99, 0..99)] of bool = [false];", "skip;", 1, "10,000 values"),
])
def test_limits_and_refusals_are_located(decl: str, step: str, line: int, says: str) -> None:
    e = spec_error(f"{decl}\nthread t() {{ a: {{ {step} }} }}\nstart t();\n")
    assert e.pos.line == line and says in e.message
