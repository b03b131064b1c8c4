"""The HTML report's state graph draws exactly the reachable graph the search explored."""

from __future__ import annotations

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant
from modelcheck.engine.search import search
from modelcheck.engine.trace import stored_form
from modelcheck.lang.source import load
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
