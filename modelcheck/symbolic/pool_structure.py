"""Structural invariants of the fixed pool's thread table, assumed by every proof query.

A k-induction query starts from any state the encoding's slots can hold, so without
these facts z3 answers with thread tables no run can build: a thread that is its own
parent, a parent cycle, a pc no template has, a thread inside a signal handler no step
can install. They follow from how the runtime (`pool_threads`) allocates ids and enters
and leaves handlers, and `Bounded.wellformed_obligations` checks that they hold
initially and after every step, so assuming them is sound:

- the start threads hold ids 0..n-1; `spawn` and `fork` take the lowest unused id, so
  the used ids are a prefix and a parent's id is lower than its child's (the parent
  relation is a forest rooted at start threads and detached spawns, and acyclic);
- a pc is unused, finished, freed, exiting (only with destructors) or one of the steps;
  a thread at a step holds locals of that step's template;
- a thread runs a handler step exactly when its nesting depth is positive; the depth is
  the number of handlers active on it; interrupted pcs are saved below the depth, zero
  above it; a handler no step can install is never installed or active.
"""

from __future__ import annotations

from typing import Any

import z3

from ..ir import model as M
from ..ir.walk import model_bodies
from .pool_slots import NONE, SymState, in_domain


def installable(model: M.Model) -> set[int]:
    """Handlers some step can install: an `install` not under a constant-false `if`."""
    found: set[int] = set()

    def walk(block: tuple[M.Stmt, ...]) -> None:
        for st in block:
            if isinstance(st, M.SigOp) and st.op == "install":
                found.add(st.index)
            elif isinstance(st, M.If) and isinstance(st.cond, M.Const):
                walk(st.then if st.cond.value else st.other)
            elif isinstance(st, M.If):
                walk(st.then)
                walk(st.other)
            elif isinstance(st, M.Either):
                for b in st.blocks:
                    walk(b)
            elif isinstance(st, M.Choose):
                walk(st.body)

    for body in model_bodies(model):
        walk(body)
    return found


def structure(m: M.Model, s: SymState) -> z3.BoolRef:
    """The structural invariants above, over the slots of s."""
    lay = m.layout
    steps = list(m.steps_by_pc)
    out: list[Any] = []
    pcs = [s[m.thread_base + k * m.thread_stride] for k in range(m.pool)]
    out += [pc != M.PC_UNUSED for pc in pcs[:len(m.starts)]]
    out += [z3.Implies(a == M.PC_UNUSED, b == M.PC_UNUSED) for a, b in zip(pcs, pcs[1:])]
    finals = [M.PC_UNUSED, M.PC_DONE, M.PC_FREED] + ([M.PC_EXITING] if lay.dtors is not None
                                                     else [])
    handler_pcs = [step.pc for h in m.handlers for step in h.steps]
    own_pcs = [p for p in steps if p not in handler_pcs]
    never = [h.index for h in m.handlers if h.index not in installable(m)]
    for k in range(m.pool):
        base = m.thread_base + k * m.thread_stride
        pc, parent = s[base], s[base + 1]
        out.append(z3.Or([pc == p for p in finals + steps]))
        out.append(parent == NONE if k < len(m.starts)
                   else z3.Or(parent == NONE, z3.And(parent >= 0, parent < k)))
        for t in m.templates.values():
            here = z3.Or([pc == step.pc for step in t.steps])
            out += [z3.Implies(here, in_domain(loc.type, s[base + loc.slot]))
                    for loc in t.params + t.locals]
        if lay.depth is None:
            continue
        depth = s[base + lay.depth]
        active = s[base + lay.active]  # type: ignore[operator]
        installed = s[base + lay.installed]  # type: ignore[operator]
        width = active.size()
        out.append(z3.If(z3.Or([pc == p for p in handler_pcs]), depth >= 1, depth == 0))
        out.append(depth == z3.Sum([z3.BV2Int(z3.Extract(i, i, active))
                                    for i in range(width)]))
        for h in never:
            out += [z3.Extract(h, h, active) == 0, z3.Extract(h, h, installed) == 0]
        for d in range(lay.max_depth):
            saved = s[base + lay.saved + d]  # type: ignore[operator]
            out.append(z3.If(depth > d, z3.Or([saved == p for p in
                                                (handler_pcs if d else own_pcs)]),
                             saved == 0))
        # the handlers on the stack (the running one, then those interrupted above the
        # thread's own step) are distinct and are exactly the active ones
        stack = [(depth >= 1, pc)] + [(depth > d, s[base + lay.saved + d])  # type: ignore
                                      for d in range(1, lay.max_depth)]
        running = [(on, _handler_of(m, x)) for on, x in stack]
        out += [z3.Implies(z3.And(on, h == i), z3.Extract(i, i, active) == 1)
                for on, h in running for i in range(len(m.handlers))]
        out += [z3.Implies(z3.And(a, b), g != h)
                for n, (a, g) in enumerate(running) for b, h in running[n + 1:]]
    return z3.And(out)


def _handler_of(m: M.Model, pc: Any) -> Any:
    """The number of the handler whose step pc is, or -1."""
    out: Any = z3.IntVal(-1)
    for h in m.handlers:
        out = z3.If(z3.Or([pc == step.pc for step in h.steps]), h.index, out)
    return out
