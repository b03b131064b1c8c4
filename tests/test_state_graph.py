"""The HTML report's state graph draws exactly the reachable graph the search explored."""

from __future__ import annotations

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.engine.search import search
from modelcheck.engine.trace import stored_form
from modelcheck.lang.source import load
from modelcheck.report.html_page import html
from modelcheck.report.state_graph import draw
from tests.conftest import ROOT

SMALL = [("tests/symmetric/matrix.spec", True), ("tests/symmetric/mutex.spec", False),
         ("tests/symmetric/objects.spec", True), ("tests/symmetric/mutex.spec", True),
         ("tests/golden/specs/04_lifetime.spec", True), ("tests/golden/specs/02_deadlock.spec",
                                                         True)]


@pytest.mark.parametrize("path,symmetry", SMALL)
def test_drawn_edges_are_the_edges_of_the_state_space(path: str, symmetry: bool) -> None:
    spec = load(ROOT / path)
    variant = spec.variants[-1]
    ts = compile_variant(spec, variant, RunConfig(symmetry=symmetry))
    store = search(ts).store
    # every successor of every stored state, as the state it was stored as
    want = {(i, store.index[stored_form(ts, r)])
            for i, s in enumerate(store.states) for r in ts.successors(s)}
    drawing = draw(ts, [])
    assert drawing is not None
    got = {(e.source, e.target) for e in drawing.edges}
    assert got == want
    assert len({n.id for n in drawing.nodes}) == len(store)


def test_matrix_graph_under_symmetry_has_every_edge() -> None:
    """The count the layout issue measured: 118 edges, of which 48 were drawn before."""
    spec = load(ROOT / "tests/symmetric/matrix.spec")
    drawing = draw(compile_variant(spec, None), [])
    assert drawing is not None and len(drawing.edges) == 118


def test_a_lasso_loop_is_drawn_back_and_its_states_ringed() -> None:
    """live_tas_lock weak: the starvation lasso's closing edge goes back to the state at its
    loop index as a curve, and exactly the loop's states are ringed, in the page too."""
    spec = load(ROOT / "specs" / "examples" / "live_tas_lock.spec")
    ts, v = run_variant(spec, "weak", RunConfig(engine="python"))
    (ce,) = v.counterexamples
    assert ce.loop is not None
    drawing = draw(ts, [ce])
    assert drawing is not None
    index = search(ts).store.index
    ids = [index[stored_form(ts, st.state)] for st in ce.steps]
    (back,) = [e for e in drawing.edges if e.path]
    assert (back.source, back.target) == (ids[-2], ids[ce.loop]) and back.traces == [0]
    assert {n.id for n in drawing.nodes if n.cycle} == set(ids[ce.loop:])
    page = html(ts, v)
    assert page.count('class="trace-edge back-edge"') == 1
    assert page.count('class="cycle-ring"') == len(set(ids[ce.loop:]))
