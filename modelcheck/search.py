"""Breadth-first search: every reachable state, every property, shortest traces.

BFS order makes the first violation found of each property a shortest one,
because every state of depth d is checked before any state of depth d + 1.
The search keeps going after a violation until every property has a verdict
(or `stop_at_first`), so one run fills the whole verdict table.

Never claims more than it saw: a limit, Ctrl-C, an exhausted thread pool or a
step that could not be evaluated leaves the unviolated properties "unknown".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .codegen import BOUND, EvalError, Failure
from .model import PC_EXITING, Model
from .store import StateStore, Store
from .system import TransitionSystem

EVAL_NOTE = "a step could not be evaluated, so part of the state space was cut off"


def pool_exhausted(model: Model) -> str:
    return f"the thread pool ({model.pool} ids) ran out; raise 'threads' to look further"


@dataclass(frozen=True)
class Limits:
    max_states: int | None = None
    max_depth: int | None = None
    time_limit: float | None = None


@dataclass
class Violation:
    prop: str
    message: str
    state: int                 # last stored state on the trace: index or fingerprint; -1 none
    depth: int                 # number of steps in the trace
    thread: int | None = None  # for a failing step: who ran it
    pc: int | None = None
    final: tuple | None = None  # for a failing step: the state when it failed


@dataclass
class Stats:
    distinct_states: int = 0
    transitions: int = 0
    depth: int = 0
    seconds: float = 0.0

    @property
    def states_per_second(self) -> float:
        return self.distinct_states / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Progress:
    states: int
    transitions: int
    depth: int
    queue: int
    seconds: float


@dataclass
class Outcome:
    store: Store
    violations: dict[str, Violation]
    stats: Stats
    incomplete: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.incomplete


def search(ts: TransitionSystem, limits: Limits | None = None, stop_at_first: bool = False,
           progress: Callable[[Progress], None] | None = None,
           progress_every: float = 5.0) -> Outcome:
    model = ts.model
    limits = limits or Limits()
    store = StateStore()
    violations: dict[str, Violation] = {}
    incomplete: list[str] = []
    stats = Stats()
    all_props = {p.name for p in model.properties}
    invariants = list(ts.invariants)
    offsets = ts.pc_offsets
    steps = ts.steps
    check_deadlock = model.check_deadlock
    pool_note = pool_exhausted(model)
    start = time.monotonic()

    def note(reason: str) -> None:
        if reason not in incomplete:
            incomplete.append(reason)

    def violate(v: Violation) -> None:
        nonlocal invariants, finished
        if v.prop not in violations:
            violations[v.prop] = v
            invariants = [(n, f) for n, f in invariants if n not in violations]
            finished = done()

    def check_state(i: int, state: tuple, depth: int) -> None:
        for name, message in broken_invariants(invariants, state):
            violate(Violation(name, message, i, depth))

    def done() -> bool:
        return bool(violations) and (stop_at_first or len(violations) == len(all_props))

    finished = False
    for r in ts.init():
        if r is BOUND:
            note(pool_note)
        elif isinstance(r, Failure):
            violate(Violation(r.prop, r.message, -1, 0, final=r.state))
        else:
            i = store.add(r, -1)
            if i >= 0:
                check_state(i, r, 0)

    states, index, parents = store.states, store.index, store.parents
    max_states = limits.max_states if limits.max_states is not None else -1
    threads = list(enumerate(offsets))
    i, depth, n = 0, 0, len(states)  # n: states stored so far
    level_end = n
    frontier_full = limits.max_depth == 0
    transitions = 0
    last_report = start
    try:
        while i < n and not finished:
            if i == level_end:
                depth += 1
                level_end = n
                frontier_full = limits.max_depth is not None and depth >= limits.max_depth
            if (i & 1023) == 0:
                now = time.monotonic()
                if limits.time_limit is not None and now - start > limits.time_limit:
                    note(f"time limit of {limits.time_limit:g} s reached")
                    break
                if progress is not None and now - last_report >= progress_every:
                    last_report = now
                    progress(Progress(n, transitions, depth, n - i, now - start))
            s = states[i]
            enabled = pool_blocked = False
            for me, off in threads:
                pc = s[off]
                if pc < PC_EXITING:
                    continue
                try:
                    for r in steps[pc](s, me):
                        if type(r) is tuple:
                            enabled = True
                            transitions += 1
                            if index.setdefault(r, n) != n:
                                continue  # seen before
                            if frontier_full or n == max_states:
                                del index[r]
                                note(f"depth limit of {limits.max_depth} reached" if frontier_full
                                     else f"state limit of {max_states} reached")
                                continue
                            states.append(r)
                            parents.append(i)
                            n += 1
                            for _, holds in invariants:  # check_state says what is wrong
                                try:
                                    ok = holds(r)
                                except EvalError:
                                    ok = False
                                if not ok:
                                    check_state(n - 1, r, depth + 1)
                                    break
                        elif r is BOUND:
                            pool_blocked = True
                            note(pool_note)
                        else:
                            enabled = True
                            violate(Violation(r.prop, r.message, i, depth + 1, me, pc, r.state))
                except EvalError as e:
                    enabled = True
                    note(EVAL_NOTE)
                    violate(Violation("bounds", str(e), i, depth + 1, me, pc, s))
            if not enabled and not pool_blocked and check_deadlock and \
                    any(s[o] >= PC_EXITING for o in offsets):
                violate(Violation("deadlock", "no step can run but some thread is unfinished",
                                  i, depth))
            i += 1
    except KeyboardInterrupt:
        note("interrupted")
    stats.transitions = transitions
    stats.depth = _depth_of_last(store)
    if stop_at_first and done() and i < len(states):
        note("stopped at the first violation")
    stats.distinct_states = len(store)
    stats.seconds = time.monotonic() - start
    return Outcome(store, violations, stats, incomplete)


def broken_invariants(invariants: list[tuple[str, Callable[[tuple], bool]]],
                      state: tuple) -> list[tuple[str, str]]:
    """(name, message) of each invariant that is false, or cannot be evaluated, in state."""
    out = []
    for name, fn in invariants:
        try:
            if not fn(state):
                out.append((name, "invariant is false"))
        except EvalError as e:
            out.append((name, f"invariant cannot be evaluated: {e}"))
    return out


def _depth_of_last(store: StateStore) -> int:
    """BFS stores states in depth order, so the last one is the deepest."""
    return len(store.path(len(store) - 1)) - 1 if len(store) else 0
