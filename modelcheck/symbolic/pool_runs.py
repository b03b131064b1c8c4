"""The symbolic runs of the fixed-pool encoding: what a thread may do from a state.

A thread at a step runs that step; a thread that is alive may be interrupted
by each signal handler; a thread exiting through its destructors runs one of
them; and initialisation runs once (the variables' initial values and the
`start` lines). Each run is executed once per symbolic state and cached on it,
so the transition formula, the per-step `moves` and the failure conditions all
share the same paths.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import z3

from ..ir import model as M
from ..ir.initial import initial_statements
from .pool_expressions import Expressions
from .pool_folds import cmp, eq, known
from .pool_paths import Ctx, Path, Run
from .pool_slots import Slots, SymState
from .pool_statements import Statements
from .pool_threads import Threads

Source = tuple[int, str, z3.BoolRef, Run]  # pc, what, guard on the thread's pc, outcomes


class Runs:
    """The runs of one model's steps, handler entries, destructors and initialisation."""

    def __init__(self, slots: Slots, threads: Threads, exprs: Expressions, stmts: Statements):
        self.slots = slots
        self.threads = threads
        self.exprs = exprs
        self.stmts = stmts
        self.m = slots.m
        self._init: Run | None = None

    def sources(self, s: SymState, thread: int, pc: int | None = None) -> list[Source]:
        """What `thread` may do from s (only what a thread at `pc` may do, when given):
        (pc, what, guard on the thread's pc, outcomes). Each is executed once per state."""
        m = self.m
        at = s[self.slots.base(thread)]
        if known(at):  # a concrete state: only what its pc can do
            if at < M.PC_EXITING or pc not in (None, at):
                return []
            pc = at
        out = []
        for p, (tmpl, step) in sorted(m.steps_by_pc.items()):
            if p != M.PC_EXITING and pc in (None, p):
                run = _cached(s, ("step", thread, p), self.step, s, thread, tmpl, step)
                out.append((p, "step", eq(at, p), run))
        for d in m.destructors if pc in (None, M.PC_EXITING) else []:
            run = _cached(s, ("dtor", thread, d.index), self.destructor, s, thread, d)
            out.append((M.PC_EXITING, "destructor", eq(at, M.PC_EXITING), run))
        for h in m.handlers:
            run = _cached(s, ("irq", thread, h.index), self.entry, s, thread, h)
            out.append((h.steps[0].pc, "signal", cmp(">=", at, M.PC_EXITING), run))
        return out

    def init(self) -> Run:
        """Initialisation (`ir.initial`): every variable's initial value (one per choice), the
        starts, the `init` conditions."""
        if self._init is None:
            m = self.m
            unused = [0, None] + [0] * (self.slots.stride - 2)
            default = [x for var in m.vars for x in var.type.default()] + unused * m.pool
            v = self.slots.literals(tuple(default))
            run = Run()
            ctx = Ctx(None, None, terminal="init")
            paths = self.stmts.seq(initial_statements(m), [Path((), v, {})], run, ctx)
            for p in paths:
                self.threads.finish(p, run, ctx, None)
            self._init = run
        return self._init

    def step(self, s: SymState, me: int, tmpl: M.Template, step: M.Step) -> Run:
        run = Run()
        steps = tmpl.steps
        i = steps.index(step)
        last = M.PC_RETURN if tmpl.kind == "handler" else M.PC_DONE
        nxt = steps[i + 1].pc if i + 1 < len(steps) else last
        ctx = Ctx(me, self.slots.base(me), next_pc=nxt,
                  handler=tmpl.index if tmpl.kind == "handler" else None)
        self.stmts.body(step.body, Path((), list(s.slots), {}), run, ctx)
        return run

    def entry(self, s: SymState, me: int, h: M.Template) -> Run:
        """Signal handler h interrupts thread `me` and runs its first step."""
        run = Run()
        p = self.threads.enter(s, me, h)
        nxt = h.steps[1].pc if len(h.steps) > 1 else M.PC_RETURN
        ctx = Ctx(me, self.slots.base(me), next_pc=nxt, handler=h.index)
        self.stmts.body(h.steps[0].body, p, run, ctx)
        return run

    def destructor(self, s: SymState, me: int, d: M.Destructor) -> Run:
        run = Run()
        p = self.threads.pop_destructor(s, me, d)
        self.stmts.body(d.body, p, run, Ctx(me, self.slots.base(me), terminal="dtor"))
        return run


def _cached(s: SymState, key: Any, make: Callable[..., Run], *args: Any) -> Run:
    if key not in s.cache:
        s.cache[key] = make(*args)
    return s.cache[key]
