"""A share of the level search whose whole part of a level runs in C.

The coordinator (`levels.py`), the transports and the operations a share answers
(`Partition.handle`: seed, step, accept, parents, checkpoints) are the Python shares';
the share itself lives in C (`backends/c/runtime/shard.c`): its store (`share_store.c`),
its frontier as packed rows, its expansion, the dedup of a level's candidates and their
ranks. Shares of one process (`--workers N`: threads, `transport.ThreadTransport`) send
every successor to its owner, which reads the buckets sent to it in place and looks each
up once, so Python only passes the level's barriers and every call releases the GIL;
shares in other processes (Ray actors) swap the same buckets as numpy buffers: first
hashes, keys and parents, then only the rows the owner keeps. States are
owned by the hash of their packed row and named by the Python engine's fingerprint
(`backends/c/cfingerprint.py`, computed once a state is new): traces replay through the
Python back end unchanged, and a checkpoint written by one engine is resumed by the
other (it holds names, and the frontier as tuples).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ..backends.base import TransitionSystem
from ..backends.c import Verifier, ffi
from .checkpoint import ShareState, load_shares, save_share
from .native import FATAL, V_DEADLOCK, V_FAIL, V_INVARIANT, NativeFailed, describe
from .native_library import NativeLibrary, load
from .outcome import CONSTRAINT_NOTE, EVAL_NOTE
from .partition import MISSING, Expansion, Found, Mailbox, Partition, share_ranks
from .store import NO_PARENT

CHUNK = 4096  # frontier states expanded per call into C, between two looks at the clock
KIND, KEY, AT, ME, PC = range(5)  # a found record's fields (shard.c's X_*)
N_POOL, N_EVAL, N_CONSTRAINT = 1, 2, 5  # shard.c's note codes


def share(ts: TransitionSystem, me: int, parts: int, library: NativeLibrary | None,
          keep: bool = False) -> Partition | NativePartition:
    """Share `me` of `parts`: native when the run has a library, else Python. `keep`: a
    native share also keeps the states it accepts (`packed_states.py`)."""
    if library is None:
        return Partition(ts, me, parts)
    return NativePartition(ts, load(ts.model, library), me, parts, keep)


class NativePartition:
    """Share `me` of `parts`, held in C; `keep`: it also keeps the rows of the states it
    accepts (`packed_states.py`)."""

    def __init__(self, ts: TransitionSystem, v: Verifier, me: int = 0, parts: int = 1,
                 keep: bool = False) -> None:
        self.ts, self.me, self.parts = ts, me, parts
        self.keeps_states = keep
        self.kept: list[np.ndarray] = []  # the ranks of each level's rows kept, in order
        self.lib, self.lay = v.lib, v.layout
        self.x = self._fresh()
        self.peers: list[NativePartition] = []  # the shares of this process, once met
        none = np.zeros(0, np.int64)
        self.legacy = none, none  # a Python checkpoint's names and parents (`restore`)
        shape = ffi.new("int[4]")
        self.lib.mc_shape(shape)  # W, PACKED, NPC, NPROPS
        self.npc, self.names = shape[2], [p.name for p in ts.model.properties]

    def _fresh(self) -> Any:
        """An empty share in C."""
        x = self.lib.mc_x_new(self.me, self.parts, int(self.ts.canon is not None),
                              int(self.ts.model.check_deadlock))
        if x == ffi.NULL:
            raise NativeFailed(FATAL[2])
        x = ffi.gc(x, self.lib.mc_x_free)
        if self.keeps_states:  # the store keeps the rows anyway: states are told apart by them
            _ok(self.lib.mc_x_exact(x))
        return x

    def handle(self, op: str, args: tuple, mail: Mailbox) -> Any:
        """One operation the coordinator asks of every share (`Partition.handle`)."""
        if op == "step":
            return self.step(*args, mail=mail)
        if op == "accept":
            return self.accept(*args)
        if op == "seed":
            return self.seed(*args[0])
        if op == "parents":
            return self.parents(*args)
        if op == "save":
            return self.save(*args)
        if op == "restore":
            return self.restore(*args)
        if op == "sizes":
            return int(self.lib.mc_x_frontier_size(self.x)), \
                int(self.lib.mc_x_store_bytes(self.x)) + self.legacy[0].nbytes * 2
        if op == "kept":  # after the search: how many rows each level kept
            return [len(ranks) for ranks in self.kept]
        if op == "place":  # then each row at its place in one process's order
            return self.place(*args)
        raise ValueError(f"no share operation {op!r}")

    # ------------------------------------------------------------ states as rows
    def held(self, states: list[tuple]) -> np.ndarray:
        """Tuples as packed rows."""
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

    def frontier(self, first: int = 0, end: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Frontier states first..end: rows, fingerprints, ranks (copies)."""
        end = int(self.lib.mc_x_frontier_size(self.x)) if end is None else end
        rows = np.empty((end - first, self.lay.size), np.uint8)
        fps, ranks = np.empty(end - first, np.int64), np.empty(end - first, np.int64)
        self.lib.mc_x_frontier(self.x, first, end, *_buffers(("uint8_t[]", rows),
                                                              ("int64_t[]", fps),
                                                              ("int64_t[]", ranks)))
        return rows, fps, ranks

    def _set_frontier(self, rows: np.ndarray, fps: np.ndarray, ranks: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows)
        fps, ranks = (np.ascontiguousarray(a, np.int64) for a in (fps, ranks))
        _ok(self.lib.mc_x_set_frontier(self.x, *_buffers(("uint8_t[]", rows),
                                                         ("int64_t[]", fps),
                                                         ("int64_t[]", ranks)), len(fps)))

    def _store(self, rows: np.ndarray | None, hashes: np.ndarray, fps: np.ndarray,
               parents: np.ndarray) -> None:
        arrays = [np.ascontiguousarray(a, np.int64) for a in (hashes, fps, parents)]
        held = ffi.NULL if rows is None else ffi.from_buffer("uint8_t[]",
                                                             np.ascontiguousarray(rows))
        _ok(self.lib.mc_x_store(self.x, held, *_buffers(*(("int64_t[]", a) for a in arrays)),
                                len(fps)))

    def _hashes(self, rows: np.ndarray) -> np.ndarray:
        """The hashes of packed rows, by which native shares tell states apart and own them
        (`shard.c`)."""
        out = np.empty(len(rows), np.int64)
        self.lib.mc_hash_n(ffi.from_buffer("uint8_t[]", np.ascontiguousarray(rows)), len(rows),
                           *_buffers(("int64_t[]", out)))
        return out

    def _mine(self, hashes: np.ndarray) -> np.ndarray:
        return np.flatnonzero(hashes.view(np.uint64) % np.uint64(self.parts) == self.me)

    def seed(self, states: list[tuple], fps: np.ndarray, ranks: np.ndarray) -> None:
        """Of every initial state (in order, with its name and rank), the ones this share
        owns."""
        rows = self.held(states)
        hashes = self._hashes(rows)
        mine = self._mine(hashes)
        self._store(rows[mine], hashes[mine], fps[mine], np.full(len(mine), NO_PARENT, np.int64))
        _ok(self.lib.mc_x_levels(self.x))
        self._set_frontier(rows[mine], fps[mine], ranks[mine])
        self._keep()

    def _stored(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every stored state's hash, name and parent's name."""
        n = int(self.lib.mc_x_stored(self.x))
        out = tuple(np.empty(n, np.int64) for _ in range(3))
        self.lib.mc_x_store_read(self.x, *_buffers(*(("int64_t[]", a) for a in out)))
        return out  # type: ignore[return-value]

    def parents(self, fps: list[int], depths: list[int]) -> list[int]:
        """The parent of each state this share stores (by name), MISSING for the others;
        state k is at level depths[k] or the one before (-1: anywhere)."""
        asked, at = np.array(fps, np.int64), np.array(depths, np.int64)
        out = np.empty(len(fps), np.int64)
        _ok(self.lib.mc_x_parents(self.x, *_buffers(("int64_t[]", asked), ("int64_t[]", at)),
                                  len(fps), *_buffers(("int64_t[]", out))))
        names, parents = self.legacy
        if len(names):  # a Python checkpoint's states, which the C store does not hold
            for k in np.flatnonzero((out == MISSING) & np.isin(asked, names)).tolist():
                out[k] = parents[np.flatnonzero(names == asked[k])[0]]
        return out.tolist()  # type: ignore[no-any-return]

    def _keep(self) -> None:
        """The ranks of the rows the store just kept (the frontier's, in order)."""
        if self.keeps_states:
            ranks = np.empty(int(self.lib.mc_x_frontier_size(self.x)), np.int64)
            self.lib.mc_x_frontier(self.x, 0, len(ranks), ffi.NULL, ffi.NULL,
                                   *_buffers(("int64_t[]", ranks)))
            self.kept.append(ranks)

    def place(self, out: np.ndarray, first: np.ndarray) -> None:
        """Every row kept at its place in `out`, one process's order: level L's rows from
        `first[L]` on, by rank (the shares of this process write it side by side)."""
        at, buffer = 0, ffi.from_buffer("uint8_t[]", out, require_writable=True)
        for level, ranks in enumerate(self.kept):
            self.lib.mc_x_place(self.x, at, ffi.from_buffer("int64_t[]", ranks), len(ranks),
                                int(first[level]), buffer)
            at += len(ranks)

    # ------------------------------------------------------------ a level, in C
    def step(self, level: int, violated: frozenset[str], left: float | None,
             notes: tuple[str, str], frontier: int, mail: Mailbox) -> tuple:
        """Expand, hand the candidates to their owners, keep the new ones and rank them
        among every share's (the coordinator then decides how many are accepted)."""
        if mail.shared and not self.peers:  # once: each reads the others' buckets
            self.peers = mail.exchange([self] * self.parts)
            self.lib.mc_x_local(self.x)
        exp = self.expand(level, violated, None if left is None else time.monotonic() + left,
                          notes)
        if mail.shared:
            mail.exchange([None] * self.parts)  # every share expanded
            _ok(self.lib.mc_x_collect(self.x, ffi.new("bucket_t *[]", [
                self.lib.mc_x_out(p.x, self.me) for p in self.peers]), self.parts) < 0)
            mail.exchange([None] * self.parts)  # every share collected
            self.lib.mc_x_rank(self.x, ffi.new("int64_t *[]", [
                self.lib.mc_x_keys(p.x) for p in self.peers]), ffi.new("int64_t[]", [
                    self.lib.mc_x_pending(p.x) for p in self.peers]), self.parts)
        else:
            self._swap(frontier, mail)
        return (int(self.lib.mc_x_pending(self.x)), exp.found, exp.notes, exp.transitions,
                exp.fired, exp.outside)

    def _swap(self, frontier: int, mail: Mailbox) -> None:
        """Between processes: offers (fingerprints, keys, parents) to each owner, then the
        rows of the candidates it kept, then the ranks (`partition.share_ranks`)."""
        outs = [self.lib.mc_x_out(self.x, w) for w in range(self.parts)]
        offers = mail.exchange([_offer(self.lib, b) for b in outs])
        given = [outs[w] if w == self.me else _bucket(self.lib, o)
                 for w, o in enumerate(offers)]
        _ok(self.lib.mc_x_collect(self.x, ffi.new("bucket_t *[]", given), self.parts) < 0)
        wanted = []
        for w, (fps, _, _) in enumerate(offers):
            pos = np.empty(len(fps), np.int64)
            n = self.lib.mc_x_wanted(self.x, w, *_buffers(("int64_t[]", pos)))
            wanted.append(pos[:n] if w != self.me else pos[:0])
        asked = mail.exchange(wanted)
        rows = []
        for b, pos in zip(outs, asked):
            out = np.empty((len(pos), self.lay.size), np.uint8)
            self.lib.mc_b_rows(b, *_buffers(("int64_t[]", pos)), len(pos),
                               *_buffers(("uint8_t[]", out)))
            rows.append(out)
        for w, got in enumerate(mail.exchange(rows)):
            if w != self.me and len(got):
                self.lib.mc_x_fill(self.x, w, ffi.from_buffer("uint8_t[]", got))
        n = int(self.lib.mc_x_pending(self.x))
        keys = np.frombuffer(ffi.buffer(self.lib.mc_x_keys(self.x), 8 * n), np.int64).copy() \
            if n else np.zeros(0, np.int64)
        ranks = np.ascontiguousarray(share_ranks(keys, frontier, mail, self.me, self.parts))
        self.lib.mc_x_set_ranks(self.x, ffi.from_buffer("int64_t[]", ranks))

    def expand(self, level: int, violated: frozenset[str], deadline: float | None,
               notes: tuple[str, str]) -> Expansion:
        """The frontier's successors into the buckets, a chunk at a time between two looks
        at the clock; what was found on the way."""
        out = Expansion([])
        _ok(self.lib.mc_x_begin(self.x))
        for first in range(0, int(self.lib.mc_x_frontier_size(self.x)), CHUNK):
            if deadline is not None and time.monotonic() > deadline:
                out.notes.append(notes[1])
                break
            code = self.lib.mc_x_expand(self.x, first, CHUNK)
            if code:
                raise NativeFailed(FATAL[code])
        fired = np.zeros(max(self.npc, len(self.ts.pc_counters())), np.int64)
        found = np.zeros((len(self.names), 5), np.int64)
        coded = self.lib.mc_x_take(self.x, *_buffers(("int64_t[]", fired),
                                                     ("int64_t[]", found)))
        for code in (coded & 7, coded >> 3 & 7, coded >> 6):  # in the order first met
            note = {N_POOL: notes[0], N_EVAL: EVAL_NOTE, N_CONSTRAINT: CONSTRAINT_NOTE}.get(code)
            if note is not None and note not in out.notes:
                out.notes.append(note)
        out.outside = int(self.lib.mc_x_outside(self.x))
        out.found = self._found(found, level, violated)
        out.fired = fired[:len(self.ts.pc_counters())].tolist()
        out.transitions = int(fired.sum())
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
            rows, fps, _ = self.frontier(at, at + 1)
            depth = level if kind == V_DEADLOCK else level + 1
            out.append(((level, key), describe(self.ts, kind, name, me, pc, depth,
                                               int(fps[0]), self.tuples(rows)[0])))
        return out

    def accept(self, keep: int, level: int, violated: frozenset[str]) -> list[Found]:
        """Store the new states ranked below `keep` (a state limit), make them the frontier
        and check the invariants on them."""
        skip = np.array([n in violated for n in self.names], np.int8)
        first = np.full(len(self.names), -1, np.int64)
        _ok(self.lib.mc_x_accept(self.x, keep, *_buffers(("int8_t[]", skip),
                                                         ("int64_t[]", first))) < 0)
        self._keep()
        keys = self.lib.mc_x_keys(self.x)  # the frontier's, until the next level's collect
        out: list[Found] = []
        for prop in np.flatnonzero(first >= 0).tolist():
            i = int(first[prop])
            rows, fps, _ = self.frontier(i, i + 1)
            out.append(((level, int(keys[i])), describe(
                self.ts, V_INVARIANT, self.names[prop], -1, -1, level + 1, int(fps[0]),
                self.tuples(rows)[0])))
        return out

    # ------------------------------------------------------------ checkpoints
    def save(self, folder: Path, level: int) -> int:
        """Write this share's part of a checkpoint (between levels: nothing pending): names,
        which either engine reads, and the hashes a native share owns states by."""
        hashes, names, parents = self._stored()
        rows, front_fps, ranks = self.frontier()
        old = np.flatnonzero(self.legacy[0] % self.parts == self.me)  # each share holds all
        return save_share(folder, self.me, self.parts, level, ShareState(
            np.concatenate([names, self.legacy[0][old]]),
            np.concatenate([parents, self.legacy[1][old]]), self.tuples(rows), front_fps, ranks,
            None if len(self.legacy[0]) else hashes))

    def restore(self, folder: Path, files: list[str]) -> None:
        """This share's part of a checkpoint written by any number of shares of either
        engine. Without hashes (Python shares wrote it) every share keeps every stored
        name as a legacy one (`shard.c`)."""
        olds = load_shares(folder, files)
        self.x, self.peers = self._fresh(), []
        fps, parents = (np.concatenate([getattr(s, a) for s in olds]) for a in ("fps", "parents"))
        if all(s.native is not None for s in olds):
            hashes = np.concatenate([s.native for s in olds])
            mine = self._mine(hashes)
            self._store(None, hashes[mine], fps[mine], parents[mine])
        else:
            self.legacy = fps, parents
            _ok(self.lib.mc_x_legacy(self.x, *_buffers(("int64_t[]", fps)), len(fps)))
        rows = self.held([t for s in olds for t in s.frontier])
        front_fps, ranks = (np.concatenate([getattr(s, a) for s in olds])
                            for a in ("frontier_fps", "ranks"))
        mine = self._mine(self._hashes(rows))
        mine = mine[np.argsort(ranks[mine], kind="stable")]
        self._set_frontier(rows[mine], front_fps[mine], ranks[mine])


def _buffers(*arrays: tuple[str, np.ndarray]) -> list[Any]:
    """C views of numpy arrays (which C fills, or reads: those from Ray are read-only)."""
    return [ffi.from_buffer(t, a) for t, a in arrays]


def _ok(code: int | bool) -> None:
    """A C call's failure (its fatal code, or True) as the search's failure."""
    if code:
        raise NativeFailed(FATAL[2 if code is True else int(code)])


def _offer(lib: Any, b: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A bucket's fingerprints, keys and parents, for its owner in another process."""
    n = int(lib.mc_b_size(b))
    fps, keys, parents = (np.empty(n, np.int64) for _ in range(3))
    lib.mc_b_offer(b, *_buffers(("int64_t[]", fps), ("int64_t[]", keys),
                                ("int64_t[]", parents)))
    return fps, keys, parents


def _bucket(lib: Any, offer: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Any:
    """Another process's offer as a bucket here, without its rows."""
    b = ffi.gc(lib.mc_b_new(), lib.mc_b_free)
    fps, keys, parents = (np.ascontiguousarray(a, np.int64) for a in offer)
    _ok(lib.mc_b_fill(b, ffi.NULL, *_buffers(("int64_t[]", fps), ("int64_t[]", keys),
                                            ("int64_t[]", parents)), len(fps)))
    return b
