"""A native share's store (`runtime/share_store.c`): an owner stores a level's new states as
it collects them, so a level cut short by a state limit must leave the store again; and a
trace's parent links are looked for among the two levels each state can be at.
"""

from __future__ import annotations

import numpy as np
import pytest

from modelcheck.app.pipeline import compile_variant
from modelcheck.backends.c import verifier
from modelcheck.engine import native_share
from modelcheck.engine.fingerprint import fingerprint_of
from modelcheck.engine.levels import search_levels
from modelcheck.engine.native_library import NativeLibrary
from modelcheck.engine.native_share import NativePartition
from modelcheck.engine.outcome import Limits
from modelcheck.engine.search import search
from modelcheck.engine.transport import Loopback, Sharing
from modelcheck.lang.source import load
from tests.test_native_share import OSV, report


@pytest.mark.parametrize("limit", [1, 2999, 3000])
def test_a_level_cut_at_a_state_limit_leaves_the_store(limit: int) -> None:
    """Two exact shares stop at the limit: the states they kept are the exact search's
    first ones (it stores up to the limit, in the same order), the same report as Python
    shares, and a cut level's states are not stored (the rest of its level was dropped)."""
    ts = compile_variant(load(OSV), "fe37650")
    limits = Limits(max_states=limit)
    o = search_levels(ts, limits, sharing=Sharing(2, library=NativeLibrary.of(
        verifier(ts.model)), keep=True))
    assert report(o) == report(search_levels(ts, limits, sharing=Sharing(2)))
    assert o.stats.distinct_states == limit
    assert list(o.store) == search(ts, limits).store.states  # type: ignore[attr-defined]


@pytest.mark.parametrize("exact", [False, True])
def test_a_cut_level_s_tail_is_not_stored(exact: bool) -> None:
    """One share, a level of two new states of which one is kept: the store holds the
    seeds and that one; a next level kept whole (none) adds nothing."""
    ts = compile_variant(load(OSV), "fe37650")
    share = NativePartition(ts, verifier(ts.model), keep=exact)
    seeds = list(ts.initial_states())
    fps = np.array([fingerprint_of(ts.model)(s) for s in seeds], np.int64)
    share.seed(seeds, fps, np.arange(len(seeds), dtype=np.int64))
    new = share.step(0, frozenset(), None, ("", ""), len(seeds), mail=Loopback())[0]
    assert new == 2
    share.accept(1, 0, frozenset())
    assert share.lib.mc_x_stored(share.x) == len(seeds) + 1
    assert share.step(1, frozenset(), None, ("", ""), 1, mail=Loopback())[0] > 0
    share.accept(0, 1, frozenset())
    assert share.lib.mc_x_stored(share.x) == len(seeds) + 1


def test_parent_links_are_found_in_two_levels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every round of a trace's parent links tells the shares where to look, and no share
    had to look anywhere else (depth -1); the traces are the exact search's."""
    asked: list[list[int]] = []
    parents = NativePartition.parents

    def noted(self: NativePartition, fps: list[int], depths: list[int]) -> list[int]:
        asked.append(depths)
        return parents(self, fps, depths)

    monkeypatch.setattr(native_share.NativePartition, "parents", noted)
    ts = compile_variant(load(OSV), "fe37650")
    o = search_levels(ts, sharing=Sharing(2, library=NativeLibrary.of(verifier(ts.model))))
    exact = search(ts)
    assert len(o.violations) == 4 and asked
    assert all(d >= 0 for depths in asked for d in depths)
    for name, v in o.violations.items():
        assert o.store.states_on_path(v.state, ts) == \
            exact.store.states_on_path(exact.violations[name].state, ts)
