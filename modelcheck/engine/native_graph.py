"""The explored graph of a native search, listed by the C runtime (`runtime/edges.c`).

Rebuilding the edges through the Python back end (`graph.build_graph`) costs seconds
where the native search took a fraction of one (stop_world pre_d07: 3.4 s of graph for
0.12 s of search); the C verifier re-expands its own stored states instead and names
each successor by its position, so only compact arrays cross into Python. The arrays
are the ones `build_graph` makes (same order, same repeat edges, same labels), which
tests/test_native_graph.py checks edge for edge. The C side works in batches of states,
so Ctrl-C is taken between two of them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..backends.base import TransitionSystem
from ..backends.c import ffi
from .graph import Graph, MissingState, OnStates
from .native import NativeStates

E_ROOM, E_MISSING, E_STORE = -1, -2, -3
BATCH = 1 << 14  # states a call


def native_graph(ts: TransitionSystem, store: NativeStates, stutter: bool = False,
                 entries: bool = False) -> Graph | None:
    """The graph over `store`'s positions; None when this store keeps no states to expand
    (fingerprints) or keeps canonical ones."""
    lib, handle, n = store.v.lib, store.handle, len(store)
    starts: list[np.ndarray] = []
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    room, edges = 4 * BATCH, 0
    for first in range(0, n, BATCH):
        count = min(BATCH, n - first)
        while True:
            start = np.empty(count + 1, np.int64)
            dst, who, pcs = np.empty(room, np.int32), np.empty(room, np.int16), \
                np.empty(room, np.int32)
            got = lib.mc_edges(handle, first, count, int(entries), int(stutter),
                               ffi.from_buffer("int64_t[]", start),
                               ffi.from_buffer("int32_t[]", dst),
                               ffi.from_buffer("int16_t[]", who),
                               ffi.from_buffer("int32_t[]", pcs), room)
            if got != E_ROOM:
                break
            room *= 2
        if got == E_STORE:
            return None
        if got == E_MISSING:
            raise MissingState
        starts.append(start[:-1] + edges)
        parts.append((dst[:got], who[:got], pcs[:got]))
        edges += got
    starts.append(np.array([edges], np.int64))
    dst, who, pcs = (np.concatenate([p[k] for p in parts]) if parts else
                     np.empty(0, t) for k, t in enumerate((np.int32, np.int16, np.int32)))
    labels = NativeLabels(store, ts.pc_offsets)
    return Graph(np.concatenate(starts), dst, who, pcs,
                 [labels.position(s) for s in ts.initial_states()], labels,
                 int(np.count_nonzero(who == -1)))


class NativeLabels:
    """The liveness predicates evaluated by the C verifier on its packed states
    (`mc_predicate`), so the states never become Python tuples; a predicate the C back
    end does not compile, or one that cannot be evaluated somewhere (for the message), is
    evaluated in Python on the states read back."""

    def __init__(self, store: NativeStates, offsets: list[int]) -> None:
        self.store, self.offsets = store, offsets
        self.lay = store.v.layout
        self._read: OnStates | None = None

    def _ask(self, k: int) -> np.ndarray | None:
        n = len(self.store)
        out = np.empty(n, np.int8)
        for first in range(0, n, 16 * BATCH):
            count = min(16 * BATCH, n - first)
            if self.store.v.lib.mc_predicate(self.store.handle, k, first, count,
                                             ffi.from_buffer("int8_t[]", out[first:])):
                return None
        return out.view(bool)

    def _python(self) -> OnStates:
        if self._read is None:
            self._read = OnStates(list(self.store), self.offsets)
        return self._read

    def holds(self, k: int, p: Callable[[tuple], bool]) -> np.ndarray:
        got = self._ask(k)
        return got if got is not None else self._python().holds(k, p)

    def finished(self) -> np.ndarray:
        got = self._ask(-1)
        return got if got is not None else self._python().finished()

    def path_states(self, path: list[int]) -> list[tuple]:
        out = ffi.new("int64_t[]", self.lay.width)
        states = []
        for i in path:
            self.store.v.lib.mc_states(self.store.handle, i, 1, out)
            states.append(self.lay.from_slots(list(out)))
        return states

    def position(self, state: tuple) -> int:
        at = self.store.v.lib.mc_position(self.store.handle,
                                          ffi.new("int64_t[]", self.lay.to_slots(state)))
        if at < 0:
            raise MissingState
        return int(at)
