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

Where the shares run is the transport's business (`transport.py`): in this process, or
in forked workers. Fingerprints depend only on a state's content (`fingerprint.py`), so
every process routes a state to the same share.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ..backends.base import TransitionSystem
from ..backends.runtime import BOUND, Failure
from . import memory
from .fingerprint import fingerprint_of
from .outcome import Limits, Outcome, Progress, Stats, Violation, pool_exhausted
from .partition import Found, check_invariants
from .store import NO_PARENT, PathStore
from .transport import Transport, open_transport


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

    shares = open_transport(ts, workers)
    try:
        total = frontier = level = 0
        last_report = start
        try:
            record(_seed(ts, shares, note))
            stats.distinct_states = total = sum(n for n, _ in shares.call("sizes"))
            frontier = total
            while frontier and not done():
                violated = frozenset(violations)
                replies = shares.call("step", None, level, violated, deadline, notes)
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
                accepted = shares.call("accept", ranks, keep, level, violated)
                found += [f for fs in accepted for f in fs]
                record(found)
                frontier = keep
                total += keep
                if keep:
                    stats.depth = level + 1
                level += 1
                if deadline is not None and time.monotonic() > deadline:
                    note(notes[1])
                    break
                if memory.over(limits.max_memory):
                    note(memory.note(limits.max_memory))
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
        paths = _paths(shares, [v.state for v in violations.values()])
        store = PathStore(paths, total, sum(b for _, b in shares.call("sizes")))
    finally:
        shares.close()
    stats.seconds = time.monotonic() - start
    return Outcome(store, violations, stats, incomplete)  # type: ignore[arg-type]


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
    batches = []
    for w in range(shares.parts):
        mine = [i for i, fp in enumerate(fps) if fp % shares.parts == w]
        batches.append(([ordered[i] for i in mine], np.array([fps[i] for i in mine], np.int64),
                       np.array(mine, np.int64)))
    shares.call("seed", batches)
    return found


def _paths(shares: Transport, ends: list[int]) -> dict[int, int]:
    """Parent links from each violating state back to an initial state, asked of the shares
    that own them, one level per round."""
    parents: dict[int, int] = {}
    todo = {fp for fp in ends if fp != NO_PARENT}
    while todo:
        asked = [[fp for fp in todo if fp % shares.parts == w] for w in range(shares.parts)]
        answers = shares.call("parents", asked)
        todo = set()
        for fps, ps in zip(asked, answers):
            for fp, p in zip(fps, ps):
                parents[fp] = p
                if p != NO_PARENT and p not in parents:
                    todo.add(p)
    return parents
