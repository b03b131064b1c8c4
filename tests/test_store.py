"""The fingerprint store: the same counts, verdicts and traces as the exact store, 16 bytes a
state, and fingerprints that do not collide by construction.
"""

from __future__ import annotations

import numpy as np
import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.engine.fingerprint import fingerprint_of
from modelcheck.engine.liveness_run import DISABLED
from modelcheck.engine.outcome import Limits
from modelcheck.engine.store import NO_PARENT, FingerprintStore, collision_probability
from modelcheck.lang.source import LoadedSpec, load, load_text
from modelcheck.report.text import trace
from tests.conftest import ROOT
from tests.test_engine import counters

SPECS = ROOT / "specs"


def seen(spec: LoadedSpec, variant: str | None, store: str = "exact", workers: int = 1,
         **limits: int | None) -> tuple:
    """Everything a user sees of one check, traces rendered as text, timings left out.
    Liveness is left out too: several workers do not check it (tests/test_fingerprint_graph.py
    compares it between the stores)."""
    ts, v = run_variant(spec, variant, RunConfig(limits=Limits(**limits), store=store,
                                                 workers=workers, liveness=False))
    return (v.result, v.stats.distinct_states, v.stats.transitions, v.stats.depth,
            [(p.name, p.status, p.trace_length) for p in v.properties], v.incomplete,
            [trace(ts, ce) for ce in v.counterexamples])


def shipped(names: list[str], skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(name, variant) for name in names for variant in load(SPECS / name).variants
            if variant not in skip]


SHIPPED = shipped(["osv_visibility.spec", "tls_swap.spec", "rseq_refcount.spec"]) + \
    shipped(["stop_world.spec"], skip=("pre_d07",))  # pre_d07: 257,547 states, 10 s a mode


@pytest.mark.parametrize(("name", "variant"), SHIPPED)
def test_fingerprint_store_sees_what_the_exact_store_sees(name: str, variant: str) -> None:
    spec = load(SPECS / name)
    exact = seen(spec, variant)
    assert exact[5] in ([], [DISABLED])  # complete: nothing unknown but liveness, left out
    assert seen(spec, variant, "fingerprint") == exact


@pytest.mark.parametrize(("n", "k"), [(2, 3), (3, 2), (4, 1), (2, 40)])
def test_counts_by_hand(n: int, k: int) -> None:
    v = run_variant(load_text(counters(n, k)), None, RunConfig(store="fingerprint"))[1]
    assert v.result == "holds"
    assert v.stats.distinct_states == (k + 1) ** n
    assert v.stats.transitions == n * k * (k + 1) ** (n - 1)
    assert v.stats.depth == n * k


def test_negative_values_do_not_collide() -> None:
    """hash(-1) == hash(-2) in Python: a bare hash() fingerprint would merge these states."""
    src = ("threads 1; var x: -3..0 = 0; var y: -3..0 = 0;\n"
           "thread t() { down: { either { await x > -3; x = x - 1; } or { await y > -3; "
           "y = y - 1; } goto down; } }\nstart t();\noption deadlock = false;\n")
    spec = load_text(src)
    assert seen(spec, None, "fingerprint")[1] == seen(spec, None)[1] == 16


def test_free_bit_does_not_collide() -> None:
    """The destructor mask holds 1 << 62, which hash() folds onto small ints."""
    src = ("threads 2; var n: 0..2 = 0;\n"
           "destructor d0 { n = n + 1; }\ndestructor d1 { n = n + 1; }\n"
           "thread t() { a: { on_exit d0; } b: { either { on_exit d1; } or { skip; } "
           "free self; } }\nstart t(); start t();\n")
    spec = load_text(src)
    ts, _ = run_variant(spec)
    assert fingerprint_of(ts.model) is not hash
    assert seen(spec, None, "fingerprint") == seen(spec, None)


def test_limits_make_the_search_incomplete() -> None:
    spec = load_text(counters(3, 3))
    for limits in ({"max_states": 10}, {"max_depth": 2}):
        exact, fp = seen(spec, None, **limits), seen(spec, None, "fingerprint", **limits)
        assert fp[0] == exact[0] == "incomplete"
        assert fp[5] == exact[5]
    assert seen(spec, None, "fingerprint", max_depth=2)[1] == seen(spec, None, max_depth=2)[1]


def test_store_membership_parents_and_merges() -> None:
    rng = np.random.default_rng(7)
    fps = rng.choice(np.arange(-10**12, 10**12, 9973, dtype=np.int64), 5000, replace=False)
    store = FingerprintStore()
    for lo in range(0, 5000, 300):  # uneven batches: runs of many sizes get merged
        part = fps[lo:lo + 300]
        store.add(part, np.full(len(part), NO_PARENT, np.int64) if lo == 0 else part - 1)
    assert len(store) == 5000
    assert len(store.runs) < 10
    assert store.contains(fps).all()
    assert not store.contains(fps + 1).any()
    assert store.parent(int(fps[4000])) == int(fps[4000]) - 1
    assert store.parent(int(fps[7])) == NO_PARENT
    assert store.nbytes() == 16 * 5000


def test_collision_probability_is_the_birthday_bound() -> None:
    assert collision_probability(1) == 0
    assert collision_probability(2**32) == pytest.approx(0.5, rel=1e-6)


def test_cli_prints_the_collision_estimate(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(SPECS / "osv_visibility.spec"), "--variant", "orig", "-q",
                 "--store", "fingerprint", "--no-trace"])
    assert code == 0  # orig violates V-COMPLETE, as its expect line says
    assert "fingerprints: 1,258 states, probability of a collision about 4.3e-14" \
        in capsys.readouterr().out


@pytest.mark.parametrize("mode", [{}, {"store": "fingerprint"}, {"workers": 2}])
def test_step_counts_are_the_same_in_every_mode(mode: dict) -> None:
    """`Stats.fired` (the report's step table) counts every transition once, by pc."""
    spec = load(ROOT / "specs" / "osv_visibility.spec")
    _, exact = run_variant(spec, "levels")
    _, v = run_variant(spec, "levels", RunConfig(**mode))
    assert sum(v.stats.fired) == v.stats.transitions == exact.stats.transitions
    assert v.stats.fired == exact.stats.fired
