"""The states native shares kept, as one store the lints, liveness and symmetry read.

`--workers N` with the native engine and the exact store runs the level search with
native shares (`native_share.py`) that also keep every state they accept, as packed
rows. After the search the shares write the rows into one array in the order one
process stores them (level, then rank in the level: the exact search's discovery
order), so whatever reads the store in order sees what it sees after one process.
Since they keep the rows, those shares tell states apart byte for byte (`shard.c`'s
exact share), so the verdict carries no collision note; parent links
still name states by fingerprint, and z3 certifies every trace rebuilt from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..backends.c import Verifier, ffi
from .store import PathStore

BATCH = 4096      # rows unpacked at a time


class PackedStates(PathStore):
    def __init__(self, paths: PathStore, v: Verifier, rows: np.ndarray) -> None:
        super().__init__(paths.parents, paths.count, paths.bytes + rows.nbytes)
        self.v, self.rows = v, rows
        self._changed: np.ndarray | None = None

    def _batches(self) -> Iterator[np.ndarray]:
        """The rows unpacked, one slot a column (the C engine's int64 values)."""
        for first in range(0, len(self.rows), BATCH):
            chunk = np.ascontiguousarray(self.rows[first:first + BATCH])
            out = np.empty((len(chunk), self.v.layout.width), np.int64)
            self.v.lib.mc_unpack_n(ffi.from_buffer("uint8_t[]", chunk), len(chunk),
                                   ffi.from_buffer("int64_t[]", out, require_writable=True))
            yield out

    def __iter__(self) -> Iterator[tuple]:
        lay = self.v.layout
        for batch in self._batches():
            yield from map(lay.from_slots, batch.tolist())

    def pc_counts(self, offsets: list[int], pcs: int) -> list[int]:
        out = np.zeros(pcs, np.int64)
        for batch in self._batches():
            for o in offsets:
                col = batch[:, o]
                out += np.bincount(col[(col >= 0) & (col < pcs)], minlength=pcs)[:pcs]
        return out.tolist()  # type: ignore[no-any-return]

    def scan(self, offsets: list[int], pcs: set[int]) -> Iterator[tuple]:
        lay = self.v.layout
        for batch in self._batches():
            if not pcs:
                return
            hit = np.isin(batch[:, offsets], list(pcs)).any(axis=1)
            yield from map(lay.from_slots, batch[hit].tolist())

    def changed(self, slot: int) -> bool:
        if self._changed is None:
            seen = np.zeros(self.v.layout.width, bool)
            first: np.ndarray | None = None
            for batch in self._batches():
                first = batch[0] if first is None else first
                seen |= (batch != first).any(axis=0)
            self._changed = seen
        return bool(self._changed[slot])


def kept_store(v: Verifier, paths: PathStore, call: Callable[..., list[Any]]) -> PackedStates:
    """The shares' kept rows in one process's order, written in place by the shares
    (`call`: the transport's): a level's ranks are 0, 1, ... across the shares, so each
    row's place is its level's first place plus its rank (no sort, no copy of a share's
    rows)."""
    levels = np.sum(call("kept"), axis=0, dtype=np.int64)  # rows of each level, every share's
    first = np.concatenate([[0], np.cumsum(levels)]).astype(np.int64)
    out = np.empty((int(first[-1]), v.layout.size), np.uint8)
    call("place", None, out, first)
    return PackedStates(paths, v, out)
