"""BFS level by level over a fingerprint store, in one process or split across several.

`search_levels` is the coordinator. Each level, every share (`partition.Partition`)
expands its part of the frontier and sends each successor to the share that owns its
fingerprint; the owners drop the states already stored, and the shares rank the new
ones' keys together; the coordinator only adds up the counts and applies the limits.
Verdicts and traces are those of `search.search` in one process: a violation is kept
if it is the first of its property in the order one process would meet it (its
(level, key) time), and parents are the least-key predecessors, i.e. the first ones
met. Only the state counts may differ when the search stops early, because a level is
always finished.

Where the shares run is the transport's business (`transport.py`): in this process, in
forked workers or in Ray actors; how they expand is the share's: with the Python back end
or in C (`native_share.py`). Fingerprints depend only on a state's content
(`fingerprint.py`), so every process routes a state to the same share.

Between two levels the coordinator may save a checkpoint (`checkpoint.py`) and a run may
start from one: the rest of the search is the same as if it had never stopped. A share
that dies (`ShareLost`) sends the run back to its last checkpoint; without one the run
ends "incomplete", never "holds".
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ..backends.base import TransitionSystem
from ..backends.runtime import BOUND, Failure
from . import memory
from .checkpoint import Checkpointing, Position, load_manifest, save_manifest
from .fingerprint import fingerprint_of
from .native_library import load
from .outcome import Limits, Outcome, Progress, Stats, Violation, invariant_note, pool_exhausted
from .packed_states import kept_store
from .partition import MISSING, Found, check_invariants
from .store import NO_PARENT, PathStore
from .transport import ShareLost, Sharing, Transport, open_transport, signals_after

ONE = Sharing()  # one share, in this process
MAX_RECOVERIES = 3  # shares lost in one run before it gives up (each time: back to a checkpoint)


def search_levels(ts: TransitionSystem, limits: Limits | None = None,
                  stop_at_first: bool = False,
                  progress: Callable[[Progress], None] | None = None,
                  progress_every: float = 5.0, sharing: Sharing = ONE,
                  checkpoint: Checkpointing | None = None) -> Outcome:
    return _Levels(ts, limits or Limits(), stop_at_first, sharing, checkpoint).run(
        progress, progress_every)


class _Levels:
    """The coordinator of one run: its limits, where its shares are, its checkpoints."""

    def __init__(self, ts: TransitionSystem, limits: Limits, stop_at_first: bool,
                 sharing: Sharing, checkpoint: Checkpointing | None) -> None:
        self.ts, self.limits, self.stop_at_first = ts, limits, stop_at_first
        self.sharing, self.checkpoint = sharing, checkpoint
        self.props = {p.name for p in ts.model.properties}
        self.pos = Position(Stats(fired=ts.pc_counters()))
        self.saved_level: int | None = None  # of the last checkpoint this run can go back to
        self.saved_at = 0.0
        self.time_note = ""
        self.earlier = 0.0  # search seconds of the runs before this one (resumed)

    def note(self, reason: str) -> None:
        if reason not in self.pos.incomplete:
            self.pos.incomplete.append(reason)

    def record(self, found: list[Found]) -> None:
        """The first violation of each property in the canonical order; as the exact
        search does, an invariant that raised is checked no further (`state_violations`)."""
        violations = self.pos.violations
        for _, v in sorted(found, key=lambda f: f[0]):
            if v.retires is not None:
                if v.retires in violations or v.retires in self.retired():
                    continue
                self.note(invariant_note(v.retires))
            elif v.prop in self.retired():
                continue
            if v.prop not in violations and not (self.stop_at_first and violations):
                violations[v.prop] = v

    def retired(self) -> set[str]:
        """The invariants that raised, from the notes (which a checkpoint keeps)."""
        return {n for n, _ in self.ts.invariants if invariant_note(n) in self.pos.incomplete}

    def done(self) -> bool:
        v = self.pos.violations
        return bool(v) and (self.stop_at_first or len(v) == len(self.props))

    def run(self, progress: Callable[[Progress], None] | None, every: float) -> Outcome:
        shares = open_transport(self.ts, self.sharing)
        start = time.monotonic()  # a cluster's start-up is not search time
        limits = self.limits
        deadline = start + limits.time_limit if limits.time_limit is not None else None
        self.time_note = f"time limit of {limits.time_limit:g} s reached" if deadline else ""
        notes = (pool_exhausted(self.ts.model), self.time_note)
        resume = self.checkpoint is not None and self.checkpoint.resume
        lost = 0
        try:
            while True:
                try:
                    if resume:
                        self._restore(shares)
                    else:
                        self.record(_seed(self.ts, shares, self.note))
                        self.pos.total = self.pos.frontier = \
                            sum(n for n, _ in shares.call("sizes"))
                        self.pos.stats.distinct_states = self.pos.total
                        self._save(shares, start)
                    self._search(shares, start, deadline, notes, progress, every)
                    paths = _paths(shares, [(v.state, v.depth)
                                            for v in self.pos.violations.values()])
                    store = PathStore(paths, self.pos.total,
                                      sum(b for _, b in shares.call("sizes")))
                    if self.sharing.keep:  # native shares that kept their states
                        store = kept_store(load(self.ts.model, self.sharing.library),
                                           store, shares.call)
                    self.pos.stats.exchanged_bytes = shares.exchanged()
                    break
                except ShareLost as e:
                    shares.close()
                    lost += 1
                    if self.saved_level is None or lost > MAX_RECOVERIES:
                        return self._lost(e, start)
                    resume = True
                    shares = open_transport(self.ts, self.sharing)
        finally:
            shares.close()
        stats = self.pos.stats
        stats.distinct_states = self.pos.total
        stats.seconds += time.monotonic() - start
        return Outcome(store, self.pos.violations, stats, self.pos.incomplete)  # type: ignore

    def _search(self, shares: Transport, start: float, deadline: float | None,
                notes: tuple[str, str], progress: Callable[[Progress], None] | None,
                every: float) -> None:
        pos = self.pos
        last_report = start
        try:
            while pos.frontier and not self.done():
                self._level(shares, deadline, notes)
                if deadline is not None and time.monotonic() > deadline:
                    self.note(notes[1])
                    break
                if memory.over(self.limits.max_memory):
                    self.note(memory.note(self.limits.max_memory))
                    break
                self._save(shares, start)
                now = time.monotonic()
                if progress is not None and now - last_report >= every:
                    last_report = now
                    progress(Progress(pos.total, pos.stats.transitions, pos.level,
                                      pos.frontier, now - start))
        except KeyboardInterrupt:
            self.note(self._interrupted())
        if self.stop_at_first and self.done() and pos.frontier:
            self.note("stopped at the first violation")

    def _level(self, shares: Transport, deadline: float | None,
               notes: tuple[str, str]) -> None:
        """Expand the frontier: every share's successors to their owners, ranked, kept."""
        pos, stats, limits = self.pos, self.pos.stats, self.limits
        violated = frozenset(pos.violations) | self.retired()
        left = None if deadline is None else deadline - time.monotonic()
        replies = shares.call("step", None, pos.level, violated, left, notes, pos.frontier)
        found = [f for _, fs, _, _, _, _ in replies for f in fs]
        for _, _, ns, t, fired, outside in replies:
            stats.transitions += t
            stats.outside += outside
            stats.fired = [a + b for a, b in zip(stats.fired, fired)]
            for n in ns:
                self.note(n)
        new = keep = sum(n for n, _, _, _, _, _ in replies)
        if limits.max_depth is not None and pos.level >= limits.max_depth:
            keep = 0
            if new:
                self.note(f"depth limit of {limits.max_depth} reached")
        elif limits.max_states is not None and pos.total + keep > limits.max_states:
            keep = max(0, limits.max_states - pos.total)
            self.note(f"state limit of {limits.max_states} reached")
        with signals_after():  # the shares' new level and this count move together
            accepted = shares.call("accept", None, keep, pos.level, violated)
            self.record(found + [f for fs in accepted for f in fs])
            pos.frontier = keep
            pos.total += keep
            if keep:
                stats.depth = pos.level + 1
            pos.level += 1

    def _save(self, shares: Transport, start: float) -> None:
        """A checkpoint of the level just finished, if one is due (the first always is). A
        level a share cut short at the time limit is not a state to go on from."""
        c, now = self.checkpoint, time.monotonic()
        if c is None or self.time_note in self.pos.incomplete:
            return
        if self.saved_level is not None and now - self.saved_at < c.every:
            return
        c.folder.mkdir(parents=True, exist_ok=True)
        shares.call("save", None, c.folder, self.pos.level)
        seconds = self.pos.stats.seconds
        self.pos.stats.seconds = seconds + now - start
        save_manifest(c, self.pos, shares.parts)
        self.pos.stats.seconds = seconds
        self.saved_level, self.saved_at = self.pos.level, now

    def _restore(self, shares: Transport) -> None:
        """Back to the last checkpoint: from the disk when resuming, or after a lost share
        (then the seconds since this run began are counted at its end, not twice)."""
        assert self.checkpoint is not None
        pos, files = load_manifest(self.checkpoint)
        shares.call("restore", None, self.checkpoint.folder, files)
        if self.saved_level is None:
            self.earlier = pos.stats.seconds
        pos.stats.seconds = self.earlier
        self.pos, self.saved_level, self.saved_at = pos, pos.level, time.monotonic()

    def _interrupted(self) -> str:
        c = self.checkpoint
        if c is None or self.saved_level is None:
            return "interrupted"
        return f"interrupted; {c.command or 'mcheck resume ' + str(c.folder)} goes on from " \
               f"the checkpoint of level {self.saved_level}"

    def _lost(self, e: ShareLost, start: float) -> Outcome:
        """No checkpoint to go back to: what was counted, no verdict, and no trace (the
        parent links died with the share)."""
        self.note(f"a search share was lost and there was no checkpoint to resume from ({e})")
        stats = self.pos.stats
        stats.distinct_states = self.pos.total
        stats.seconds += time.monotonic() - start
        return Outcome(PathStore({}, self.pos.total, 0), {}, stats, self.pos.incomplete)


