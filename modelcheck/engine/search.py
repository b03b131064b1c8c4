"""Breadth-first search: every reachable state, every property, shortest traces.

BFS order makes the first violation found of each property a shortest one,
because every state of depth d is checked before any state of depth d + 1.
The search keeps going after a violation until every property has a verdict
(or `stop_at_first`), so one run fills the whole verdict table.

Never claims more than it saw: a limit, Ctrl-C, an exhausted thread pool or a
step that could not be evaluated leaves the unviolated properties "unknown".
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from ..backends.base import Happening, TransitionSystem
from ..backends.runtime import BOUND, EvalError, Failure
from ..ir.model import PC_EXITING
from . import memory
from .outcome import (
    EVAL_NOTE,
    RUNTIME,
    Limits,
    Outcome,
    Progress,
    Stats,
    Violation,
    invariant_note,
    outside_constraint,
    pool_exhausted,
    state_violations,
)
from .store import StateStore


def search(ts: TransitionSystem, limits: Limits | None = None, stop_at_first: bool = False,
           progress: Callable[[Progress], None] | None = None,
           progress_every: float = 5.0) -> Outcome:
    model = ts.model
    limits = limits or Limits()
    store = StateStore()
    violations: dict[str, Violation] = {}
    incomplete: list[str] = []
    stats = Stats()
    fired = stats.fired = ts.pc_counters()
    all_props = {p.name for p in model.properties}
    invariants = list(ts.invariants)
    offsets = ts.pc_offsets
    canon = ts.canon  # symmetry reduction: store one state per class
    check_deadlock = model.check_deadlock
    within = ts.within
    pool_note = pool_exhausted(model)
    start = time.monotonic()

    def note(reason: str) -> None:
        if reason not in incomplete:
            incomplete.append(reason)

    def violate(v: Violation) -> None:
        nonlocal invariants, finished
        if v.retires is not None:
            note(invariant_note(v.retires))
        if v.prop not in violations or v.retires is not None:
            violations.setdefault(v.prop, v)
            invariants = [(n, f) for n, f in invariants if n not in violations and
                          invariant_note(n) not in incomplete]
            finished = done()

    def check_state(i: int, state: tuple, depth: int) -> None:
        for v in state_violations(invariants, state, i, depth):
            violate(v)

    def done() -> bool:
        return bool(violations) and (stop_at_first or len(violations) == len(all_props))

    finished = False
    states, index, parents = store.states, store.index, store.parents
    i, depth, n = 0, 0, 0  # n: states stored and checked so far
    # The loop makes millions of tuples and lists and no reference cycles: the cyclic
    # collector's passes over them would cost about a tenth of the run.
    collecting = gc.isenabled()
    gc.disable()
    # One `try` from the first initial state to the last expansion: Ctrl-C may land
    # between any two bytecodes, and anywhere it lands the store is settled and kept.
    try:  # a spec may have millions of initial states: the limits hold here too
        for k, r in enumerate(ts.init()):
            if r is BOUND:
                note(pool_note)
            elif isinstance(r, Failure):
                violate(Violation(r.prop, r.message, -1, 0, final=r.state))
            else:
                j = store.add(r if canon is None else canon(r), -1)
                if j >= 0:
                    check_state(j, r, 0)
            if (k & 1023) == 1023 and _over(limits, start, note, len(store)):
                finished = True
                break

        max_states = limits.max_states if limits.max_states is not None else -1
        expand = ts.expand_new
        store_state, store_parent = states.append, parents.append
        other: list[Happening] = []
        n = level_end = len(states)
        frontier_full = limits.max_depth == 0
        last_report = start

        def cut(made: list[tuple]) -> list[tuple]:
            """The new states that fit under the depth and state limits; the others
            leave `index` again (numbered after the ones kept, so those numbers hold)."""
            keep = 0 if frontier_full else min(len(made), max(0, max_states - n))
            for r in made[keep:]:
                del index[r]
            note(f"depth limit of {limits.max_depth} reached" if frontier_full
                 else f"state limit of {max_states} reached")
            return made[:keep]

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
                if memory.over(limits.max_memory):
                    note(memory.note(limits.max_memory))
                    break
                if progress is not None and now - last_report >= progress_every:
                    last_report = now
                    progress(Progress(n, sum(fired), depth, n - i, now - start))
            s = states[i]
            made = expand(s, fired, index, n, other)
            if made:
                if frontier_full or n + len(made) > max_states >= 0:
                    made = cut(made)
                for r in made:
                    store_state(r)
                    store_parent(i)
                    for _, holds in invariants:  # check_state says what is wrong
                        try:
                            ok = holds(r)
                        except EvalError:
                            ok = False
                        if not ok:
                            check_state(n, r, depth + 1)
                            break
                    n += 1
            elif made is None and check_deadlock and any(s[o] >= PC_EXITING for o in offsets):
                violate(Violation("deadlock", "no step can run but some thread is unfinished",
                                  i, depth))
            elif made is not None and outside_constraint(within, s, note):
                stats.outside += 1
            if other:
                for h in other:
                    if h.what is BOUND:
                        note(pool_note)
                    elif isinstance(h.what, EvalError):
                        note(EVAL_NOTE)
                        violate(Violation(RUNTIME, h.what.message, i, depth + 1, h.thread,
                                          h.pc, s, h.what.pos))
                    else:
                        violate(Violation(h.what.prop, h.what.message, i, depth + 1,
                                          h.thread, h.pc, h.what.state))
                other.clear()
            i += 1
    except KeyboardInterrupt:
        note("interrupted")
        store.settle()
    finally:
        # the search ends here; the collector, enabled again, catches up on what it made
        stats.seconds = time.monotonic() - start
        if collecting:
            gc.enable()
    stats.transitions = sum(fired)  # each successor counted once at its pc
    stats.depth = _depth_of_last(store)
    if stop_at_first and done() and i < len(states):
        note("stopped at the first violation")
    stats.distinct_states = len(store)
    return Outcome(store, violations, stats, incomplete)


def _over(limits: Limits, start: float, note: Callable[[str], None], stored: int) -> bool:
    """Whether a limit stops the enumeration of initial states (noted)."""
    if limits.time_limit is not None and time.monotonic() - start > limits.time_limit:
        note(f"time limit of {limits.time_limit:g} s reached")
    elif memory.over(limits.max_memory):
        note(memory.note(limits.max_memory))
    elif limits.max_states is not None and stored > limits.max_states:
        note(f"state limit of {limits.max_states} reached among the initial states")
    else:
        return False
    return True


def _depth_of_last(store: StateStore) -> int:
    """BFS stores states in depth order, so the last one is the deepest."""
    return len(store.path(len(store) - 1)) - 1 if len(store) else 0
