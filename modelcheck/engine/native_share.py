"""A share of the level search that expands with the native engine.

The coordinator (`levels.py`), the transports and the share's protocol
(`partition.Partition`: select, rank, accept, checkpoints) are the ones the Python
shares use; only the hot part moves to C (`backends/c/runtime/shard.c`): the
frontier is held as rows of packed states (a numpy array of `Layout.size` bytes a
row), expanded in C a chunk at a time, and the successors come back as three
arrays (packed stored forms, fingerprints, keys). So what shares send each other is
numpy buffers, never tuples. The fingerprints are the Python engine's, computed in
C (`backends/c/cfingerprint.py`): shares of both engines route a state to the same
owner, traces replay through the Python back end unchanged, and a checkpoint
written by one engine is resumed by the other (it holds the frontier as tuples).

On another machine a share loads the library the coordinator compiled, shipped as
bytes (`NativeLibrary`) into that machine's compile cache, or compiles the model
itself if the bytes do not load there.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..backends.base import TransitionSystem
from ..backends.c import Compile, NativeUnavailable, Verifier, ffi
from ..ir.model import Model
from .native import FATAL, V_DEADLOCK, V_FAIL, V_INVARIANT, NativeFailed, describe
from .outcome import CONSTRAINT_NOTE, EVAL_NOTE
from .packed_states import LEVEL_SHIFT
from .partition import Expansion, Found, Mailbox, Partition

CHUNK = 4096  # frontier states expanded per call into C, between two looks at the clock
KIND, KEY, AT, ME, PC = range(5)  # a found record's fields (shard.c's X_*)
N_POOL, N_EVAL, N_CONSTRAINT = 1, 2, 5  # shard.c's note codes


@dataclass(frozen=True)
class NativeLibrary:
    """The coordinator's compiled verifier: its file name in the compile cache (a hash of
    the source and the compiler) and its bytes, for a machine whose cache lacks it."""

    name: str
    data: bytes

    @staticmethod
    def of(v: Verifier) -> NativeLibrary:
        assert v.path is not None
        return NativeLibrary(v.path.name, v.path.read_bytes())


def load(model: Model, library: NativeLibrary) -> Verifier:
    """The model's verifier in this process: from the cache, else the shipped bytes put
    there, else compiled here (the bytes may not load on another machine)."""
    c = Compile(model)
    path = c.build.path
    if c.cached or path.name != library.name:
        return c.verifier()
    _install(path, library.data)
    try:
        return c.verifier()
    except NativeUnavailable:
        path.unlink(missing_ok=True)
        return Compile(model).verifier()


def _install(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # atomic: another share on this machine may be loading it


def share(ts: TransitionSystem, me: int, parts: int, library: NativeLibrary | None,
          keep: bool = False) -> Partition:
    """Share `me` of `parts`: native when the run has a library, else Python. `keep`: a
    native share also keeps the states it accepts (`packed_states.py`)."""
    if library is None:
        return Partition(ts, me, parts)
    return NativePartition(ts, load(ts.model, library), me, parts, keep)


class NativePartition(Partition):
    def __init__(self, ts: TransitionSystem, v: Verifier, me: int = 0, parts: int = 1,
                 keep: bool = False) -> None:
        super().__init__(ts, me, parts)
        self.keeps_states = keep
        self.kept: list[tuple[np.ndarray, np.ndarray]] = []  # rows, level << 40 | rank
        self.lib, self.lay = v.lib, v.layout
        self.x = ffi.gc(self.lib.mc_x_new(int(ts.canon is not None),
                                          int(ts.model.check_deadlock)), self.lib.mc_x_free)
        shape = ffi.new("int[4]")
        self.lib.mc_shape(shape)  # W, PACKED, NPC, NPROPS
        self.npc, self.names = shape[2], [p.name for p in ts.model.properties]
        self.frontier = self.held([])

    def seed(self, states: list[tuple], fps: np.ndarray, ranks: np.ndarray) -> None:
        super().seed(states, fps, ranks)
        self._keep(0)

    def accept(self, ranks: np.ndarray, keep: int, level: int,
               violated: frozenset[str]) -> list[Found]:
        found = super().accept(ranks, keep, level, violated)
        self._keep(level + 1)
        return found

    def _keep(self, level: int) -> None:
        if self.keeps_states and len(self.frontier):
            self.kept.append((self.frontier, (level << LEVEL_SHIFT) | self.ranks))

    def handle(self, op: str, args: tuple, mail: Mailbox) -> Any:
        if op == "kept":  # after the search: every state kept, with its level and rank
            rows = [r for r, _ in self.kept] or [self.frontier[:0]]
            order = [o for _, o in self.kept] or [np.zeros(0, np.int64)]
            return np.concatenate(rows), np.concatenate(order)
        return super().handle(op, args, mail)

    # ------------------------------------------------------------ states as rows
    def held(self, states: list[tuple]) -> np.ndarray:
        out = np.zeros((len(states), self.lay.size), np.uint8)
        if states:
            slots = np.array([self.lay.to_slots(s) for s in states], np.int64)
            self.lib.mc_pack_n(ffi.from_buffer("int64_t[]", slots), len(states),
                               ffi.from_buffer("uint8_t[]", out, require_writable=True))
        return out

    def tuples(self, states: np.ndarray) -> list[tuple]:
        slots = np.zeros((len(states), self.lay.width), np.int64)
        if len(states):
            self.lib.mc_unpack_n(ffi.from_buffer("uint8_t[]", np.ascontiguousarray(states)),
                                 len(states),
                                 ffi.from_buffer("int64_t[]", slots, require_writable=True))
        return [self.lay.from_slots(row) for row in slots.tolist()]

    def pick(self, states: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return states[idx]

    def merge(self, given: list[np.ndarray], sources: np.ndarray) -> np.ndarray:
        out = np.empty((len(sources), self.lay.size), np.uint8)
        out[np.argsort(sources, kind="stable")] = np.concatenate(given)
        return out

    # ------------------------------------------------------------ the hot part, in C
    def expand(self, level: int, violated: frozenset[str], deadline: float | None,
               notes: tuple[str, str]) -> Expansion:
        """Every successor of the frontier, one per fingerprint with its least key (C keeps
        the first met)."""
        out = Expansion([])
        frontier, ranks = self.frontier, self.ranks
        for first in range(0, len(frontier), CHUNK):
            if deadline is not None and time.monotonic() > deadline:
                out.notes.append(notes[1])
                break
            rows = frontier[first:first + CHUNK]
            code = self.lib.mc_x_expand(self.x, ffi.from_buffer("uint8_t[]", rows),
                                        ffi.from_buffer("int64_t[]", ranks[first:first + CHUNK]),
                                        len(rows), first)
            if code:
                raise NativeFailed(FATAL[code])
        n = self.lib.mc_x_size(self.x)
        states = np.empty((n, self.lay.size), np.uint8)
        fps, keys = np.empty(n, np.int64), np.empty(n, np.int64)
        fired = np.zeros(max(self.npc, len(self.ts.pc_counters())), np.int64)
        found = np.zeros((len(self.names), 5), np.int64)
        coded = self.lib.mc_x_take(
            self.x, *(ffi.from_buffer(t, a, require_writable=True) for t, a in
                      (("uint8_t[]", states), ("int64_t[]", fps), ("int64_t[]", keys),
                       ("int64_t[]", fired), ("int64_t[]", found))))
        for code in (coded & 7, coded >> 3 & 7, coded >> 6):  # in the order first met
            note = {N_POOL: notes[0], N_EVAL: EVAL_NOTE, N_CONSTRAINT: CONSTRAINT_NOTE}.get(code)
            if note is not None and note not in out.notes:
                out.notes.append(note)
        out.outside = self.lib.mc_x_outside(self.x)
        out.found = self._found(found, level, violated)
        out.fired = fired[:len(self.ts.pc_counters())].tolist()
        out.transitions = int(fired.sum())
        out.batches = self.route(states, fps, keys)  # one per fingerprint: the least key
        return out

    def _found(self, found: np.ndarray, level: int, violated: frozenset[str]) -> list[Found]:
        """Each property's least-keyed failing step or deadlock, as the Python share reports
        it (its message from the Python back end)."""
        out: list[Found] = []
        for prop in np.flatnonzero(found[:, KIND]).tolist():
            kind, key, at, me, pc = found[prop].tolist()
            name = self.names[prop]
            if kind == V_FAIL and name in violated:
                continue
            state = self.tuples(self.frontier[at:at + 1])[0]
            depth = level if kind == V_DEADLOCK else level + 1
            out.append(((level, key), describe(self.ts, kind, name, me, pc, depth,
                                               int(self.fps[at]), state)))
        return out

    def check(self, states: np.ndarray, fps: np.ndarray, keys: np.ndarray, level: int,
              violated: frozenset[str]) -> list[Found]:
        if not len(states):
            return []
        skip = np.array([n in violated for n in self.names], np.int8)
        first = np.full(len(self.names), -1, np.int64)
        self.lib.mc_x_check(self.x, ffi.from_buffer("uint8_t[]", np.ascontiguousarray(states)),
                            len(states), ffi.from_buffer("int8_t[]", skip),
                            ffi.from_buffer("int64_t[]", first, require_writable=True))
        out: list[Found] = []
        for prop in np.flatnonzero(first >= 0).tolist():
            i = int(first[prop])
            state = self.tuples(states[i:i + 1])[0]
            out.append(((level, int(keys[i])), describe(self.ts, V_INVARIANT, self.names[prop],
                                                        -1, -1, level + 1, int(fps[i]), state)))
        return out

