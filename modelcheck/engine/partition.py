"""One share of a level-synchronous BFS over fingerprints: the states whose fingerprint
is `me` modulo `parts`, their frontier and their fingerprint store.

The search is the one `search.py` does, reorganised by level so that it can be split
across processes and still report exactly what one process would. What one process
reports depends only on the order in which it meets states, and that order is
canonical: the initial states in the order `init` yields them, then level d + 1
ordered by the first transition that reaches each state, i.e. by the pair (rank of
the parent in level d, index of the transition among the parent's successors). That
pair, packed into one int, is a state's *key*; the shares turn the keys of a new
level into dense ranks together (`rank`), so every share agrees on parents and on
which violation of a property comes first, however the states are spread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..backends.base import Happening, TransitionSystem
from ..backends.runtime import BOUND, EvalError
from ..ir.model import PC_EXITING
from .checkpoint import ShareState, load_share, save_share
from .fingerprint import fingerprint_of
from .outcome import EVAL_NOTE, RUNTIME, Violation, outside_constraint, state_violations
from .store import NO_PARENT, FingerprintStore

MISSING = -2  # `parents` of a state another share stores (no fingerprint is -2 either)
KEY_BITS = 24                # successors of one state: fewer than 2^24
LAST = (1 << KEY_BITS) - 1   # after every successor (where a deadlock is noticed)

Found = tuple[tuple[int, int], Violation]  # (when one process would find it, what)
# states, fingerprints, keys, parents' fingerprints
Batch = tuple[list[tuple], np.ndarray, np.ndarray, np.ndarray]
Offer = tuple[np.ndarray, np.ndarray, np.ndarray]  # a batch without its states


@dataclass
class Expansion:
    batches: list[Batch]      # the new level's candidates, one batch per owning share
    found: list[Found] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    transitions: int = 0
    fired: list[int] = field(default_factory=list)  # successors per pc, as `Stats.fired`
    outside: int = 0  # states outside the constraint, as `Stats.outside`

    def note(self, why: str) -> None:
        if why not in self.notes:
            self.notes.append(why)


class Partition:
    def __init__(self, ts: TransitionSystem, me: int = 0, parts: int = 1) -> None:
        self.ts, self.me, self.parts = ts, me, parts
        self.fingerprint = fingerprint_of(ts.model)
        self.store = FingerprintStore()
        self.frontier: list[tuple] = []
        self.ranks = np.zeros(0, dtype=np.int64)
        self.fps = np.zeros(0, dtype=np.int64)
        self.pending: Batch = ([], self.fps, self.fps, self.fps)
        self.sources = self.fps  # which share holds each pending state's tuple
        self.pending_ranks = self.fps  # of the pending states among every share's

    def seed(self, states: list[tuple], fps: np.ndarray, ranks: np.ndarray) -> None:
        """Of every initial state (in order, with its fingerprint and rank), the ones this
        share owns."""
        mine = np.flatnonzero(fps % self.parts == self.me)
        fps, ranks = fps[mine], ranks[mine]
        self.store.add(fps, np.full(len(fps), NO_PARENT, dtype=np.int64))
        self.frontier, self.fps, self.ranks = [states[i] for i in mine], fps, ranks

    @staticmethod
    def pick(states: list[tuple], idx: np.ndarray) -> list[tuple]:
        return [states[i] for i in idx.tolist()]

    @staticmethod
    def merge(given: list[list[tuple]], sources: np.ndarray) -> list[tuple]:
        """One sequence of the states each share gave, the next from share `sources[i]`."""
        parts = [iter(share) for share in given]
        return [next(parts[w]) for w in sources.tolist()]

    def expand(self, level: int, violated: frozenset[str], deadline: float | None,
               notes: tuple[str, str]) -> Expansion:
        """Every successor of the frontier, deduplicated, with its smallest key."""
        expand, offsets = self.ts.expand_keyed, self.ts.pc_offsets
        other: list[Happening] = []
        check_deadlock, within = self.ts.model.check_deadlock, self.ts.within
        pool_note, time_note = notes
        out = Expansion([], fired=self.ts.pc_counters())
        fired = out.fired
        seen: dict[tuple, int] = {}
        for n, (s, rank, fp) in enumerate(zip(self.frontier, self.ranks.tolist(),
                                              self.fps.tolist())):
            if deadline is not None and (n & 1023) == 0 and time.monotonic() > deadline:
                out.notes.append(time_note)
                break
            base = rank << KEY_BITS
            made = expand(s, fired, seen, base + 1, other)  # states come in rank order: the
            if made is None and check_deadlock and \
                    any(s[o] >= PC_EXITING for o in offsets):  # first key met is the least
                out.found.append(((level, base + LAST), Violation(
                    "deadlock", "no step can run but some thread is unfinished", fp, level)))
            elif made is False and outside_constraint(within, s, out.note):
                out.outside += 1
            for h in other:
                k = h.position
                if h.what is BOUND:
                    if pool_note not in out.notes:
                        out.notes.append(pool_note)
                elif isinstance(h.what, EvalError):
                    if EVAL_NOTE not in out.notes:
                        out.notes.append(EVAL_NOTE)
                    out.found.append(((level, k), Violation(
                        RUNTIME, h.what.message, fp, level + 1, h.thread, h.pc, s, h.what.pos)))
                elif h.what.prop not in violated:
                    out.found.append(((level, k), Violation(
                        h.what.prop, h.what.message, fp, level + 1, h.thread, h.pc,
                        h.what.state)))
            other.clear()
        out.transitions = sum(fired)
        states = list(seen)
        count = len(states)
        out.batches = self.route(states, np.fromiter(map(self.fingerprint, states), np.int64,
                                                     count),
                                 np.fromiter(seen.values(), np.int64, count))
        return out

    def route(self, states: list[tuple], fps: np.ndarray, keys: np.ndarray) -> list[Batch]:
        """The distinct successors of this share's frontier, in batches by owning share."""
        parents = self.fps[np.searchsorted(self.ranks, keys >> KEY_BITS)] if len(keys) else keys
        if self.parts == 1:
            return [(states, fps, keys, parents)]
        owner = fps % self.parts
        batches: list[Batch] = []
        for w in range(self.parts):
            idx = np.flatnonzero(owner == w)
            batches.append((self.pick(states, idx), fps[idx], keys[idx], parents[idx]))
        return batches

    def select(self, offers: list[Offer]) -> list[np.ndarray]:
        """Of the fingerprints each share offers, keep those not stored, each with its least
        key; say which offers of each share were kept, in key order. Only the kept states
        travel between processes (`fill`), a fraction of all successors."""
        sizes = [len(o[0]) for o in offers]
        fps, keys, parents = (np.concatenate([o[i] for o in offers]) for i in range(3))
        source = np.repeat(np.arange(len(offers)), sizes)
        position = np.concatenate([np.arange(n) for n in sizes])
        by_fp = np.lexsort((keys, fps))
        first = np.ones(len(by_fp), dtype=bool)
        first[1:] = fps[by_fp][1:] != fps[by_fp][:-1]
        pick = by_fp[first]
        pick = pick[~self.store.contains(fps[pick])]
        pick = pick[np.argsort(keys[pick])]
        self.pending = ([], fps[pick], keys[pick], parents[pick])
        self.sources = source[pick]
        return [position[pick][self.sources == w] for w in range(len(offers))]

    def fill(self, states: list[list[tuple]]) -> np.ndarray:
        """The kept states, from each share in the order `select` asked for them; the keys
        of the new states, sorted."""
        self.pending = (self.merge(states, self.sources), *self.pending[1:])
        return self.pending[2]

    def rank(self, keys: np.ndarray, frontier: int, mail: Mailbox) -> np.ndarray:
        return share_ranks(keys, frontier, mail, self.me, self.parts)

    def accept(self, ranks: np.ndarray, keep: int, level: int,
               violated: frozenset[str]) -> list[Found]:
        """Store the pending states ranked below `keep` (a state limit), make them the
        frontier and check the invariants on them."""
        states, fps, keys, parents = self.pending
        m = int(np.searchsorted(ranks, keep))
        self.store.add(fps[:m], parents[:m])
        self.frontier, self.fps, self.ranks = states[:m], fps[:m], ranks[:m]
        self.pending = ([], self.fps[:0], self.fps[:0], self.fps[:0])
        return check_invariants(self.ts, self.frontier, self.fps.tolist(), keys[:m].tolist(),
                                level, violated)

    def parents(self, fps: list[int], depths: list[int] | None = None) -> list[int]:
        """The parent of each state this share stores, MISSING for the others (`depths`,
        where each is, is for native shares: this one finds any by its fingerprint)."""
        known = self.store.contains(np.array(fps, np.int64))
        return [self.store.parent(fp) if k else MISSING for fp, k in zip(fps, known.tolist())]

    def save(self, folder: Path, level: int) -> int:
        """Write this share's part of a checkpoint (between levels: nothing pending)."""
        runs = self.store.runs
        fps, parents = (np.concatenate([r[i] for r in runs]) if runs else self.fps[:0]
                        for i in (0, 1))
        return save_share(folder, self.me, self.parts, level,
                          ShareState(fps, parents, self.frontier, self.fps,
                                     self.ranks))

    def restore(self, folder: Path, files: list[str]) -> None:
        s = load_share(folder, files, self.me, self.parts)
        self.store = FingerprintStore()
        self.store.add(s.fps, s.parents)
        self.frontier, self.fps, self.ranks = s.frontier, s.frontier_fps, s.ranks

    def handle(self, op: str, args: tuple, mail: Mailbox) -> Any:
        """One operation the coordinator asks of every share (through a transport); `step`
        swaps batches with the other shares through `mail`."""
        if op == "seed":
            return self.seed(*args[0])
        if op == "step":  # the time left, not a deadline: clocks differ between machines
            level, violated, left, notes, frontier = args
            exp = self.expand(level, violated, None if left is None else time.monotonic() + left,
                              notes)
            offers = mail.exchange([b[1:] for b in exp.batches])
            wanted = mail.exchange(self.select(offers))
            given = mail.exchange([self.pick(exp.batches[w][0], wanted[w])
                                   for w in range(self.parts)])
            self.pending_ranks = self.rank(self.fill(given), frontier, mail)
            return (len(self.pending_ranks), exp.found, exp.notes, exp.transitions, exp.fired,
                    exp.outside)
        if op == "accept":
            return self.accept(self.pending_ranks, *args)
        if op == "parents":
            return self.parents(*args)
        if op == "save":
            return self.save(*args)
        if op == "restore":
            return self.restore(*args)
        if op == "sizes":
            return len(self.frontier), self.store.nbytes()
        raise ValueError(f"no share operation {op!r}")


