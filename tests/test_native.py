"""The native engine against the Python engine: same states, verdicts and traces.

The Python engine is the reference. Every shipped spec, the constructs of the z3
cross-check and random specs are searched by both; everything a user reads must be
equal: state and transition counts, depth, successors per step, each property's
verdict and message, why a search was incomplete, and every trace step by step.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.backends.c import Compile, ffi, verifier
from modelcheck.backends.python.canon import Canonicaliser
from modelcheck.backends.python.system import TransitionSystem
from modelcheck.engine import run
from modelcheck.engine.outcome import Limits, Progress
from modelcheck.engine.run import NativeRefused
from modelcheck.engine.search import search
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.errors import SpecError
from modelcheck.lang.source import LoadedSpec, load, load_text
from tests.conftest import ROOT, write
from tests.test_symbolic import CONSTRUCTS, random_spec

SPECS = sorted((ROOT / "specs").glob("*.spec"))
SYMMETRIC = sorted((ROOT / "tests" / "symmetric").glob("*.spec"))


def seen(v: Verdict) -> tuple:
    """What a user reads of a verdict, the engine and the clock left out."""
    traces = [(ce.prop, ce.message, [(st.thread, st.action, tuple(st.choices), st.state,
                                      st.failed) for st in ce.steps])
              for ce in v.counterexamples]
    return (v.result, [(p.name, p.status, p.message, p.trace_length) for p in v.properties],
            v.stats.distinct_states, v.stats.transitions, v.stats.depth, v.stats.fired,
            v.incomplete, traces, v.symmetry, [(lint.kind, lint.message) for lint in v.lints])


def both(spec: LoadedSpec, variant: str | None, **kw: object) -> tuple[Verdict, Verdict]:
    """The Python and the native verdict of one variant. Python's workers keep only
    fingerprints while native threads may keep states: then the lints and the symmetry
    saving (read off the stored states) are compared with a one-process Python search's."""
    # liveness (its own tests compare the engines) would double these runs' time
    python = run_variant(spec, variant, RunConfig(engine="python", liveness=False,
                                                  **kw))[1]  # type: ignore
    native = run_variant(spec, variant, RunConfig(engine="native", liveness=False,
                                                  **kw))[1]  # type: ignore
    assert native.engine.startswith("native"), native.engine
    if kw.get("workers", 1) != 1 and kw.get("store", "exact") == "exact":
        single = {k: v for k, v in kw.items() if k != "workers"}
        one = run_variant(spec, variant, RunConfig(engine="python", liveness=False,
                                                   **single))[1]  # type: ignore
        python.lints, python.symmetry = one.lints, one.symmetry
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


PYTHON_LEVELS_UP_TO = 20_000  # states: above, forked Python workers cost the suite too much


@pytest.mark.parametrize("store", ["exact", "fingerprint"])
@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_threads_find_what_one_thread_finds(path: Path, store: str) -> None:
    """Several threads search level by level and find what one thread finds (which the
    test above holds to the Python engine): same states, verdicts and traces. Python's
    level search (forked workers) is a reference of its own on the smaller variants."""
    spec = load(path)
    for variant in spec.variants:
        one = run_variant(spec, variant, RunConfig(engine="native", store=store,
                                                   liveness=False))[1]
        for threads in (2, 3):
            many = run_variant(spec, variant, RunConfig(engine="native", store=store,
                                                        workers=threads, liveness=False))[1]
            assert seen(many) == seen(one), (variant, threads)
        if one.stats.distinct_states <= PYTHON_LEVELS_UP_TO:
            python, native = both(spec, variant, store=store, workers=2)
            assert seen(native) == seen(python), variant


@pytest.mark.parametrize("symmetry", [True, False], ids=["symmetry", "no-symmetry"])
@pytest.mark.parametrize("store, workers", [("exact", 1), ("fingerprint", 1), ("exact", 2),
                                            ("fingerprint", 2)])
