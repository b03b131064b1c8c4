"""`for x in D { ... }` inside a step: counts derived by hand in the docstrings. That the
engines agree pass by pass is test_symbolic's and test_native's construct "for loops"."""

from __future__ import annotations

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.source import load_text
from tests.conftest import prop, spec_error

BROADCAST = """
threads 3;
var inbox: array[tid] of 0..2 = [0];
thread node() { send: { for t in tid { if t != self { inbox[t] = inbox[t] + 1; } } } }
start node(); start node(); start node();
invariant SUM: sum(t in tid : inbox[t]) == 2 * count(t in tid : done(t));
"""


def run(src: str, engine: str = "python") -> Verdict:
    return run_variant(load_text(src), None, RunConfig(engine=engine))[1]


@pytest.mark.parametrize("engine", ["python", "native"])
def test_a_broadcast_in_one_step(engine: str) -> None:
    """A state is the set of nodes that have sent (inbox follows from it): 2^3 = 8 states;
    a state with k nodes still to send has k successors: 3 * 1 + 3 * 2 + 1 * 3 = 12."""
    v = run(BROADCAST, engine)
    assert (v.stats.distinct_states, v.stats.transitions, v.result) == (8, 12, "holds")


@pytest.mark.parametrize("engine", ["python", "native"])
def test_the_domain_is_taken_before_the_first_pass(engine: str) -> None:
    """The body adds v + 1 to s, but the loop runs over s as it was: one pass, n == 1."""
    src = """
var s: set of 0..3 = {0};
var n: 0..3 = 0;
thread w() { a: { for v in s { s = s | filter(u in 0..3 : u == v + 1); n = n + 1; } } }
start w();
invariant ONE: n <= 1 && (n == 0 || s == {0, 1});
"""
    v = run(src, engine)
    assert (v.stats.distinct_states, prop(v, "ONE").status) == (2, "holds")


def test_passes_are_bounded() -> None:
    err = spec_error("var n: 0..3 = 0;\nthread w() { a: { for i in 0..99 { n = 0; } } }\n"
                     "start w();\n")
    assert "a for loop runs at most 64 passes" in str(err)
