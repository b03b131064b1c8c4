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

from collections.abc import Iterable, Sequence

import numpy as np

from ..backends.c import ffi
from .graph import Graph, MissingState
from .native import NativeStates

E_ROOM, E_MISSING, E_STORE = -1, -2, -3
BATCH = 1 << 14  # states a call


def native_graph(store: NativeStates, states: Sequence[tuple], initial: Iterable[tuple],
                 stutter: bool = False, entries: bool = False) -> Graph | None:
    """The graph over `store`'s positions (`states` are its states, in order); None when
    this store keeps no states to expand (fingerprints) or keeps canonical ones."""
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
    wanted = list(initial)
    where = {s: i for i, s in _matching(states, set(wanted))}
    repeats = int(np.count_nonzero(who == -1))
    return Graph(np.concatenate(starts), dst, who, pcs, [where[s] for s in wanted], states,
                 repeats)


def _matching(states: Sequence[tuple], wanted: set[tuple]) -> Iterable[tuple[int, tuple]]:
    """The positions of the `wanted` states (the initial ones), found in one pass."""
    left = len(wanted)
    for i, s in enumerate(states):
        if s in wanted:
            yield i, s
            left -= 1
            if not left:
                return