def _seed(ts: TransitionSystem, shares: Transport,
          note: Callable[[str], None]) -> list[Found]:
    """The initial states, in the order `init` yields them, checked and handed to their
    owners; what one process would find among them, at level -1."""
    fingerprint = fingerprint_of(ts.model)
    found: list[Found] = []
    states: dict[tuple, int] = {}
    for pos, r in enumerate(ts.init()):
        if r is BOUND:
            note(pool_exhausted(ts.model))
        elif isinstance(r, Failure):
            found.append(((-1, pos), Violation(r.prop, r.message, NO_PARENT, 0, final=r.state)))
        else:
            states.setdefault(r if ts.canon is None else ts.canon(r), pos)
    ordered = list(states)
    fps = [fingerprint(s) for s in ordered]
    found += check_invariants(ts, ordered, fps, list(states.values()), -1, frozenset())
    every = (ordered, np.array(fps, np.int64), np.arange(len(ordered), dtype=np.int64))
    shares.call("seed", [every] * shares.parts)  # each keeps the ones it owns
    return found


def _paths(shares: Transport, ends: list[tuple[int, int]]) -> dict[int, int]:
    """Parent links from each violating state (with its violation's depth: the state is at
    that level or the one before) back to an initial state, asked of every share (which
    one owns a state is the share's business: a native share owns by another hash), one
    level per round. The depth lets a native share read only two levels of its store; a
    state no share found there is asked again anywhere (-1)."""
    parents: dict[int, int] = {}
    todo = {fp: depth for fp, depth in sorted(ends) if fp != NO_PARENT}
    while todo:
        fps = sorted(todo)
        answers = shares.call("parents", None, fps, [todo[fp] for fp in fps])
        lost = [k for k in range(len(fps)) if all(ps[k] == MISSING for ps in answers)]
        if lost:
            again = shares.call("parents", None, [fps[k] for k in lost], [-1] * len(lost))
            for j, k in enumerate(lost):
                for ps, more in zip(answers, again):
                    ps[k] = more[j]
        for k, fp in enumerate(fps):
            parents[fp] = next(ps[k] for ps in answers if ps[k] != MISSING)
        todo = {p: todo[fp] - 1 for fp, p in ((fp, parents[fp]) for fp in fps)
                if p != NO_PARENT and p not in parents}
    return parents