@pytest.mark.parametrize("path", SYMMETRIC, ids=lambda p: p.stem)
def test_symmetric_specs_are_the_same_on_both_engines(path: Path, store: str, workers: int,
                                                      symmetry: bool) -> None:
    """Canonical states, the all-or-nothing steps of symmetric models (with or without
    --no-symmetry), and traces replayed through canonical fingerprints: same states,
    verdicts, traces and saving as the Python engine."""
    spec = load(path)
    for variant in spec.variants:
        python, native = both(spec, variant, store=store, workers=workers, symmetry=symmetry)
        assert seen(native) == seen(python), variant


def c_canon(ts: TransitionSystem) -> Callable[[tuple], tuple]:
    """The native verifier's canonical form (`mc_canon`), on Python state tuples."""
    v = verifier(ts.model)
    lay = v.layout
    state, out = ffi.new("int64_t[]", lay.width), ffi.new("int64_t[]", lay.width)

    def canon(s: tuple) -> tuple:
        state[0:lay.width] = lay.to_slots(s)
        v.lib.mc_canon(state, out)
        return lay.from_slots(list(out))

    return canon


def renamings(canon: Canonicaliser, s: tuple, rng: random.Random, n: int) -> list[tuple]:
    """n random renamings of the ids that may move in s."""
    out = []
    for _ in range(n):
        perms = []
        for x, size in enumerate(canon.sizes):
            ids = canon._movable(s, x)
            perm = list(range(size))
            for a, b in zip(ids, rng.sample(ids, len(ids))):
                perm[a] = b
            perms.append(perm)
        out.append(canon.apply(s, perms))
    return out


@pytest.mark.parametrize("path", SYMMETRIC, ids=lambda p: p.stem)
def test_the_c_canonical_form_is_python_s(path: Path) -> None:
    """One function in both engines: on every state the unreduced search reaches and on
    renamings of some, the C canonical form is the Python one, slot for slot (the states
    cover both the one-sort path and the search over tied orders)."""
    spec = load(path)
    rng = random.Random(3)
    for variant in spec.variants:
        ts = compile_variant(spec, variant)
        assert ts.canon is not None
        native = c_canon(ts)
        states = search(compile_variant(spec, variant, RunConfig(symmetry=False))).store.states
        for s in states:
            assert native(s) == ts.canon(s), s
        for s in rng.sample(states, min(100, len(states))):
            for g in renamings(ts.canon, s, rng, 3):
                assert native(g) == ts.canon(g) == ts.canon(s), g


# Python compares a set of 64 values as an unsigned int: in a signature (a thread's
# local) and in the least image of tied ids (a 2-cycle in a graph of 64 ids: the least
# image has the set {63} nowhere before its last two slots; signed, {63} is the least).
WIDE_LOCAL = """
symmetric tid;
threads 3;
thread t() {
    var bits: set of 0..63 = {};
    a: { either { bits = bits | {63}; } or { bits = bits | {0}; } or { bits = {}; } goto a; }
}
start t(); start t(); start t();
option deadlock = false;
"""
WIDE_IDS = """
symmetric type Obj = 0..63;
var adj: array[Obj] of set of Obj = [{}];
var marked: set of Obj = {};
thread t() { a: { skip; } }
start t();
"""


def test_the_c_canonical_form_orders_wide_sets_as_python() -> None:
    ts = compile_variant(load_text(WIDE_LOCAL), None)
    assert ts.canon is not None
    native = c_canon(ts)
    for st in search(compile_variant(load_text(WIDE_LOCAL), None,
                                     RunConfig(symmetry=False))).store.states:
        assert native(st) == ts.canon(st), st
    ts = compile_variant(load_text(WIDE_IDS), None)
    assert ts.canon is not None
    native = c_canon(ts)
    init = next(ts.initial_states())
    adj = [1 << 40 if k == 3 else 1 << 3 if k == 40 else 0 for k in range(64)]
    for marked in [0, 1 << 5, 1 << 63]:  # a marked id sorts after the others
        st = (*adj, marked, *init[65:])
        assert native(st) == ts.canon(st)
    assert ts.canon((*adj, *init[64:]))[62:64] == (1 << 63, 1 << 62)


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


