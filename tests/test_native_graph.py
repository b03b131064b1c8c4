"""The native engine's edge function (`runtime/edges.c`, `engine/native_graph.py`) against
the Python back end's graph (`graph.build_graph`): the same arrays, edge for edge, over
the same stored states, and so the same liveness verdicts and lassos."""

from __future__ import annotations

import numpy as np
import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.backends.base import TransitionSystem
from modelcheck.engine.graph import Graph, build_graph
from modelcheck.engine.liveness_run import _fair_to_handlers
from modelcheck.engine.native import NativeStates
from modelcheck.engine.native_graph import NativeLabels, native_graph
from modelcheck.engine.run import Search, run_search
from modelcheck.lang.source import load, load_text
from tests.conftest import ROOT

EXAMPLES = ROOT / "specs" / "examples"

# a signal whose delivery fairness names (its handler's first step), a step that cannot
# be evaluated in one branch (its thread loses every edge of the step), and states whose
# only results are failures (k out of its range, a[3]): they have no edge at all
SIGNALS = """
threads 3;
var pending: bool = false;
var handled: bool = false;
var k: 0..3 = 0;
var a: array[0..1] of 0..1 = [0];
handler h { take: { await pending; pending = false; handled = true; } }
thread victim() { arm: { install h; } spin: { await k < 2; goto spin; } }
thread killer() {
    kill: { pending = true; }
    more: { either { k = k + 1; goto more; } or { a[k] = 1; } }
    last: { assert k < 2, "k reached 2" as K; await false; }
}
start victim(); start killer();
option deadlock = false;
fairness weak h.take;
fairness weak killer;
liveness HANDLED: eventually handled;
"""


def _graphs(ts: TransitionSystem, workers: int = 1) -> tuple[Graph, Graph]:
    outcome, engine = run_search(ts, "native", Search(workers=workers))
    assert engine.name == "native"  # (a step that cannot be evaluated leaves it incomplete:
    # liveness is then not checked at all, but the edges must still agree)
    store = outcome.store
    assert isinstance(store, NativeStates)
    stutter, entries = ts.model.temporal.stutter, _fair_to_handlers(ts)  # type: ignore[union-attr]
    g = native_graph(ts, store, stutter, entries)
    assert g is not None
    return g, build_graph(ts, list(store), ts.initial_states(), stutter, None, entries)


def _same(native: Graph, python: Graph) -> None:
    for name in ("start", "dst", "thread", "pc"):
        a, b = getattr(native, name), getattr(python, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert native.initial == python.initial and native.repeats == python.repeats


CASES = [("live_tas_lock", "weak"), ("live_peterson", "unfair"),
         ("live_philosophers", "unordered"), ("live_counter", "fair")]


@pytest.mark.parametrize(("name", "variant"), CASES, ids=[n for n, _ in CASES])
def test_edges_equal_the_python_graph(name: str, variant: str) -> None:
    ts = compile_variant(load(EXAMPLES / f"{name}.spec"), variant)
    native, python = _graphs(ts)
    _same(native, python)
    assert native.repeats or name != "live_philosophers"  # its deadlock repeats


def test_signal_entries_failures_and_evaluation_errors() -> None:
    ts = compile_variant(load_text(SIGNALS))
    assert _fair_to_handlers(ts)
    native, python = _graphs(ts)
    _same(native, python)
    take = ts.model.handlers[0].steps[0].pc
    assert (native.pc == take).any()  # deliveries are labelled with the handler's step
    ends = np.flatnonzero(np.diff(native.start) == 0)
    assert len(ends)  # a failure's state: no edge, not even a repeat


def test_the_threaded_store_lists_the_same_edges() -> None:
    """With search threads the states sit in shards; positions run shard after shard."""
    ts = compile_variant(load_text(SIGNALS))
    native, python = _graphs(ts, workers=2)
    _same(native, python)


@pytest.mark.parametrize(("name", "variant"), CASES + [("live_tas_lock", "strong")],
                         ids=[f"{n}-{v}" for n, v in CASES + [("live_tas_lock", "strong")]])
def test_same_verdicts_and_lassos(name: str, variant: str) -> None:
    spec = load(EXAMPLES / f"{name}.spec")
    _, native = run_variant(spec, variant, RunConfig(engine="native", certify=False))
    _, python = run_variant(spec, variant, RunConfig(engine="python", certify=False))
    assert native.engine.startswith("native")
    assert [(p.name, p.status) for p in native.properties] == \
        [(p.name, p.status) for p in python.properties]
    assert [(ce.prop, ce.length, ce.loop) for ce in native.counterexamples] == \
        [(ce.prop, ce.length, ce.loop) for ce in python.counterexamples]


def test_c_evaluates_places_and_partners() -> None:
    """`t at proc.wait` and `t.other at proc.cs` are compiled into the verifier
    (`mc_predicate`), not left to Python, and agree with Python state by state."""
    ts = compile_variant(load(EXAMPLES / "live_peterson_places.spec"), "unfair")
    native, python = _graphs(ts)
    assert isinstance(native.labels, NativeLabels)
    flat = [p for ps in ts.predicates for p in ps]
    assert len(flat) == 8  # two instances of two leads-to properties
    for k, p in enumerate(flat):
        got = native.labels._ask(k)
        assert got is not None and (got == python.labels.holds(k, p)).all()
    assert (native.labels.finished() == python.labels.finished()).all()