class Mailbox(Protocol):
    shared: bool  # the shares are in this process: what is sent is the object itself

    def exchange(self, outgoing: list[Any]) -> list[Any]:
        """Send outgoing[w] to each share w; what each share sent here, by sender."""
        ...


def share_ranks(keys: np.ndarray, frontier: int, mail: Mailbox, me: int, parts: int) -> np.ndarray:
    """The dense ranks of this share's new keys (sorted) among every share's, worked out
    by the shares, not the coordinator (it would sort every state of the level alone):
    share w sorts the keys whose parent's rank falls in the w-th slice of the frontier
    (`frontier` states), and each slice's first rank is the sizes of the slices below."""
    if parts == 1:
        return np.arange(len(keys), dtype=np.int64)
    slices = np.searchsorted((keys >> KEY_BITS) * parts // max(1, frontier),
                             np.arange(1, parts))
    got = mail.exchange(np.split(keys, slices))  # the keys of my slice, by sender
    mine = np.sort(np.concatenate(got))
    below = sum(mail.exchange([len(mine)] * parts)[:me])
    back = mail.exchange([below + np.searchsorted(mine, k) for k in got])
    return np.concatenate(back).astype(np.int64)


def check_invariants(ts: TransitionSystem, states: list[tuple], fps: list[int],
                     keys: list[int], level: int, violated: frozenset[str]) -> list[Found]:
    live = [(name, fn) for name, fn in ts.invariants if name not in violated]
    if not live:
        return []
    found: list[Found] = []
    for s, fp, key in zip(states, fps, keys):
        for _, holds in live:
            try:
                ok = holds(s)
            except EvalError:
                ok = False
            if not ok:  # the rare case: now find out which are broken, and why
                found += [((level, key), v) for v in state_violations(live, s, fp, level + 1)]
                break
    return found
