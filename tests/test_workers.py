"""Parallel search: several worker processes report exactly what one process reports, down to
which shortest trace is shown, whatever the split of states between them.
"""

from __future__ import annotations

import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.lang.source import load, load_text
from tests.conftest import ROOT
from tests.test_engine import counters
from tests.test_store import seen, shipped

SPECS = ROOT / "specs"

# Every shipped variant but the two largest (each takes seconds per mode).
CASES = shipped(["osv_visibility.spec", "tls_swap.spec", "rseq_refcount.spec"]) + \
    shipped(["stop_world.spec"], skip=("pre_d07", "master"))


@pytest.mark.parametrize(("name", "variant"), CASES)
def test_two_workers_report_what_one_process_reports(name: str, variant: str) -> None:
    spec = load(SPECS / name)
    one = seen(spec, variant, "fingerprint", workers=1)
    assert seen(spec, variant, workers=2) == one
    assert seen(spec, variant) == one  # the exact store, too


def test_stop_world_master_traces_with_three_workers() -> None:
    """Four violated properties with long traces (43 to 60 steps), split three ways."""
    spec = load(SPECS / "stop_world.spec")
    assert seen(spec, "master", workers=3) == seen(spec, "master")


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize(("n", "k"), [(2, 3), (3, 2), (4, 2)])
def test_counts_by_hand(workers: int, n: int, k: int) -> None:
    v = run_variant(load_text(counters(n, k)), None, RunConfig(workers=workers))[1]
    assert v.result == "holds"
    assert v.stats.distinct_states == (k + 1) ** n
    assert v.stats.transitions == n * k * (k + 1) ** (n - 1)
    assert v.stats.depth == n * k


def test_first_violation_is_the_one_process_finds_first() -> None:
    spec = load(SPECS / "osv_visibility.spec")
    exact = run_variant(spec, "fe37650", RunConfig(stop_at_first=True))[1]
    split = run_variant(spec, "fe37650", RunConfig(stop_at_first=True, workers=2))[1]
    assert [ce.prop for ce in split.counterexamples] == \
        [ce.prop for ce in exact.counterexamples] == ["V-SAFE"]
    assert split.incomplete == exact.incomplete == ["stopped at the first violation"]


def test_several_initial_states() -> None:
    """Initial states are ranked in the order `init` yields them, in every process."""
    src = ("threads 1; enum E { a, b, c }\nvar e: E in {a, b, c}; var n: 0..3 = 0;\n"
           "invariant SMALL: n < 2 || e == a;\n"
           "thread t() { s: { await n < 3; n = n + 1; goto s; } }\nstart t();\n"
           "option deadlock = false;\n")
    spec = load_text(src)
    assert seen(spec, None, workers=2) == seen(spec, None)
    assert seen(spec, None)[1] == 12


def test_cli_workers(capsys: pytest.CaptureFixture[str]) -> None:
    """Python's workers keep fingerprints; native workers also keep the states when the
    exact store is asked for (lints are read off them), told apart byte for byte."""
    spec = str(SPECS / "osv_visibility.spec")
    assert main([spec, "-q", "--workers", "2", "--engine", "python"]) == 0  # as expected
    out = capsys.readouterr().out
    assert "fingerprints: 7,246 states" in out and "lint not-computed" in out
    assert main([spec, "-q", "--workers", "2", "--engine", "native"]) == 0
    out = capsys.readouterr().out
    assert "fingerprints:" not in out and "lint not-computed" not in out
    assert main([spec, "-q", "--workers", "2", "--engine", "native",
                 "--store", "fingerprint"]) == 0
    assert "fingerprints: 7,246 states" in capsys.readouterr().out
    assert main([str(SPECS / "osv_visibility.spec"), "--workers", "0"]) == 2
