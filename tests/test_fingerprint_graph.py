"""Liveness over a fingerprint store: the second pass (`engine/fingerprint_graph.py`)
numbers the states by fingerprint and must give the exact store's graph up to that
renumbering, and so the exact store's verdicts and lassos, with the caveat said."""

from __future__ import annotations

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.engine.fingerprint import fingerprint_of
from modelcheck.engine.fingerprint_graph import fingerprint_graph
from modelcheck.engine.graph import build_graph
from modelcheck.engine.liveness_run import _fair_to_handlers
from modelcheck.engine.run import Search, run_search
from modelcheck.lang.source import load, load_text
from tests.conftest import ROOT
from tests.test_native_graph import SIGNALS

EXAMPLES = ROOT / "specs" / "examples"
CASES = [("live_tas_lock", "weak"), ("live_tas_lock", "strong"), ("live_peterson", "unfair"),
         ("live_peterson", "weak"), ("live_philosophers", "unordered"),
         ("live_counter", "unfair"), ("live_counter", "fair")]


def test_the_pass_numbers_the_exact_graph() -> None:
    """Edge for edge, once each exact state is renamed to its fingerprint's number; the
    predicates' values and a path's states come back too."""
    ts = compile_variant(load_text(SIGNALS))
    outcome, _ = run_search(ts, "python", Search())
    states = list(outcome.store)
    entries = _fair_to_handlers(ts)
    exact = build_graph(ts, states, ts.initial_states(), False, None, entries)
    fp = fingerprint_graph(ts, False, entries)
    assert len(fp) == len(exact) == len(states) and fp.repeats == exact.repeats
    fingerprint = fingerprint_of(ts.model)
    at = {f: k for k, f in enumerate(fp.labels.fps)}  # type: ignore[attr-defined]
    rename = [at[fingerprint(s)] for s in states]
    for i in range(len(exact)):
        mine = [(rename[int(exact.dst[e])], int(exact.thread[e]), int(exact.pc[e]))
                for e in exact.edges(i)]
        theirs = [(int(fp.dst[e]), int(fp.thread[e]), int(fp.pc[e]))
                  for e in fp.edges(rename[i])]
        assert mine == theirs
    assert fp.initial == [rename[i] for i in exact.initial]
    (p,) = ts.predicates[0]
    assert (fp.labels.holds(0, p)[rename] == exact.labels.holds(0, p)).all()
    assert (fp.labels.finished()[rename] == exact.labels.finished()).all()
    far = max(range(len(states)), key=lambda i: rename[i])  # reached last: a long way back
    assert fp.labels.path_states([rename[far], rename[far]]) == [states[far], states[far]]


@pytest.mark.parametrize(("name", "variant"), CASES, ids=[f"{n}-{v}" for n, v in CASES])
def test_fingerprints_give_the_exact_verdicts_and_lassos(name: str, variant: str) -> None:
    spec = load(EXAMPLES / f"{name}.spec")
    _, exact = run_variant(spec, variant, RunConfig(engine="python"))
    _, fp = run_variant(spec, variant, RunConfig(engine="python", store="fingerprint"))
    assert fp.expectation == "met" and not fp.incomplete
    assert [(p.name, p.status) for p in fp.properties] == \
        [(p.name, p.status) for p in exact.properties]
    assert [[(st.thread, st.state) for st in ce.steps] + [ce.loop]
            for ce in fp.counterexamples] == \
        [[(st.thread, st.state) for st in ce.steps] + [ce.loop]
         for ce in exact.counterexamples]
    assert all(ce.certified for ce in fp.counterexamples)
    assert fp.liveness is not None and "over fingerprints: exact unless two of the" in \
        fp.liveness.semantics


def test_the_native_fingerprint_store_is_numbered_too() -> None:
    spec = load(EXAMPLES / "live_tas_lock.spec")
    _, v = run_variant(spec, "weak", RunConfig(engine="native", store="fingerprint"))
    assert v.engine.startswith("native") and v.expectation == "met"
    assert [ce.length for ce in v.counterexamples] == [4]
