"""The native engine against the Python engine: same states, verdicts and traces.

The Python engine is the reference. Every shipped spec, the constructs of the z3
cross-check and random specs are searched by both; everything a user reads must be
equal: state and transition counts, depth, successors per step, each property's
verdict and message, why a search was incomplete, and every trace step by step.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.backends.c import verifier
from modelcheck.engine.outcome import Limits
from modelcheck.engine.run import NativeRefused
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.errors import SpecError
from modelcheck.lang.source import LoadedSpec, load, load_text
from tests.conftest import ROOT, write
from tests.test_symbolic import CONSTRUCTS, random_spec

SPECS = sorted((ROOT / "specs").glob("*.spec"))


def seen(v: Verdict) -> tuple:
    """What a user reads of a verdict, the engine and the clock left out."""
    traces = [(ce.prop, ce.message, [(st.thread, st.action, tuple(st.choices), st.state,
                                      st.failed) for st in ce.steps])
              for ce in v.counterexamples]
    return (v.result, [(p.name, p.status, p.message, p.trace_length) for p in v.properties],
            v.stats.distinct_states, v.stats.transitions, v.stats.depth, v.stats.fired,
            v.incomplete, traces, [(lint.kind, lint.message) for lint in v.lints])


def both(spec: LoadedSpec, variant: str | None, **kw: object) -> tuple[Verdict, Verdict]:
    """The Python and the native verdict of one variant. Python's workers keep only
    fingerprints while native threads may keep states: then the lints (read off the
    stored states) are compared with a one-process Python search's."""
    python = run_variant(spec, variant, RunConfig(engine="python", **kw))[1]  # type: ignore
    native = run_variant(spec, variant, RunConfig(engine="native", **kw))[1]  # type: ignore
    assert native.engine.startswith("native"), native.engine
    if kw.get("workers", 1) != 1 and kw.get("store", "exact") == "exact":
        single = {k: v for k, v in kw.items() if k != "workers"}
        python.lints = run_variant(spec, variant, RunConfig(engine="python",
                                                            **single))[1].lints  # type: ignore
    return python, native


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_every_shipped_variant_is_the_same_on_both_engines(path: Path) -> None:
    spec = load(path)
    for variant in spec.variants:
        python, native = both(spec, variant)
        assert seen(native) == seen(python), variant


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_fingerprint_store_finds_the_same(path: Path) -> None:
    spec = load(path)
    for variant in spec.variants:
        python, native = both(spec, variant, store="fingerprint")
        assert seen(native) == seen(python), variant


@pytest.mark.parametrize("store", ["exact", "fingerprint"])
@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_threads_find_what_one_thread_finds(path: Path, store: str) -> None:
    """Several threads search level by level; the Python engine's level search (forked
    workers) is the reference: same states, verdicts and traces."""
    spec = load(path)
    for variant in spec.variants:
        python, native = both(spec, variant, store=store, workers=2)
        assert seen(native) == seen(python), variant
        three = run_variant(spec, variant, RunConfig(engine="native", store=store,
                                                     workers=3))[1]
        assert seen(three) == seen(native), variant


@pytest.mark.parametrize("name", list(CONSTRUCTS))
def test_constructs_are_the_same_on_both_engines(name: str) -> None:
    python, native = both(load_text(CONSTRUCTS[name]), None)
    assert seen(native) == seen(python)


# A step that cannot be evaluated ends what the thread runs from that state: in the Python
# back end the signal-handler entries and the other destructors come after it in one
# generator, which the error stops (the native engine once went on to them).
STOPPED_BY_AN_ERROR = {
    "a signal after a failing step": """
var x: 0..3 = 0;
var arr: array[0..1] of bool = [false];
var hit: bool = false;
handler sig { h: { hit = true; } }
thread t() { i: { install sig; } a: { x = 2; } b: { arr[x] = true; } c: { skip; } }
start t();
option deadlock = false;
""",
    "a destructor after a failing one": """
var arr: array[0..1] of bool = [false];
var x: 0..3 = 2;
var n: 0..3 = 0;
destructor one { arr[x] = true; }
destructor two { n = n + 1; }
thread t() { reg: { on_exit one; on_exit two; } }
start t();
option deadlock = false;
""",
}


