"""Checked model to Python source, compiled once per run: the generated module as a whole.

Each step becomes a function of the state, compiled once per thread id so that
the id and the offset of the thread's block are constants in its code, and the
search never walks the AST per state. A step without nondeterminism returns its
one result (`results` says how); `either` and `choose` make a generator, with a
`for` loop whose body holds the statements after them, and an abandoned path
(`await` false, failed assertion) is a `continue`, or a `return` outside any
loop. Every loop iteration works on its own copy of the state list, so paths
never see each other's writes.

A second flavour of every step ("labelled", `(s, me) -> (result, choices)`) also
yields the choices taken; only counterexample reconstruction uses it, keeping
the hot path lean.

This module decides which functions the module holds and the tables that name them
(`STEPS`, `LSTEPS`, `INVARIANTS`, `WITHIN`, `LIVE`, `INIT`, `LINIT`, which `system.build`
reads): defs, invariants, the constraint, the predicates of liveness properties, the
steps of threads and handlers in both flavours, the entries of signal handlers and the
runs of destructors, and the initial states. What goes inside a function is the statement
emitter's (`statements.py`, `os_primitives.py`), and every expression the expression
compiler's (`expressions.py`).
"""

from __future__ import annotations

from dataclasses import replace

from ...ir import model as M
from ...ir.initial import initial_statements
from ...ir.typesys import Type
from ...ir.walk import statements
from .context import Ctx
from .statements import StatementEmitter


class Codegen:
    """`module()`: the source of the generated module; then `bound_types`: the types of the
    bound variables it names (for decoding the choices of traces)."""

    def __init__(self, model: M.Model) -> None:
        self.m = model
        self.emit = StatementEmitter(model)
        self.bound_types: dict[int, Type] = self.emit.names.bound_types

    def module(self) -> str:
        m, out, emit = self.m, self.emit.out, self.emit
        out(0, f"TB = {m.thread_base}; STRIDE = {m.thread_stride}; POOL = {m.pool}")
        top = Ctx(me="None", tb="None")
        for d in m.defs.values():
            params = ", ".join(f"_b{p.uid}" for p in d.params)
            out(0, f"def _d_{d.name}(v{', ' + params if params else ''}):")
            out(1, f"return {emit.ex(d.body, top)}")
        for k, inv in enumerate(m.invariants):
            out(0, f"def _inv{k}(v):")
            out(1, f"return {emit.ex(inv.expr, top)}")
            out(0, f"INVARIANTS.append(_inv{k})")
        if m.constraints:
            out(0, "def _within(v):")
            out(1, "return " + " and ".join(f"({emit.ex(c.cond, top)})" for c in m.constraints))
            out(0, "WITHIN[0] = _within")
        for k, live in enumerate(m.temporal.properties if m.temporal else []):
            for j, e in enumerate(live.exprs):
                out(0, f"def _live{k}_{j}(v):")
                out(1, f"return {emit.ex(e, top)}")
            out(0, f"LIVE.append(({''.join(f'_live{k}_{j}, ' for j in range(len(live.exprs)))}))")
        for k, f in enumerate(m.temporal.fairness if m.temporal else []):
            if f.action is not None and f.action.where is not None:  # over the choices too
                out(0, f"def _fair{k}(v{''.join(f', _b{b.uid}' for b in f.action.reads)}):")
                out(1, f"return {emit.ex(f.action.where, top)}")
                out(0, f"FAIR[{k}] = _fair{k}")
        hot = [(f"s{t}_", f"STEPS[{t}]",
                Ctx(tb=str(m.thread_base + t * m.thread_stride), me=str(t)))
               for t in range(m.pool)]
        for p, table, flavour in [*hot, ("l", "LSTEPS", Ctx(labelled=True))]:
            self.steps(p, table, flavour)
            if m.handlers:
                self.interrupts(p, table, flavour)
            if m.destructors:
                self.destructors(p, table, flavour)
        for labelled in (False, True):
            out(0, f"def _{'l' if labelled else 's'}init():")
            out(1, "v = list(DEFAULT)")
            if labelled:
                out(1, "_ch = ()")
            emit.seq(initial_statements(self.m), 1, Ctx(labelled=labelled, terminal="init",
                                               me="None", tb="None"))
            out(0, f"{'LINIT' if labelled else 'INIT'} = _{'l' if labelled else 's'}init")
        return "\n".join(emit.lines) + "\n"

    def steps(self, p: str, table: str, flavour: Ctx) -> None:
        """Every step of every thread template and handler, entered in `table` by pc."""
        for t in [*self.m.templates.values(), *self.m.handlers]:
            last = M.PC_RETURN if t.kind == "handler" else M.PC_DONE
            handler = t.index if t.kind == "handler" else None
            for i, step in enumerate(t.steps):
                nxt = t.steps[i + 1].pc if i + 1 < len(t.steps) else last
                ctx = replace(flavour, next_pc=nxt, handler=handler,
                              forks=any(isinstance(st, M.Fork)
                                        for st in statements(step.body)),
                              straight=not flavour.labelled and not M.branches(step.body))
                self.emit.step_function(f"_{p}{step.pc}", step.body, ctx)
                self.emit.out(0, f"{table}[{step.pc}] = _{p}{step.pc}")

    def interrupts(self, p: str, table: str, flavour: Ctx) -> None:
        """Signal handlers: entering one is a transition possible between any two steps."""
        out, args = self.emit.out, flavour.params
        for h in self.m.handlers:
            nxt = h.steps[1].pc if len(h.steps) > 1 else M.PC_RETURN
            ctx = replace(flavour, next_pc=nxt, handler=h.index)
            self.emit.step_function(f"_{p}enter{h.index}", h.steps[0].body, ctx,
                                    self.emit.enter_handler(h, flavour))
        out(0, f"def _{p}irq({args}):")
        for h in self.m.handlers:
            out(1, f"yield from _{p}enter{h.index}({args})")
        for t in [*self.m.templates.values(), *self.m.handlers]:
            for step in t.steps:
                out(0, f"def _{p}w{step.pc}({args}):")
                out(1, f"yield from results(_{p}{step.pc}({args}))")
                out(1, f"yield from _{p}irq({args})")
                out(0, f"{table}[{step.pc}] = _{p}w{step.pc}")

    def destructors(self, p: str, table: str, flavour: Ctx) -> None:
        """A thread that exits with destructors registered runs them one step each, in every
        order, before it is finished."""
        out, args = self.emit.out, flavour.params
        for d in self.m.destructors:
            self.emit.step_function(f"_{p}dtor{d.index}", d.body,
                                    replace(flavour, terminal="dtor"),
                                    self.emit.run_destructor(d, flavour))
        out(0, f"def _{p}exiting({args}):")
        for d in self.m.destructors:
            out(1, f"yield from _{p}dtor{d.index}({args})")
        if self.m.handlers:  # a signal may still arrive while the destructors run
            out(1, f"yield from _{p}irq({args})")
        out(0, f"{table}[{M.PC_EXITING}] = _{p}exiting")

