"""The breadth-first search run by a model's native verifier, read back as an `Outcome`.

The C search (`backends/c/runtime/search.c`) meets states in the order the Python
search does, so it reports the same first violation of each property; it only says
where: which state, which thread's step. Here each report becomes the `Violation`
the Python search would have made, by running the Python back end's step (or
invariant) on that one state for the message. The search runs in slices, so the
progress line, the time limit and Ctrl-C work as they do in Python.
"""

from __future__ import annotations

import os
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..backends.base import TransitionSystem
from ..backends.c import Verifier, ffi
from ..backends.runtime import BOUND, EvalError, Failure
from . import memory
from .outcome import (
    CONSTRAINT_NOTE,
    EVAL_NOTE,
    RUNTIME,
    Limits,
    Outcome,
    Progress,
    Stats,
    Violation,
    invariant_note,
    pool_exhausted,
)

RUNNING, DONE, FATAL = 0, 1, 2
V_INVARIANT, V_FAIL, V_EVAL, V_DEADLOCK = 1, 2, 3, 4
SLICE = 0.05  # seconds of search between two looks at the clock, progress and Ctrl-C
FATAL = {1: "a 64-bit integer overflow (Python's ints do not overflow)",
         2: "out of memory, or over 4 billion states", 3: "cannot write the parent log"}


class NativeFailed(Exception):
    """The native search stopped in a way only the Python engine can decide (an overflow of
    64-bit arithmetic), or ran out of memory: the message says which."""


class EngineMismatch(AssertionError):
    """The native verifier reported something the Python back end does not reproduce."""


class NativeStore:
    """The native search's store: paths and states are asked of the C side."""

    def __init__(self, v: Verifier, handle: Any, count: int, nbytes: int) -> None:
        self.v, self.handle, self.count, self.bytes = v, handle, count, nbytes

    def __len__(self) -> int:
        return self.count

    def states_on_path(self, key: int, ts: Any) -> list[tuple]:
        w = self.v.layout.width
        room = 4096
        while True:
            out = ffi.new("int64_t[]", w * room)
            n = self.v.lib.mc_path(self.handle, key, out, room)
            if n >= 0 or room > 1 << 24:
                break
            room *= 16
        if n < 0:
            raise EngineMismatch(f"the native store cannot rebuild the path to {key}")
        return [self.v.layout.from_slots(list(out[k * w:(k + 1) * w])) for k in range(n)]

    def nbytes(self) -> int:
        return self.bytes


class NativeStates(NativeStore):
    """The exact native store: every state is kept, so lints can read them (`StoredStates`)."""

    BATCH = 4096

    def __iter__(self) -> Iterator[tuple]:
        lay, w = self.v.layout, self.v.layout.width
        out = ffi.new("int64_t[]", w * self.BATCH)
        for first in range(0, self.count, self.BATCH):
            n = min(self.BATCH, self.count - first)
            self.v.lib.mc_states(self.handle, first, n, out)
            values = list(out[0:n * w])
            yield from (lay.from_slots(values[k * w:(k + 1) * w]) for k in range(n))

    def scan(self, offsets: list[int], pcs: set[int]) -> Iterator[tuple]:
        lay, w = self.v.layout, self.v.layout.width
        shape = ffi.new("int[4]")
        self.v.lib.mc_shape(shape)  # W, PACKED, NPC, NPROPS
        out, nxt = ffi.new("int64_t[]", w * self.BATCH), ffi.new("int64_t *")
        position = 0
        while pcs:
            mask = ffi.new("int8_t[]", [pc in pcs for pc in range(shape[2])])
            n = self.v.lib.mc_scan(self.handle, position, mask, self.BATCH, out, nxt)
            values = list(out[0:n * w])
            yield from (lay.from_slots(values[k * w:(k + 1) * w]) for k in range(n))
            if n < self.BATCH:  # the C side stops short only at the end
                return
            position = nxt[0]

    def pc_counts(self, offsets: list[int], pcs: int) -> list[int]:
        shape = ffi.new("int[4]")
        self.v.lib.mc_shape(shape)  # W, PACKED, NPC, NPROPS
        out = ffi.new("int64_t[]", shape[2])
        self.v.lib.mc_pc_counts(self.handle, out)
        return [*out[0:min(pcs, shape[2])], *[0] * (pcs - shape[2])]

    def changed(self, slot: int) -> bool:
        if not hasattr(self, "_changed"):
            flags = ffi.new("int8_t[]", self.v.layout.width)
            self.v.lib.mc_changed(self.handle, flags)
            self._changed = [bool(f) for f in flags]
        return self._changed[slot]