@pytest.mark.parametrize("name", list(STOPPED_BY_AN_ERROR))
def test_an_evaluation_error_ends_the_thread_s_results(name: str) -> None:
    python, native = both(load_text(STOPPED_BY_AN_ERROR[name]), None)
    assert seen(native) == seen(python)
    assert python.properties[-1].status == "violated"


def test_a_set_holding_63_is_not_none() -> None:
    """A set of 64 values holding 63 alone is the int64 pattern of NONE: read as a set."""
    src = """
var bits: set of 0..63 = {};
thread t() { a: { bits = bits | {63}; } b: { bits = bits | {1}; } }
start t();
invariant NO-BOTH: !(63 in bits && 1 in bits);
"""
    python, native = both(load_text(src), None)
    assert seen(native) == seen(python)
    assert python.counterexamples[0].steps[1].state[0] == 1 << 63


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("limits", [Limits(max_states=700), Limits(max_depth=5),
                                    Limits(max_states=1, max_depth=0)])
def test_limits_cut_the_same_states(limits: Limits, workers: int) -> None:
    spec = load(ROOT / "specs" / "osv_visibility.spec")
    for variant in spec.variants:
        python, native = both(spec, variant, limits=limits, workers=workers)
        assert seen(native) == seen(python)
        assert python.incomplete


@pytest.mark.parametrize("workers", [1, 2])
def test_first_violation_stops_the_same(workers: int) -> None:
    spec = load(ROOT / "specs" / "osv_visibility.spec")
    python, native = both(spec, "fe37650", stop_at_first=True, workers=workers)
    # several workers finish the level they stop in, as Python's level search does: lints
    # read off the states kept then have no Python counterpart
    assert seen(native)[:-1 if workers > 1 else None] == seen(python)[:-1 if workers > 1 else None]
    assert "stopped at the first violation" in native.incomplete


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(random_spec())
def test_random_specs_are_the_same_on_both_engines(src: str) -> None:
    try:
        spec = load_text(src)
        python, native = both(spec, None, limits=Limits(max_states=1500))
    except SpecError as e:  # constants folded out of range: the checker's job, not ours
        assert "is outside" in str(e), str(e)
        reject()
    assert seen(native) == seen(python)


def test_an_overflow_is_left_to_python(tmp_path: Path) -> None:
    """C's 64-bit ints would overflow where Python's do not: auto hands the model over."""
    src = """
var x: 0..65535 = 0;
var y: 0..65535 = 65535;
thread t() { a: { x = (y * y * y * y * y) / (y * y * y * y); } }
start t();
"""
    spec = load_text(src)
    verifier(compile_variant(spec, None).model)  # cached: auto goes native at once
    v = run_variant(spec, None, RunConfig())[1]
    assert v.engine.startswith("python (native: a 64-bit integer overflow"), v.engine
    assert v.result == "holds"
    with pytest.raises(NativeRefused, match="overflow"):
        run_variant(spec, None, RunConfig(engine="native"))


def test_auto_says_why_it_ran_python(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "tests" / "symmetric" / "mutex.spec")
    assert main([path, "--variant", "tas", "-q", "--no-report"]) == 0
    assert "engine: python (native: the native engine does not compile symmetry reduction " \
           "yet)" in capsys.readouterr().out


def test_native_when_it_cannot_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "tests" / "symmetric" / "mutex.spec")
    assert main([path, "--variant", "tas", "--engine", "native"]) == 2
    assert "the native engine does not compile symmetry reduction yet" in \
        capsys.readouterr().err


def test_second_run_uses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MCHECK_CACHE", str(tmp_path / "cache"))
    path = write(tmp_path, f"// {time.time()}\n" + CONSTRUCTS["fork, thread-locals and ancestry"])
    assert main([path, "--engine", "native", "-q", "--no-report"]) in (0, 1)
    assert "engine: native (compiled in" in capsys.readouterr().out
    assert len(os.listdir(tmp_path / "cache")) == 1
    assert main([path, "--engine", "native", "-q", "--no-report"]) in (0, 1)
    assert "engine: native (from the cache)" in capsys.readouterr().out


def test_no_compiler_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MCHECK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    path = str(ROOT / "specs" / "rseq_refcount.spec")
    assert main([path, "--variant", "g235", "-q", "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "engine: python (native: no C compiler found" in out
    assert main([path, "--variant", "g235", "--engine", "native"]) == 2
