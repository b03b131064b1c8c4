"""specs/osv_visibility.spec: each historical variant's verdicts, trace lengths and the
interleavings themselves, as the engine finds them.
"""

from __future__ import annotations

from functools import cache

import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.backends.python.system import TransitionSystem
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.source import load
from tests.conftest import OSV, actions, decoded, trace_of, violated

EXPECTED = {
    "orig": {"V-COMPLETE": 3},
    "fe37650": {"V-SAFE": 2, "V-STRICT": 3, "V-COMPLETE": 5, "V-MEM": 7},
    "levels": {"V-STRICT": 3, "V-COMPLETE": 5},
}


@cache
def osv(variant: str, threads: str | None = None) -> tuple[TransitionSystem, Verdict]:
    """Check one variant once per session (optionally with -D THREADS=...)."""
    defines = {"THREADS": threads} if threads is not None else None
    return run_variant(load(OSV), variant, RunConfig(overrides=defines or {}))


def test_variants_declared() -> None:
    """The spec declares exactly the three historical versions, in this order."""
    assert load(OSV).variants == ["orig", "fe37650", "levels"]


@pytest.mark.parametrize("variant", list(EXPECTED))
def test_violated_properties_and_trace_lengths(variant: str) -> None:
    """Exactly these properties are violated, with these shortest-trace lengths."""
    _, v = osv(variant)
    assert v.result == "violated"
    assert not v.incomplete
    assert violated(v) == EXPECTED[variant]
    for p in v.properties:
        if p.name not in EXPECTED[variant]:
            assert p.status == "holds", p.name
    assert v.expectation == "met"
    assert {ce.prop: ce.length for ce in v.counterexamples} == EXPECTED[variant]


def test_the_visibility_invariants_per_variant() -> None:
    """The three invariants alone: orig breaks only completeness; fe37650 breaks all three;
    levels keeps V-SAFE but breaks V-STRICT and V-COMPLETE."""
    table = {}
    for variant in EXPECTED:
        _, v = osv(variant)
        table[variant] = {p.name: (p.status, p.trace_length) for p in v.properties
                          if p.name in ("V-SAFE", "V-STRICT", "V-COMPLETE")}
    assert table == {
        "orig": {"V-SAFE": ("holds", None), "V-STRICT": ("holds", None),
                 "V-COMPLETE": ("violated", 3)},
        "fe37650": {"V-SAFE": ("violated", 2), "V-STRICT": ("violated", 3),
                    "V-COMPLETE": ("violated", 5)},
        "levels": {"V-SAFE": ("holds", None), "V-STRICT": ("violated", 3),
                   "V-COMPLETE": ("violated", 5)},
    }


def test_fe37650_safe_trace_is_spawn_then_load() -> None:
    """A spawns T1, then A loads: T1, A's child, sees an object still being relocated."""
    ts, v = osv("fe37650")
    ce = trace_of(v, "V-SAFE")
    assert ce.kind == "invariant"
    assert actions(ce) == [(None, "init", []), (0, "thr.run", ["spawn"]),
                           (0, "thr.run", ["load"])]
    final = decoded(ts, ce)
    assert (final["phase"], final["owner"], final["loader"]) == ("loading", 0, 0)
    assert [(t["id"], t["parent"], t["status"]) for t in final["threads"]] == [
        (0, None, "alive"), (1, 0, "alive")]
    # fe37650 is the variant whose first trace is V-SAFE: the shortest one.
    assert v.counterexamples[0].prop == "V-SAFE"


def test_orig_complete_trace() -> None:
    """orig: A loads, starts INIT, spawns T1; T1 is INIT-spawned but not the owner."""
    ts, v = osv("orig")
    ce = trace_of(v, "V-COMPLETE")
    assert actions(ce)[1:] == [(0, "thr.run", ["load"]), (0, "thr.run", ["init_begin"]),
                               (0, "thr.run", ["spawn"])]
    final = decoded(ts, ce)
    assert final["phase"] == "initing"
    assert final["init_spawned"] == [1]
    assert final["owner"] == 0


@pytest.mark.parametrize("variant", ["fe37650", "levels"])
def test_strict_trace_dlopen_path(variant: str) -> None:
    """A spawns T1, loads, starts INIT itself: T1 was not created during INIT yet sees it."""
    _, v = osv(variant)
    assert [c for _, _, c in actions(trace_of(v, "V-STRICT"))[1:]] == [
        ["spawn"], ["load"], ["init_begin"]]


@pytest.mark.parametrize("variant", ["fe37650", "levels"])
def test_complete_trace_walk_stops_at_dead_parent(variant: str) -> None:
    """load, INIT on A, A spawns T1, T1 spawns T2, T1 exits: T2 cannot see the object."""
    ts, v = osv(variant)
    ce = trace_of(v, "V-COMPLETE")
    assert [(t, c) for t, _, c in actions(ce)[1:]] == [
        (0, ["load"]), (0, ["init_begin"]), (0, ["spawn"]), (1, ["spawn"]), (1, ["exit"])]
    final = decoded(ts, ce)
    assert 2 in final["init_spawned"]
    statuses = [t["status"] for t in final["threads"]]
    assert statuses[0] == statuses[2] == "alive"
    assert statuses[1] != "alive"  # T1 has exited (README: "done"; see test_pending)


def test_fe37650_mem_trace_reads_freed_parent() -> None:
    """T2 walks to T1, T1 exits and is freed, T2's next walk step reads the freed object."""
    _, v = osv("fe37650")
    ce = trace_of(v, "V-MEM")
    assert ce.kind == "assertion"
    assert ce.message == "the walk read a freed thread object"
    steps = actions(ce)[1:]
    assert steps[-1] == (2, "thr.run", ["walk_step"])
    assert steps[-2] == (1, "thr.run", ["exit"])
    assert (2, "thr.run", ["walk_start"]) in steps
    assert [st.failed for st in ce.steps] == [False] * 7 + [True]


def test_three_threads_are_enough_two_are_not() -> None:
    """Every shortest trace uses ids 0..2 only: THREADS=3 keeps every verdict and length;
    THREADS=2 loses exactly the ones that need a grandchild (V-COMPLETE, V-MEM)."""
    for variant, expected in EXPECTED.items():
        _, three = osv(variant, "3")
        assert violated(three) == expected
        _, two = osv(variant, "2")
        assert violated(two) == {k: n for k, n in expected.items()
                                 if k not in ("V-COMPLETE", "V-MEM") or variant == "orig"}
        assert not two.incomplete


def test_cli_all_variants_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """`mcheck specs/osv_visibility.spec --all-variants` reproduces every expect line."""
    assert main([str(OSV), "--all-variants", "-q", "--no-trace"]) == 0
    out = capsys.readouterr().out
    assert out.count(", as expected") == 2 * 3  # the summaries and the bottom lines
    assert out.endswith("3 variants, all as expected\n")
