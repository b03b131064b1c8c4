"""Level-search shares that expand with the native engine (`engine/native_share.py`): the same
fingerprints, counts, verdicts and traces as the Python shares, checkpoints either engine
resumes, and a compiled library shipped to a machine whose cache lacks it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant
from modelcheck.backends.base import TransitionSystem
from modelcheck.backends.c import ffi, verifier
from modelcheck.engine.checkpoint import Checkpointing
from modelcheck.engine.fingerprint import fingerprint_of
from modelcheck.engine.levels import search_levels
from modelcheck.engine.native_library import NativeLibrary, load
from modelcheck.engine.native_share import NativePartition
from modelcheck.engine.outcome import Limits, Outcome, Progress
from modelcheck.engine.packed_states import PackedStates
from modelcheck.engine.search import search
from modelcheck.engine.transport import Sharing
from modelcheck.lang.source import load as load_spec
from modelcheck.lang.source import load_text
from tests.conftest import ROOT
from tests.test_engine import counters
from tests.test_native import STOPPED_BY_AN_ERROR, WIDE_LOCAL

OSV = str(ROOT / "specs" / "osv_visibility.spec")

# every kind of slot the fingerprint reads through a stand-in: a set of 64 values (unsigned
# past 2^63), ints down to -8 and an optional one down to -3 (Python hashes -1 as -2), a
# `none`, and the destructor mask with its free bit (2^62)
WIDE_SLOTS = """
var bits: set of 0..63 = {};
var d: -8..5 = 0;
var o: 0..3? = none;
var m: -1..3 = -1;
destructor done { d = d - 1; }
thread t() {
    var q: -3..2? = none;
    r: { on_exit done; }
    a: { either { bits = bits | {63}; } or { bits = bits | {0, 62}; } or { d = d - 2; q = -3; }
         or { o = 1; m = m + 1; } or { bits = {}; o = none; q = none; } }
}
start t(); start t();
option deadlock = false;
"""


def native(ts: TransitionSystem) -> NativeLibrary:
    return NativeLibrary.of(verifier(ts.model))


def report(o: Outcome) -> tuple:
    """What a run reports, the clock left out: counts, each violation where and why."""
    return (o.stats.distinct_states, o.stats.transitions, o.stats.depth, o.stats.fired,
            o.incomplete, sorted((k, v.state, v.depth, v.message, v.thread, v.pc, v.final)
                                 for k, v in o.violations.items()))


def test_the_c_fingerprint_is_python_s() -> None:
    ts = compile_variant(load_text(WIDE_SLOTS))
    v = verifier(ts.model)
    python = fingerprint_of(ts.model)
    buf = ffi.new("int64_t[]", v.layout.width)
    states = search(ts).store.states  # type: ignore[attr-defined]
    assert any(s[0] >= 1 << 63 for s in states) and any(s[1] <= -2 for s in states)
    for s in states:
        buf[0:v.layout.width] = v.layout.to_slots(s)
        assert v.lib.mc_fingerprint(buf) == python(s), s


@pytest.mark.parametrize("parts", [1, 2])
def test_counts_by_hand(parts: int) -> None:
    """(k + 1)^n states, n k (k + 1)^(n - 1) transitions, depth n k (`test_engine`)."""
    ts = compile_variant(load_text(counters(3, 3)))
    o = search_levels(ts, sharing=Sharing(parts, library=native(ts)))
    assert o.complete and not o.violations
    assert (o.stats.distinct_states, o.stats.transitions, o.stats.depth) == \
        (4 ** 3, 3 * 3 * 4 ** 2, 9)


SPECS = {"osv": (OSV, "fe37650"), "symmetric": (WIDE_LOCAL, None),
         **{name: (src, None) for name, src in STOPPED_BY_AN_ERROR.items()}}


@pytest.mark.parametrize("name", list(SPECS))
@pytest.mark.parametrize("parts", [1, 2])
def test_native_shares_report_what_python_shares_report(name: str, parts: int) -> None:
    src, variant = SPECS[name]
    ts = compile_variant(load_text(src) if "\n" in src else load_spec(src), variant)
    python = search_levels(ts, sharing=Sharing(parts))
    assert report(search_levels(ts, sharing=Sharing(parts, library=native(ts)))) == \
        report(python)
    if name == "osv":
        assert len(python.violations) == 4


@pytest.mark.parametrize("limits", [Limits(max_states=3000), Limits(max_depth=7)])
def test_limits_cut_the_same_states(limits: Limits) -> None:
    ts = compile_variant(load_spec(OSV), "fe37650")
    python = search_levels(ts, limits, sharing=Sharing(2))
    assert python.incomplete
    assert report(search_levels(ts, limits, sharing=Sharing(2, library=native(ts)))) == \
        report(python)


def test_the_frontier_travels_as_packed_rows() -> None:
    ts = compile_variant(load_spec(OSV), "fe37650")
    share = NativePartition(ts, verifier(ts.model))
    states = list(ts.initial_states())
    rows = share.held(states)
    assert rows.dtype.name == "uint8" and rows.shape == (len(states), share.lay.size)
    assert share.tuples(rows) == states


def _stop_after(level: int) -> Callable[[Progress], None]:
    def progress(p: Progress) -> None:
        if p.depth >= level:
            raise KeyboardInterrupt
    return progress


@pytest.mark.parametrize("saver, resumer", [("native", "python"), ("python", "native"),
                                            ("native", "native")])
def test_either_engine_resumes_either_engine_s_checkpoint(tmp_path: Path, saver: str,
                                                          resumer: str) -> None:
    ts = compile_variant(load_spec(OSV), "fe37650")
    sharing = {"python": Sharing(2), "native": Sharing(2, library=native(ts))}
    whole = search_levels(ts, sharing=Sharing(1))
    cut = search_levels(ts, progress=_stop_after(8), progress_every=0, sharing=sharing[saver],
                        checkpoint=Checkpointing(tmp_path, {"run": "osv"}, every=0))
    assert cut.incomplete and cut.incomplete[0].startswith("interrupted")
    done = search_levels(ts, sharing=sharing[resumer],
                         checkpoint=Checkpointing(tmp_path, {"run": "osv"}, resume=True))
    assert report(done) == report(whole)
    assert [len(done.store.states_on_path(v.state, ts)) for v in done.violations.values()] \
        == [len(whole.store.states_on_path(v.state, ts)) for v in whole.violations.values()]


def test_a_machine_without_the_library_loads_the_shipped_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ts = compile_variant(load_text(counters(2, 2)), None, RunConfig())
    library = native(ts)
    monkeypatch.setenv("MCHECK_CACHE", str(tmp_path))
    v = load(ts.model, library)
    assert not v.compiled and v.path == tmp_path / library.name
    assert (tmp_path / library.name).read_bytes() == library.data


def test_native_workers_keep_the_states_in_one_process_s_order() -> None:
    """`--workers 2` with the exact store: the states come back in the exact search's
    discovery order, so everything that reads them in order reads what one process gives."""
    ts = compile_variant(load_text(WIDE_SLOTS))
    o = search_levels(ts, sharing=Sharing(2, library=native(ts), keep=True))
    assert isinstance(o.store, PackedStates)
    assert list(o.store) == search(ts).store.states  # type: ignore[attr-defined]
    assert o.store.pc_counts(ts.pc_offsets, 8) == \
        search(ts).store.pc_counts(ts.pc_offsets, 8)  # type: ignore[attr-defined]


@pytest.mark.parametrize("exact", [False, True])
def test_an_exact_share_tells_apart_two_states_of_one_hash(exact: bool) -> None:
    """Two initial states stored under one made-up hash (as if it collided): the share that
    keeps rows stores both, the fingerprint share takes the second for the first."""
    ts = compile_variant(load_spec(OSV), "fe37650")
    share = NativePartition(ts, verifier(ts.model), keep=exact)
    a = next(iter(ts.initial_states()))
    b = tuple(1 - x if k == 0 and isinstance(x, int) and x in (0, 1) else x
              for k, x in enumerate(a))
    rows = share.held([a, b])
    assert rows[0].tobytes() != rows[1].tobytes()
    one = np.array([5, 5], np.int64)
    share._store(rows, one, np.array([11, 12], np.int64), np.array([-1, -1], np.int64))
    assert share.lib.mc_x_stored(share.x) == (2 if exact else 1)
