"""BFS level by level over a fingerprint store, in one process or split across several.

`search_levels` is the coordinator. Each level, every share (`partition.Partition`)
expands its part of the frontier and sends each successor to the share that owns its
fingerprint; the owners drop the states already stored and return the keys of the new
ones; the coordinator ranks those keys across all shares and hands the ranks back.
Verdicts and traces are those of `search.search` in one process: a violation is kept
if it is the first of its property in the order one process would meet it (its
(level, key) time), and parents are the least-key predecessors, i.e. the first ones
met. Only the state counts may differ when the search stops early, because a level is
always finished.

Workers are forked, so they inherit the compiled transition system and, with it, the
same `hash(None)` (which Python 3.11 derives from an address): every process must
compute the same fingerprint for a state, or shares would disagree about owners.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from .codegen import BOUND, Failure
from .partition import Found, Partition, check_invariants
from .search import Limits, Outcome, Progress, Stats, Violation, pool_exhausted
from .store import NO_PARENT, PathStore, Store, fingerprint_of
from .system import TransitionSystem

# what a share answers for one level: new keys, violations, notes, transitions, `fired`
Reply = tuple[np.ndarray, list[Found], list[str], int, list[int]]


class LocalTeam:
    """One share, in this process."""

    def __init__(self, ts: TransitionSystem) -> None:
        self.part = Partition(ts)
        self.parts = 1

    def seed(self, shares: list[tuple[list[tuple], np.ndarray, np.ndarray]]) -> None:
        self.part.seed(*shares[0])

    def step(self, *args: Any) -> list[Reply]:
        exp = self.part.expand(*args)
        (states, *offer), = exp.batches
        kept, = self.part.select([tuple(offer)])  # type: ignore[list-item]
        keys = self.part.fill([[states[i] for i in kept.tolist()]])
        return [(keys, exp.found, exp.notes, exp.transitions, exp.fired)]

    def accept(self, ranks: list[np.ndarray], *args: Any) -> list[list[Found]]:
        return [self.part.accept(ranks[0], *args)]

    def parents(self, fps: list[list[int]]) -> list[list[int]]:
        return [self.part.parents(fps[0])]

    def sizes(self) -> list[tuple[int, int]]:
        return [(len(self.part.frontier), self.part.store.nbytes())]

    def store(self, count: int, paths: dict[int, int]) -> Store:
        return self.part.store

    def close(self) -> None:
        pass


class ProcessTeam:
    """`parts` forked worker processes; the coordinator talks to each through a pipe, and
    the workers pass successor batches to each other through one inbox queue each."""

    def __init__(self, ts: TransitionSystem, parts: int) -> None:
        ctx = mp.get_context("fork")
        self.parts = parts
        inboxes = [ctx.Queue() for _ in range(parts)]
        self.conns: list[Connection] = []
        self.procs = []
        for me in range(parts):
            here, there = ctx.Pipe()
            p = ctx.Process(target=_serve, args=(ts, me, parts, inboxes, there), daemon=True)
            p.start()
            self.conns.append(here)
            self.procs.append(p)

    def _all(self, cmd: str, per_worker: list[Any] | None = None, *args: Any) -> list[Any]:
        for w, conn in enumerate(self.conns):
            conn.send((cmd, (per_worker[w],) + args if per_worker is not None else args))
        replies, interrupted = [], False
        for conn in self.conns:  # wait for every answer, so none is left for a later call
            while True:
                try:
                    replies.append(conn.recv())
                    break
                except KeyboardInterrupt:
                    interrupted = True
        if interrupted:
            raise KeyboardInterrupt
        for r in replies:
            if isinstance(r, _Crash):
                raise RuntimeError(f"a search worker failed:\n{r.trace}")
        return replies

    def seed(self, shares: list[tuple[list[tuple], np.ndarray, np.ndarray]]) -> None:
        self._all("seed", shares)

    def step(self, *args: Any) -> list[Reply]:
        return self._all("step", None, *args)

    def accept(self, ranks: list[np.ndarray], *args: Any) -> list[list[Found]]:
        return self._all("accept", ranks, *args)

    def parents(self, fps: list[list[int]]) -> list[list[int]]:
        return self._all("parents", fps)

    def sizes(self) -> list[tuple[int, int]]:
        return self._all("sizes")

    def store(self, count: int, paths: dict[int, int]) -> Store:
        return PathStore(paths, count, sum(b for _, b in self.sizes()))

    def close(self) -> None:
        for conn in self.conns:
            conn.send(("close", ()))
        for p in self.procs:
            p.join()


class _Crash:
    """A worker's exception, sent back instead of an answer so the coordinator never waits
    for a dead worker."""

    def __init__(self, trace: str) -> None:
        self.trace = trace


class Mailbox:
    """All-to-all exchanges between workers through one inbox queue each. A worker may be a
    phase ahead of another, so a message from a sender already heard from in this exchange
    is kept for the next; messages from one sender arrive in the order sent."""

    def __init__(self, me: int, inboxes: list[Any]) -> None:
        self.me, self.inboxes = me, inboxes
        self.early: dict[int, deque[Any]] = {w: deque() for w in range(len(inboxes))}

    def exchange(self, outgoing: list[Any]) -> list[Any]:
        """Send outgoing[w] to each worker w; what each worker sent here, by sender."""
        for w, msg in enumerate(outgoing):
            if w != self.me:
                self.inboxes[w].put((self.me, msg))
        got = {self.me: outgoing[self.me]}
        for w, queue in self.early.items():
            if queue:
                got[w] = queue.popleft()
        while len(got) < len(outgoing):
            w, msg = self.inboxes[self.me].get()
            if w in got:
                self.early[w].append(msg)
            else:
                got[w] = msg
        return [got[w] for w in range(len(outgoing))]


def _serve(ts: TransitionSystem, me: int, parts: int, inboxes: list[Any],
           conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides when to stop
    part = Partition(ts, me, parts)
    mail = Mailbox(me, inboxes)
    while True:
        cmd, args = conn.recv()
        if cmd == "close":
            return
        try:
            _answer(part, cmd, args, mail, conn)
        except Exception:
            conn.send(_Crash(traceback.format_exc()))


def _answer(part: Partition, cmd: str, args: tuple, mail: Mailbox, conn: Connection) -> None:
    parts = part.parts
    if cmd == "seed":
        conn.send(part.seed(*args[0]))
    elif cmd == "step":
        exp = part.expand(*args)
        offers = mail.exchange([b[1:] for b in exp.batches])
        wanted = mail.exchange(part.select(offers))
        given = mail.exchange([[exp.batches[w][0][i] for i in wanted[w].tolist()]
                               for w in range(parts)])
        conn.send((part.fill(given), exp.found, exp.notes, exp.transitions, exp.fired))
    elif cmd == "accept":
        conn.send(part.accept(*args))
    elif cmd == "parents":
        conn.send(part.parents(args[0]))
    elif cmd == "sizes":
        conn.send((len(part.frontier), part.store.nbytes()))


def search_levels(ts: TransitionSystem, limits: Limits | None = None,
                  stop_at_first: bool = False,
                  progress: Callable[[Progress], None] | None = None,
                  progress_every: float = 5.0, workers: int = 1) -> Outcome:
    limits = limits or Limits()
    model = ts.model
    start = time.monotonic()
    deadline = start + limits.time_limit if limits.time_limit is not None else None
    time_note = f"time limit of {limits.time_limit:g} s reached" if deadline else ""
    notes = (pool_exhausted(model), time_note)
    all_props = {p.name for p in model.properties}
    violations: dict[str, Violation] = {}
    incomplete: list[str] = []
    stats = Stats(fired=ts.pc_counters())

    def note(reason: str) -> None:
        if reason not in incomplete:
            incomplete.append(reason)

    def record(found: list[Found]) -> None:
        for _, v in sorted(found, key=lambda f: f[0]):
            if v.prop not in violations and not (stop_at_first and violations):
                violations[v.prop] = v

    def done() -> bool:
        return bool(violations) and (stop_at_first or len(violations) == len(all_props))

    team: LocalTeam | ProcessTeam = LocalTeam(ts) if workers <= 1 else ProcessTeam(ts, workers)
    try:
        record(_seed(ts, team, note))
        stats.distinct_states = total = sum(n for n, _ in team.sizes())
        level = 0
        frontier = total
        last_report = start
        try:
            while frontier and not done():
                violated = frozenset(violations)
                replies = team.step(level, violated, deadline, notes)
                found = [f for _, fs, _, _, _ in replies for f in fs]
                for _, _, ns, t, fired in replies:
                    stats.transitions += t
                    stats.fired = [a + b for a, b in zip(stats.fired, fired)]
                    for n in ns:
                        note(n)
                keys = [k for k, _, _, _, _ in replies]
                ordered = np.sort(np.concatenate(keys))
                keep = len(ordered)
                if limits.max_depth is not None and level >= limits.max_depth:
                    keep = 0
                    if len(ordered):
                        note(f"depth limit of {limits.max_depth} reached")
                elif limits.max_states is not None and total + keep > limits.max_states:
                    keep = max(0, limits.max_states - total)
                    note(f"state limit of {limits.max_states} reached")
                ranks = [np.searchsorted(ordered, k).astype(np.int64) for k in keys]
                found += [f for fs in team.accept(ranks, keep, level, violated) for f in fs]
                record(found)
                frontier = keep
                total += keep
                if keep:
                    stats.depth = level + 1
                level += 1
                if deadline is not None and time.monotonic() > deadline:
                    note(notes[1])
                    break
                now = time.monotonic()
                if progress is not None and now - last_report >= progress_every:
                    last_report = now
                    progress(Progress(total, stats.transitions, level, frontier, now - start))
        except KeyboardInterrupt:
            note("interrupted")
        if stop_at_first and done() and frontier:
            note("stopped at the first violation")
        stats.distinct_states = total
        paths = _paths(team, [v.state for v in violations.values()])
        store = team.store(total, paths)
    finally:
        team.close()
    stats.seconds = time.monotonic() - start
    return Outcome(store, violations, stats, incomplete)  # type: ignore[arg-type]


def _seed(ts: TransitionSystem, team: LocalTeam | ProcessTeam,
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
    shares = []
    for w in range(team.parts):
        mine = [i for i, fp in enumerate(fps) if fp % team.parts == w]
        shares.append(([ordered[i] for i in mine], np.array([fps[i] for i in mine], np.int64),
                       np.array(mine, np.int64)))
    team.seed(shares)
    return found


def _paths(team: LocalTeam | ProcessTeam, ends: list[int]) -> dict[int, int]:
    """Parent links from each violating state back to an initial state, asked of the shares
    that own them, one level per round."""
    parents: dict[int, int] = {}
    todo = {fp for fp in ends if fp != NO_PARENT}
    while todo:
        asked = [[fp for fp in todo if fp % team.parts == w] for w in range(team.parts)]
        answers = team.parents(asked)
        todo = set()
        for fps, ps in zip(asked, answers):
            for fp, p in zip(fps, ps):
                parents[fp] = p
                if p != NO_PARENT and p not in parents:
                    todo.add(p)
    return parents
