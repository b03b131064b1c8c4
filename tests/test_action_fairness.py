"""Fairness for one action with chosen arguments (`fairness weak t.s.branch per k where P`),
TLA+'s `\\A k : WF_vars(A(k))`, on both engines; verdicts and counts derived by hand.

The translations that need it (SimpleAllocator's and ReadersWriters' liveness) are rows
of tests/test_tla_translations.py, which runs them on both engines too.
"""

from __future__ import annotations

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.lang.source import load, load_text
from tests.conftest import spec_error, violated
from tests.test_tla_translations import EXAMPLES, ROWS, verdict_text

# Three bits: a, b (set once) and c (toggled). Each state has 3 values of k times 2
# branches = 6 moves, and a and b are set independently, c toggles: 8 states, 48
# transitions. `set` with k = 2 and `idle` only toggle c, so a run may toggle for ever.
BITS = """
variants step_only, per_k, only_a, b_after_a;
var a: bool = false;
var b: bool = false;
var c: 0..1 = 0;
thread t() {
    s: {
        choose k in 0..2 {
            either set: {
                if k == 0 { a = true; } else if k == 1 { b = true; } else { c = 1 - c; }
            }
            or idle: { c = 1 - c; }
        }
        goto s;
    }
}
start t();
option stutter = true;
fairness weak t.s for step_only;
fairness weak t.s.set per k for per_k;
fairness weak t.s.set per k where k == 0 for only_a;
fairness weak t.s.set per k where k == 1 && a for b_after_a;
liveness A: eventually a;
liveness AB: eventually a && b;
"""

# - step_only: the step runs on every move, so toggling c for ever is fair: A and AB fail.
# - per_k: a unit per k, enabled while its move changes the state: k = 0 until a is set,
#   k = 1 until b is; weak fairness sets both. Everything holds.
# - only_a: only k = 0 is fair: once a is set the run may stay (or toggle c): AB fails.
# - b_after_a: only k = 1, and only where a holds: with a never set nothing is owed, so
#   staying at the start is fair: A and AB fail.
# (How long a lasso is, is the engine's choice of loop; both engines must agree on it.)
EXPECTED = {"step_only": {"A", "AB"}, "per_k": set(), "only_a": {"AB"},
            "b_after_a": {"A", "AB"}}


def test_units_per_chosen_value_on_both_engines() -> None:
    spec = load_text(BITS, path="t.spec")
    for variant, expected in EXPECTED.items():
        found = []
        for engine in ("python", "native"):
            v = run_variant(spec, variant, RunConfig(engine=engine))[1]
            assert v.engine.startswith(engine), v.engine
            assert (v.stats.distinct_states, v.stats.transitions) == (8, 48)
            assert set(violated(v)) == expected, variant
            found.append(violated(v))
        assert found[0] == found[1]


@pytest.mark.parametrize("engine, store", [("native", "exact"), ("python", "fingerprint"),
                                           ("native", "fingerprint")])
def test_the_allocators_verdicts_from_every_store(engine: str, store: str) -> None:
    """SimpleAllocator2's lasso (the table's row, found there by the Python exact store)
    from the native store and from fingerprints, where the states are found by number."""
    row = next(r for r in ROWS if r["spec"] == "tla_simpleallocator.spec"
               and r["variant"] == "lazy_return")
    spec = load(EXAMPLES / row["spec"])
    v = run_variant(spec, row["variant"], RunConfig(engine=engine, store=store))[1]
    assert v.engine.startswith(engine)
    assert verdict_text(v) == row["verdict"]


# A signal handler toggles `hits` between any two steps of t. Fairness on its first step
# makes the graph tell a delivery from t's own move (a delivery is no move of `set`).
HANDLER = """
var a: bool = false;
var hits: 0..1 = 0;
handler h { b: { hits = 1 - hits; } }
thread t() {
    i: { install h; }
    s: {
        choose k in 0..1 {
            either set: { if k == 0 { a = true; } }
            or idle: { skip; }
        }
        goto s;
    }
}
start t();
option stutter = true;
fairness weak t.i;
fairness weak h.b;
fairness weak t.s.set per k where k == 0%s;
liveness A: eventually a;
"""


@pytest.mark.parametrize("engine", ["python", "native"])
@pytest.mark.parametrize("condition, expected", [("", set()), (" && hits == 0", {"A"})])
def test_deliveries_are_not_moves_of_the_action(engine: str, condition: str,
                                                expected: set[str]) -> None:
    """k = 0 stays enabled until a is set, deliveries or not, so weak fairness sets a; if
    it is owed only while hits == 0, the handler can keep turning it off: A fails."""
    v = run_variant(load_text(HANDLER % condition, path="t.spec"), None,
                    RunConfig(engine=engine))[1]
    assert set(violated(v)) == expected


@pytest.mark.parametrize("line, reason", [
    ("fairness weak u.s.set per k;", "no thread 'u'"),
    ("fairness weak t.x.set per k;", "'t' has no step 'x'"),
    ("fairness weak t.s.sett per k;", "no either branch named 'sett'"),
    ("fairness weak t.s.set per j;", "chooses no 'j'"),
    ("fairness weak t.s where j == 0;", "unknown name 'j'"),
    ("fairness weak t.s.set for step_onl;", "unknown variant 'step_onl' in fairness"),
])
def test_refusals(line: str, reason: str) -> None:
    src = BITS.replace("fairness weak t.s for step_only;", line)
    assert reason in str(spec_error(src))