def native_search(ts: TransitionSystem, v: Verifier, limits: Limits | None = None,
                  stop_at_first: bool = False, fingerprints: bool = False,
                  progress: Callable[[Progress], None] | None = None,
                  progress_every: float = 5.0) -> Outcome:
    """One process, one thread; several search level by level with native shares
    (`native_share.py`). Under symmetry reduction (`ts.canon`) states are stored in the
    canonical form of the Python back end."""
    model, lib, lay = ts.model, v.lib, v.layout
    limits = limits or Limits()
    names = [p.name for p in model.properties]
    start = time.monotonic()
    log = ""
    if fingerprints:
        fd, log = tempfile.mkstemp(prefix="mcheck-parents-", suffix=".log")
        os.close(fd)
    handle = ffi.gc(lib.mc_new(int(fingerprints), _or(limits.max_states),
                               _or(limits.max_depth), int(stop_at_first),
                               int(model.check_deadlock), log.encode(),
                               int(ts.canon is not None)),
                      lib.mc_free)
    if log:
        weakref.finalize(handle, _remove, log)
    violations: dict[str, Violation] = {}
    incomplete: list[str] = []

    def note(reason: str) -> None:
        if reason not in incomplete:
            incomplete.append(reason)

    buf = ffi.new("int64_t[]", lay.width)
    for r in ts.init():
        if r is BOUND:
            note(pool_exhausted(model))
        elif isinstance(r, Failure):
            if r.prop not in violations:
                violations[r.prop] = Violation(r.prop, r.message, -1, 0, final=r.state)
                lib.mc_mark_violated(handle, names.index(r.prop))
        else:
            buf[0:lay.width] = lay.to_slots(r)
            lib.mc_add_initial(handle, buf)
    budget, status = 1024, RUNNING
    time_note = f"time limit of {limits.time_limit:g} s reached" \
        if limits.time_limit is not None else ""
    last = start
    counts = ffi.new("int64_t[7]")
    try:
        while status == RUNNING:
            t0 = time.monotonic()
            if limits.time_limit is not None and t0 - start > limits.time_limit:
                note(time_note)  # before the first slice too, as the Python search looks
                break            # before its first state
            status = lib.mc_run(handle, budget)
            now = time.monotonic()
            budget = max(256, min(budget * 2, int(budget * SLICE / max(now - t0, 1e-6))))
            if limits.time_limit is not None and now - start > limits.time_limit \
                    and status == RUNNING:
                note(time_note)
                break
            if status == RUNNING and memory.over(limits.max_memory):
                note(memory.note(limits.max_memory))
                break
            if progress is not None and now - last >= progress_every:
                last = now
                lib.mc_counts(handle, counts)
                progress(Progress(counts[0], counts[1], counts[2], counts[3], now - start))
    except KeyboardInterrupt:
        note("interrupted")
    seconds = time.monotonic() - start
    flags = ffi.new("int[8]")
    lib.mc_flags(handle, flags)
    if flags[0]:
        raise NativeFailed(FATAL[flags[0]])
    for code in flags[3:3 + flags[2]]:
        note({1: pool_exhausted(model), 2: EVAL_NOTE,
              3: f"state limit of {limits.max_states} reached",
              4: f"depth limit of {limits.max_depth} reached", 5: CONSTRAINT_NOTE}[code])
    lib.mc_counts(handle, counts)
    if stop_at_first and flags[1] and counts[3] > 0:
        note("stopped at the first violation")
    fired = ffi.new("int64_t[]", len(ts.pc_counters()))
    lib.mc_fired(handle, fired)
    stats = Stats(counts[0], counts[1], counts[2], seconds, list(fired), outside=counts[6])
    at_init = set(violations)
    for k, name in enumerate(names):
        found = None if name in at_init else _violation(ts, v, handle, k, name)
        if found is None:
            continue
        if found.retires is not None:  # an invariant that raised: a runtime violation
            note(invariant_note(name))
        first = violations.get(found.prop)  # runtime: a step's or an invariant's, the shallower
        if first is None or found.depth < first.depth:
            violations[found.prop] = found
    store = (NativeStore if fingerprints else NativeStates)(v, handle, counts[0], counts[5])
    return Outcome(store, violations, stats, incomplete)  # type: ignore[arg-type]


def _violation(ts: TransitionSystem, v: Verifier, handle: Any, prop: int,
               name: str) -> Violation | None:
    """The Python search's Violation for the native search's first report of a property."""
    info = ffi.new("int64_t[4]")
    raw = ffi.new("int64_t[]", v.layout.width)
    kind = v.lib.mc_violation(handle, prop, info, raw)
    if not kind:
        return None
    return describe(ts, kind, name, info[0], info[1], info[2], info[3] & ((1 << 64) - 1),
                    v.layout.from_slots(list(raw)))


def describe(ts: TransitionSystem, kind: int, name: str, me: int, pc: int, depth: int,
             key: int, state: tuple) -> Violation:
    """The Violation the Python engine makes of what a native search reports: a property
    (`kind`: V_*) broken at `state`, or by thread `me`'s step from it. The message comes
    from running the Python back end on that one state, so reports never depend on the
    engine; a report Python does not reproduce is an `EngineMismatch`."""
    if kind == V_DEADLOCK:
        return Violation(name, "no step can run but some thread is unfinished", key, depth)
    if kind == V_INVARIANT:
        holds = dict(ts.invariants)[name]
        try:
            if not holds(state):
                return Violation(name, "invariant is false", key, depth)
        except EvalError as e:
            return Violation(RUNTIME, f"invariant {name} cannot be evaluated: {e}", key, depth,
                             pos=e.pos, retires=name)
        raise EngineMismatch(f"the native engine finds {name} false in {state}; Python does not")
    for what in _step_results(ts, state, me):
        if kind == V_EVAL and isinstance(what, EvalError):
            return Violation(name, what.message, key, depth, me, pc, state, what.pos)
        if kind == V_FAIL and isinstance(what, Failure) and what.prop == name:
            return Violation(name, what.message, key, depth, me, pc, what.state)
    raise EngineMismatch(f"the native engine finds {name} violated by thread {me}'s step in "
                         f"{state}; Python does not")


def _step_results(ts: TransitionSystem, state: tuple, me: int) -> Iterator[Any]:
    try:
        yield from ts.step(state, me)
    except EvalError as e:
        yield e


def _or(value: int | None) -> int:
    return -1 if value is None else value


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


__all__: Sequence[str] = ["native_search", "describe", "FATAL", "NativeFailed", "EngineMismatch",
                          "NativeStore"]