# an array computed by a conditional: a construct the native back end does not compile
NOT_NATIVE = """
var a: array[0..1] of 0..3 = [0];
var c: array[0..1] of 0..3 = [1];
var b: bool = false;
thread t() { s: { let x = if b then a else c; a = x; } }
start t();
"""


def test_auto_says_why_it_ran_python(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main([write(tmp_path, NOT_NATIVE), "-q", "--no-report"]) == 0
    assert "engine: python (native: the native engine does not compile a array[0..1] of " \
           "0..3 value here yet (line 5))" in capsys.readouterr().out


def test_native_when_it_cannot_is_an_error(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main([write(tmp_path, NOT_NATIVE), "--engine", "native"]) == 2
    assert "the native engine does not compile a array[0..1] of 0..3 value here " \
        "yet" in capsys.readouterr().err


def test_second_run_uses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MCHECK_CACHE", str(tmp_path / "cache"))
    path = write(tmp_path, f"// {time.time()}\n" + CONSTRUCTS["fork, thread-locals and ancestry"])
    assert main([path, "--engine", "native", "-q", "--no-report"]) in (0, 1)
    assert "engine: native (compiled in" in capsys.readouterr().out
    assert len(os.listdir(tmp_path / "cache")) == 1
    assert main([path, "--engine", "native", "-q", "--no-report"]) in (0, 1)
    assert "engine: native (from the cache)" in capsys.readouterr().out


def test_auto_does_not_compile_a_small_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MCHECK_CACHE", str(tmp_path / "cache"))
    path = write(tmp_path, f"// {time.time()}\n" + CONSTRUCTS["fork, thread-locals and ancestry"])
    assert main([path, "-q", "--no-report"]) in (0, 1)
    assert "engine: python (done in under 0.25 s: not worth compiling)" \
        in capsys.readouterr().out
    assert not (tmp_path / "cache").exists() or not os.listdir(tmp_path / "cache")


def test_auto_compiles_while_python_searches_then_switches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python search that outlasts its head start makes auto start the compiler, and
    hand over to the native search once the library is there (the Python search here
    lasts until then, whatever the machine's speed)."""
    monkeypatch.setenv("MCHECK_CACHE", str(tmp_path / "cache"))
    looks: list[float] = []

    def slow_search(ts: object, limits: Limits, first: bool,
                    progress: Callable[[Progress], None], every: float) -> None:
        began = time.monotonic()
        while time.monotonic() - began < 120:
            looks.append(time.monotonic() - began)
            progress(Progress(0, 0, 0, 0, 0.0))
            time.sleep(every)
        raise AssertionError("the compiler never finished")

    spec = load_text(f"// {time.time()}\n" + CONSTRUCTS["fork, thread-locals and ancestry"])
    python = run_variant(spec, None, RunConfig(engine="python"))[1]
    monkeypatch.setattr(run, "search", slow_search)
    started: list[float] = []
    real_start = Compile.start
    monkeypatch.setattr(Compile, "start", lambda c: started.append(looks[-1]) or real_start(c))
    v = run_variant(spec, None, RunConfig())[1]
    assert v.engine.startswith("native (compiled in"), v.engine
    assert started and started[0] >= run.HEAD_START  # the compiler waited for the head start
    assert len(os.listdir(tmp_path / "cache")) == 1
    assert seen(v) == seen(python)


def test_no_compiler_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MCHECK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    path = str(ROOT / "specs" / "rseq_refcount.spec")
    assert main([path, "--variant", "g235", "-q", "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "engine: python (native: no C compiler found" in out
    assert main([path, "--variant", "g235", "--engine", "native"]) == 2
