"""Checked model to Python source, compiled once per run.

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
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ...ir import model as M
from ...ir.places import addressable
from ...ir.typesys import (
    ArrayType,
    IntType,
    OptionalType,
    RecordType,
    SetType,
    Type,
    is_compound,
)
from ...ir.walk import statements

INIT_UIDS = 1 << 30  # bound-variable numbers for initial-value choices, clear of the checker's


@dataclass
class Ctx:
    """What generated code can see at the point being emitted."""

    loops: int = 0
    labelled: bool = False
    tb: str = "tb"   # Python name of the running thread's base offset
    me: str = "me"
    terminal: str = "step"  # "step": next pc; "init": plain yield; "dtor": after a destructor
    next_pc: int = M.PC_DONE
    handler: int | None = None  # the signal handler whose step this is
    forks: bool = False         # the step forks: track children in `_fk`
    straight: bool = False      # no either/choose: return the one result, not a generator

    @property
    def params(self) -> str:
        """A hot step is compiled once per thread id, with the id and the block's offset as
        constants; the labelled twin takes the id as an argument."""
        return "s, me" if self.me == "me" else "s"

    def end_path(self) -> str:
        return "continue" if self.loops else "return"

    def give(self, result: str, state: bool = False) -> str:
        """Hand one result back. A straight step returns a successor state itself and any
        other result in a list (see `results`): the search takes the common case, one
        state, without creating a generator or a container."""
        if not self.straight:
            return f"yield {result}"
        return f"return {result}" if state else f"return [{result}]"


class Codegen:
    def __init__(self, model: M.Model):
        self.m = model
        self.lines: list[str] = []
        self.tmp = 0
        self.bound_types: dict[int, Type] = {}
        self.tb0 = model.thread_base
        self.stride = model.thread_stride

    # ------------------------------------------------------------- plumbing
    def fresh(self, base: str = "_t") -> str:
        self.tmp += 1
        return f"{base}{self.tmp}"

    def out(self, ind: int, text: str) -> None:
        self.lines.append("    " * ind + text)

    def module(self) -> str:
        m = self.m
        self.out(0, f"TB = {self.tb0}; STRIDE = {self.stride}; POOL = {m.pool}")
        for d in m.defs.values():
            params = ", ".join(f"_b{p.uid}" for p in d.params)
            self.out(0, f"def _d_{d.name}(v{', ' + params if params else ''}):")
            self.out(1, f"return {self.ex(d.body, Ctx(me='None', tb='None'))}")
        for k, inv in enumerate(m.invariants):
            self.out(0, f"def _inv{k}(v):")
            self.out(1, f"return {self.ex(inv.expr, Ctx(me='None', tb='None'))}")
            self.out(0, f"INVARIANTS.append(_inv{k})")
        hot = [(f"s{t}_", f"STEPS[{t}]", Ctx(tb=str(self.tb0 + t * self.stride), me=str(t)))
               for t in range(m.pool)]
        for p, table, flavour in [*hot, ("l", "LSTEPS", Ctx(labelled=True))]:
            for t in [*m.templates.values(), *m.handlers]:
                last = M.PC_RETURN if t.kind == "handler" else M.PC_DONE
                handler = t.index if t.kind == "handler" else None
                for i, step in enumerate(t.steps):
                    nxt = t.steps[i + 1].pc if i + 1 < len(t.steps) else last
                    ctx = replace(flavour, next_pc=nxt, handler=handler,
                                  forks=any(isinstance(st, M.Fork)
                                            for st in statements(step.body)),
                                  straight=not flavour.labelled and not M.branches(step.body))
                    self.step_function(f"_{p}{step.pc}", step.body, ctx)
                    self.out(0, f"{table}[{step.pc}] = _{p}{step.pc}")
            if m.handlers:
                self.interrupts(p, table, flavour)
            if m.destructors:
                self.destructors(p, table, flavour)
        for labelled in (False, True):
            self.out(0, f"def _{'l' if labelled else 's'}init():")
            self.out(1, "v = list(DEFAULT)")
            if labelled:
                self.out(1, "_ch = ()")
            self.seq(self.init_stmts(), 1, Ctx(labelled=labelled, terminal="init",
                                               me="None", tb="None"))
            self.out(0, f"{'LINIT' if labelled else 'INIT'} = _{'l' if labelled else 's'}init")
        return "\n".join(self.lines) + "\n"

    def step_function(self, name: str, body: tuple[M.Stmt, ...], ctx: Ctx,
                      prologue: tuple[str, ...] = ()) -> None:
        self.out(0, f"def {name}({ctx.params}):")
        ind = 1
        if ctx.labelled:  # replay for traces: report a failed evaluation with its choices
            self.out(1, "v, _ch = s, ()")
            self.out(1, "try:")
            ind = 2
        if ctx.tb == "tb":
            self.out(ind, "tb = TB + me * STRIDE")
        if not prologue:  # guards read the state tuple itself: a disabled step copies nothing
            self.out(ind, "v = s")
            body = tuple(self.guards(list(body), ind, ctx))
        if prologue or not (body and isinstance(body[0], (M.Either, M.Choose))):
            self.out(ind, "v = list(s)")  # else each branch copies the tuple itself
        for line in prologue:
            self.out(ind, line)
        if ctx.forks:
            self.out(ind, "_fk = ()")
        self.seq(list(body), ind, ctx)
        if ctx.labelled:
            self.out(1, "except EvalError as _e:")
            self.out(2, "yield (Failure('bounds', str(_e), tuple(v)), _ch)")

    def interrupts(self, p: str, table: str, flavour: Ctx) -> None:
        """Signal handlers: entering one is a transition possible between any two steps."""
        lay, tb, args, labelled = self.m.layout, flavour.tb, flavour.params, flavour.labelled
        for h in self.m.handlers:
            first = h.steps[0]
            nxt = h.steps[1].pc if len(h.steps) > 1 else M.PC_RETURN
            bit = 1 << h.index
            guard = (f"if not s[{tb} + {lay.installed}] & {bit} "
                     f"or s[{tb} + {lay.masked}] & {bit} or s[{tb} + {lay.active}] & {bit} "
                     f"or s[{tb} + {lay.depth}] >= {lay.max_depth}:")
            prologue = (guard, "    return",
                        f"_d = v[{tb} + {lay.depth}]", f"v[{tb} + {lay.saved} + _d] = v[{tb}]",
                        f"v[{tb} + {lay.depth}] = _d + 1", f"v[{tb} + {lay.active}] |= {bit}",
                        *((f"_ch = (('enter', {first.pc}, None),)",) if labelled else ()))
            ctx = replace(flavour, next_pc=nxt, handler=h.index)
            self.step_function(f"_{p}enter{h.index}", first.body, ctx, prologue)
        entries = [f"_{p}enter{h.index}" for h in self.m.handlers]
        self.out(0, f"def _{p}irq({args}):")
        for e in entries:
            self.out(1, f"yield from {e}({args})")
        for t in [*self.m.templates.values(), *self.m.handlers]:
            for step in t.steps:
                self.out(0, f"def _{p}w{step.pc}({args}):")
                self.out(1, f"yield from results(_{p}{step.pc}({args}))")
                self.out(1, f"yield from _{p}irq({args})")
                self.out(0, f"{table}[{step.pc}] = _{p}w{step.pc}")

    def destructors(self, p: str, table: str, flavour: Ctx) -> None:
        """A thread that exits with destructors registered runs them one step each, in every
        order, before it is finished."""
        dt, tb, args, labelled = self.m.layout.dtors, flavour.tb, flavour.params, flavour.labelled
        for d in self.m.destructors:
            bit = 1 << d.index
            prologue = (f"if not s[{tb} + {dt}] & {bit}:", "    return",
                        f"v[{tb} + {dt}] &= ~{bit}",
                        *((f"_ch = (('destructor', {d.name!r}, None),)",) if labelled else ()))
            ctx = replace(flavour, terminal="dtor")
            self.step_function(f"_{p}dtor{d.index}", d.body, ctx, prologue)
        self.out(0, f"def _{p}exiting({args}):")
        for d in self.m.destructors:
            self.out(1, f"yield from _{p}dtor{d.index}({args})")
        if self.m.handlers:  # a signal may still arrive while the destructors run
            self.out(1, f"yield from _{p}irq({args})")
        self.out(0, f"{table}[{M.PC_EXITING}] = _{p}exiting")

    def init_stmts(self) -> list[M.Stmt]:
        """Initial states as a pseudo-step: one branch per allowed initial value."""
        body: list[M.Stmt] = []
        for var in self.m.vars:
            place = M.GlobalPlace(var.type, var.name, var.offset)
            if var.choice:
                b = M.Bound(var.type, var.name, INIT_UIDS + var.offset)
                body.append(M.Choose(var.pos, b, M.Domain(var.type, var.init), None,
                                     (M.Assign(var.pos, place, b),)))
            else:
                body.append(M.Assign(var.pos, place, var.init))
        body.extend(self.m.starts)
        return body

    # ----------------------------------------------------------- statements
    def seq(self, stmts: list[M.Stmt], ind: int, ctx: Ctx) -> None:
        """Emit `stmts`, then the end of the step; nondeterminism nests the rest."""
        for i, st in enumerate(stmts):
            rest = stmts[i + 1:]
            if isinstance(st, M.Either):
                self.either(st, rest, ind, ctx)
                return
            if isinstance(st, M.Choose):
                self.choose(st, rest, ind, ctx)
                return
            if isinstance(st, M.If) and (M.branches(st.then) or M.branches(st.other)):
                self.out(ind, f"if {self.ex(st.cond, ctx)}:")
                self.seq(list(st.then) + rest, ind + 1, ctx)
                self.out(ind, "else:")
                self.seq(list(st.other) + rest, ind + 1, ctx)
                return
            self.simple(st, ind, ctx)
            if isinstance(st, (M.Goto, M.Exit)):
                return
        self.finish(ind, ctx, None)

    def finish(self, ind: int, ctx: Ctx, pc: int | None) -> None:
        """End the path: set the next pc (None: fall through) and yield the state."""
        lay, tb = self.m.layout, ctx.tb
        if ctx.terminal == "step":
            target = ctx.next_pc if pc is None else pc
            if target in (M.PC_DONE, M.PC_FREED):
                self.exit(ind, tb, target)
            elif target == M.PC_RETURN:
                bit = 1 << ctx.handler  # type: ignore[operator]
                self.out(ind, f"_d = v[{tb} + {lay.depth}] - 1")
                self.out(ind, f"v[{tb}] = v[{tb} + {lay.saved} + _d]")
                self.out(ind, f"v[{tb} + {lay.saved} + _d] = 0")
                self.out(ind, f"v[{tb} + {lay.depth}] = _d")
                self.out(ind, f"v[{tb} + {lay.active}] &= ~{bit}")
            else:
                self.out(ind, f"v[{tb}] = {target}")
        elif ctx.terminal == "dtor":
            self.out(ind, f"if not v[{tb} + {lay.dtors}] & ~FREE_BIT:")
            self.out(ind + 1, f"v[{tb}] = {M.PC_FREED} if v[{tb} + {lay.dtors}] else {M.PC_DONE}")
            self.out(ind + 1, f"v[{tb} + 2:{tb} + STRIDE] = CLEARED")
        if ctx.forks:
            self.out(ind, "for _cb, _sl in _fk:")
            self.out(ind + 1, f"v[_cb] = v[{tb}]")
            self.out(ind + 1, f"v[_cb + 2:_cb + STRIDE] = v[{tb} + 2:{tb} + STRIDE]")
            self.out(ind + 1, "if _sl:")
            self.out(ind + 2, "v[_cb + _sl] = None")
        self.out(ind, "yield (tuple(v), _ch)" if ctx.labelled else ctx.give("tuple(v)", state=True))

    def exit(self, ind: int, tb: str, final: int) -> None:
        """Finish the running thread (its block at `tb`), through its destructors if it
        registered any."""
        dt = self.m.layout.dtors
        if dt is not None:
            self.out(ind, f"if v[{tb} + {dt}]:")
            self.out(ind + 1, f"v[{tb}] = {M.PC_EXITING}")
            lay = self.m.layout
            if lay.stride > lay.locals_start:  # the thread function has returned
                self.out(ind + 1, f"v[{tb} + {lay.locals_start}:{tb} + STRIDE] = "
                                  f"[0] * {lay.stride - lay.locals_start}")
            if final == M.PC_FREED:
                self.out(ind + 1, f"v[{tb} + {dt}] |= FREE_BIT")
            self.out(ind, "else:")
            ind += 1
        self.out(ind, f"v[{tb}] = {final}")
        self.out(ind, f"v[{tb} + 2:{tb} + STRIDE] = CLEARED")

    def fail(self, ind: int, ctx: Ctx, prop: str, message: str) -> None:
        failure = f"Failure({prop!r}, {message}, tuple(v))"
        self.out(ind, f"yield ({failure}, _ch)" if ctx.labelled else ctx.give(failure))
        if not ctx.straight:
            self.out(ind, ctx.end_path())

    def simple(self, st: M.Stmt, ind: int, ctx: Ctx) -> None:
        if isinstance(st, M.Assign):
            self.assign(st.target, st.value, ind, ctx, st.pos)
        elif isinstance(st, M.Let):
            self.bound_types[st.var.uid] = st.var.type
            self.out(ind, f"_b{st.var.uid} = {self.ex(st.value, ctx)}")
        elif isinstance(st, M.Await):
            self.out(ind, f"if not {self.ex(st.cond, ctx)}:")
            self.out(ind + 1, ctx.end_path())
        elif isinstance(st, M.Assert):
            self.out(ind, f"if not {self.ex(st.cond, ctx)}:")
            self.fail(ind + 1, ctx, st.prop, repr(st.message))
        elif isinstance(st, M.If):
            self.out(ind, f"if {self.ex(st.cond, ctx)}:")
            self.body(list(st.then), ind + 1, ctx)
            if st.other:
                self.out(ind, "else:")
                self.body(list(st.other), ind + 1, ctx)
        elif isinstance(st, M.Goto):
            self.finish(ind, ctx, st.pc)
            if not ctx.straight:
                self.out(ind, ctx.end_path())
        elif isinstance(st, M.Exit):
            self.finish(ind, ctx, M.PC_FREED if st.free else M.PC_DONE)
            if not ctx.straight:
                self.out(ind, ctx.end_path())
        elif isinstance(st, M.Spawn):
            self.spawn(st, ind, ctx)
        elif isinstance(st, M.Fork):
            self.fork(st, ind, ctx)
        elif isinstance(st, M.Free):
            t = self.fresh("_f")
            self.out(ind, f"{t} = {self.ex(st.thread, ctx)}")
            self.out(ind, f"if v[TB + {t} * STRIDE] != {M.PC_DONE}:")
            self.fail(ind + 1, ctx, "bounds", f"_free_error(v, {t}, {ctx.me})")
            self.out(ind, f"v[TB + {t} * STRIDE] = {M.PC_FREED}")
        elif isinstance(st, M.SigOp):
            lay = self.m.layout
            slot = {"install": lay.installed, "uninstall": lay.installed, "mask": lay.masked,
                    "unmask": lay.masked, "on_exit": lay.dtors}[st.op]
            bit = 1 << st.index
            op = f"|= {bit}" if st.op in ("install", "mask", "on_exit") else f"&= ~{bit}"
            self.out(ind, f"v[{ctx.tb} + {slot}] {op}")
        else:
            raise AssertionError(st)

    def body(self, stmts: list[M.Stmt], ind: int, ctx: Ctx) -> None:
        """A deterministic block inside an `if`; goto/exit end the path themselves."""
        if not stmts:
            self.out(ind, "pass")
        for st in stmts:
            self.simple(st, ind, ctx)

    def either(self, st: M.Either, rest: list[M.Stmt], ind: int, ctx: Ctx) -> None:
        """Each branch in a one-pass loop of its own, so `continue` abandons just it; its
        leading awaits run before the state is copied."""
        saved = self.fresh("_sv")
        self.save(saved, ind, ctx)
        inner = replace(ctx, loops=ctx.loops + 1)
        for k, block in enumerate(st.blocks):
            self.out(ind, "for _ in ONCE:")
            self.out(ind + 1, f"v = {saved}")
            body = self.guards(list(block), ind + 1, inner)
            self.out(ind + 1, f"v = list({saved})")
            if ctx.forks:
                self.out(ind + 1, f"_fk = {saved}_fk")
            if ctx.labelled:
                self.out(ind + 1, f"_ch = {saved}_ch + (('either', {k + 1}, {st.names!r}),)")
            self.seq(body + rest, ind + 1, inner)

    def guards(self, stmts: list[M.Stmt], ind: int, ctx: Ctx) -> list[M.Stmt]:
        """Emit the leading awaits (they only read) and return the statements after them."""
        n = 0
        while n < len(stmts) and isinstance(stmts[n], M.Await):
            self.simple(stmts[n], ind, ctx)
            n += 1
        return stmts[n:]

    def save(self, saved: str, ind: int, ctx: Ctx) -> None:
        """Snapshot what each loop iteration must start from."""
        self.out(ind, f"{saved} = v")
        if ctx.labelled:
            self.out(ind, f"{saved}_ch = _ch")
        if ctx.forks:
            self.out(ind, f"{saved}_fk = _fk")

    def choose(self, st: M.Choose, rest: list[M.Stmt], ind: int, ctx: Ctx) -> None:
        saved = self.fresh("_sv")
        self.bound_types[st.var.uid] = st.var.type
        var = f"_b{st.var.uid}"
        self.save(saved, ind, ctx)
        self.out(ind, f"for {var} in {self.domain(st.domain, ctx)}:")
        inner = replace(ctx, loops=ctx.loops + 1)
        self.out(ind + 1, f"v = {saved}")
        if st.where is not None:
            self.out(ind + 1, f"if not {self.ex(st.where, inner)}:")
            self.out(ind + 2, "continue")
        body = self.guards(list(st.body), ind + 1, inner)
        self.out(ind + 1, f"v = list({saved})")
        if ctx.forks:
            self.out(ind + 1, f"_fk = {saved}_fk")
        if ctx.labelled:
            self.out(ind + 1,
                     f"_ch = {saved}_ch + (({st.var.name!r}, {var}, {st.var.uid}),)")
        self.seq(body + rest, ind + 1, inner)

    def allocate(self, ind: int, ctx: Ctx) -> str:
        """A new thread id for spawn or fork; none left ends this path as BOUND."""
        child = self.fresh("_c")
        self.out(ind, f"{child} = _alloc(v)")
        self.out(ind, f"if {child} is None:")
        self.out(ind + 1, "yield (BOUND, _ch)" if ctx.labelled else ctx.give("BOUND"))
        if not ctx.straight:
            self.out(ind + 1, ctx.end_path())
        return child

    def spawn(self, st: M.Spawn, ind: int, ctx: Ctx) -> None:
        t = self.m.templates[st.template]
        args = [self.ex(a, ctx) for a in st.args]
        child = self.allocate(ind, ctx)
        base = self.fresh("_cb")
        self.out(ind, f"{base} = TB + {child} * STRIDE")
        vals = self.fresh("_a")
        self.out(ind, f"{vals} = ({''.join(a + ', ' for a in args)})")
        first = t.steps[0].pc
        self.out(ind, f"v[{base}] = {first}")
        self.out(ind, f"v[{base} + 1] = {ctx.me if st.parent else 'None'}")
        lay = self.m.layout
        if st.parent and lay.installed is not None:
            # like pthread_create: the spawner's handlers and signal mask carry over
            for slot in (lay.installed, lay.masked):
                self.out(ind, f"v[{base} + {slot}] = v[{ctx.tb} + {slot}]")
        for k, p in enumerate(t.params):
            self.check_range(p.type, f"{vals}[{k}]", ind, ctx,
                             f"argument '{p.name}' of {t.name}")
            self.out(ind, f"v[{base} + {p.slot}] = {vals}[{k}]")
        child_ctx = replace(ctx, tb=base, me=child)
        for tl in self.m.thread_locals:
            assert tl.init is not None
            self.assign(M.TlsPlace(tl.type, tl.name, tl.slot, None), tl.init, ind, child_ctx,
                        tl.pos)
        for loc in t.locals:
            assert loc.init is not None
            self.assign(M.LocalPlace(loc.type, loc.name, loc.slot), loc.init, ind,
                        child_ctx, loc.pos, value_ctx=child_ctx)
        if isinstance(st.target, M.Bound):
            self.bound_types[st.target.uid] = st.target.type
            self.out(ind, f"_b{st.target.uid} = {child}")
        elif st.target is not None:
            self.out(ind, f"{self.place(st.target, ctx)} = {child}")

    def fork(self, st: M.Fork, ind: int, ctx: Ctx) -> None:
        """Reserve the child's id now; `finish` copies the parent's block into it."""
        child = self.allocate(ind, ctx)
        self.out(ind, f"v[TB + {child} * STRIDE] = -1")
        self.out(ind, f"v[TB + {child} * STRIDE + 1] = {ctx.me}")
        own = st.target is not None and (
            isinstance(st.target, M.LocalPlace)
            or isinstance(st.target, M.TlsPlace) and st.target.thread is None)
        slot = st.target.slot if own else 0  # type: ignore[union-attr]
        self.out(ind, f"_fk = _fk + ((TB + {child} * STRIDE, {slot}),)")
        if isinstance(st.target, M.Bound):
            self.bound_types[st.target.uid] = st.target.type
            self.out(ind, f"_b{st.target.uid} = {child}")
        elif st.target is not None:
            self.out(ind, f"{self.place(st.target, ctx)} = {child}")

    def assign(self, target: M.TExpr, value: M.TExpr, ind: int, ctx: Ctx, pos: Any,
               value_ctx: Ctx | None = None) -> None:
        code = self.ex(value, value_ctx or ctx)
        checks = _range_slots(target.type)
        if checks and not _same_ranges(value, target.type):
            tmp = self.fresh("_x")
            self.out(ind, f"{tmp} = {code}")
            code = tmp
            if not is_compound(target.type):
                self.check_range(target.type, tmp, ind, ctx, _describe(target))
            else:
                self.out(ind, f"_bad = _check_slots({tmp}, {checks!r})")
                self.out(ind, "if _bad is not None:")
                tail = f" leaves its range in {_describe(target)}"
                self.fail(ind + 1, ctx, "bounds", f"'value ' + str(_bad) + {tail!r}")
        if not is_compound(target.type):
            self.out(ind, f"{self.place(target, ctx)} = {code}")
        else:
            root, off = self.offset(target, ctx)
            self.out(ind, f"{root}[{off}:{off} + {target.type.width()}] = {code}")

    def check_range(self, t: Type, code: str, ind: int, ctx: Ctx, what: str) -> None:
        inner = t.inner if isinstance(t, OptionalType) else t
        if isinstance(inner, IntType) and inner.lo is not None:
            test = f"{inner.lo} <= {code} <= {inner.hi}"
            if isinstance(t, OptionalType):
                test = f"{code} is None or {test}"
            self.out(ind, f"if not ({test}):")
            tail = f" is outside {inner} in {what}"
            self.fail(ind + 1, ctx, "bounds", f"'value ' + str({code}) + {tail!r}")

    # ---------------------------------------------------------- expressions
    def offset(self, e: M.TExpr, ctx: Ctx) -> tuple[str, str]:
        """(container, offset) of a place or of a part of a compound value."""
        if isinstance(e, M.GlobalPlace):
            return "v", str(e.offset)
        if isinstance(e, M.LocalPlace):
            return "v", f"{ctx.tb} + {e.slot}"
        if isinstance(e, M.TlsPlace):
            if e.thread is None:
                return "v", f"{ctx.tb} + {e.slot}"
            return "v", f"TB + {self.ex(e.thread, ctx)} * STRIDE + {e.slot}"
        if isinstance(e, M.IndexPlace):
            root, off = self.offset(e.base, ctx) if addressable(e.base) else \
                (f"({self.ex(e.base, ctx)})", "0")
            key = e.base.type.key  # type: ignore[attr-defined]
            idx = self.ex(e.index, ctx)
            if isinstance(key, IntType):
                exact = isinstance(e.index.type, IntType) and e.index.type.lo is not None and \
                    key.lo <= e.index.type.lo and e.index.type.hi <= key.hi  # type: ignore
                idx = _minus(idx, key.lo) if exact else self.checked_index(idx, key)
            w = e.type.width()
            pos = idx if w == 1 else f"{idx} * {w}"
            return root, pos if off == "0" else f"{off} + {pos}"
        if isinstance(e, M.FieldPlace):
            root, off = self.offset(e.base, ctx) if addressable(e.base) else \
                (f"({self.ex(e.base, ctx)})", "0")
            return root, f"{off} + {e.offset}"
        raise AssertionError(e)

    def checked_index(self, idx: str, key: IntType) -> str:
        """The position of `idx` in lo..hi, checked inline: `_ix` is only called to raise."""
        t = self.fresh("_i")
        return f"({_minus(t, key.lo)} if {key.lo} <= ({t} := {idx}) <= {key.hi} " \
               f"else _ix({t}, {key.lo}, {key.hi}))"

    def place(self, e: M.TExpr, ctx: Ctx) -> str:
        root, off = self.offset(e, ctx)
        return f"{root}[{off}]"

    def domain(self, d: M.Domain, ctx: Ctx) -> str:
        values = tuple(d.type.values())
        if d.set_expr is None:
            return repr(values)
        return f"_members({self.ex(d.set_expr, ctx)}, {values!r})"

    def ex(self, e: M.TExpr, ctx: Ctx) -> str:
        if isinstance(e, M.Const):
            return repr(e.value)
        if M.is_place(e):
            root, off = self.offset(e, ctx)
            w = e.type.width()
            return f"tuple({root}[{off}:{off} + {w}])" if is_compound(e.type) else f"{root}[{off}]"
        if isinstance(e, M.Bound):
            return f"_b{e.uid}"
        if isinstance(e, M.SelfTid):
            return ctx.me
        if isinstance(e, M.Builtin):
            return self.builtin(e, ctx)
        if isinstance(e, M.DefCall):
            args = "".join(", " + self.ex(a, ctx) for a in e.args)
            return f"_d_{e.name}(v{args})"
        if isinstance(e, M.Unary):
            x = self.ex(e.operand, ctx)
            if e.op == "range":
                return f"_rng({x}, {e.type.lo}, {e.type.hi})"  # type: ignore[attr-defined]
            return f"(not {x})" if e.op == "!" else f"(-{x})"
        if isinstance(e, M.Unwrap):
            return f"_u({self.ex(e.operand, ctx)}, {str(e.pos)!r})"
        if isinstance(e, M.Binary):
            return self.binary(e, ctx)
        if isinstance(e, M.SetOf):
            elem = e.type.elem  # type: ignore[attr-defined]
            bits = " | ".join(
                f"(1 << {elem.index_code(self.ex(i, ctx))})" if _within(i.type, elem)
                else f"_bit({self.ex(i, ctx)}, {elem.lo}, {elem.hi})" for i in e.items)
            return f"({bits})"
        if isinstance(e, M.Compound):
            parts = [(f"*{self.ex(i, ctx)}" if is_compound(i.type) else self.ex(i, ctx))
                     for i in e.items]
            return "(" + "".join(p + ", " for p in parts) + ")"
        if isinstance(e, M.Quant):
            self.bound_types[e.var.uid] = e.var.type
            var, dom = f"_b{e.var.uid}", self.domain(e.domain, ctx)
            body = self.ex(e.body, ctx)
            if e.kind in ("forall", "exists"):
                # Over a symmetric type every element is evaluated, so whether an element
                # fails to evaluate is seen whatever order the renamed ids come in.
                items = f"{body} for {var} in {dom}"
                if e.domain.type in self.m.symmetric:
                    items = f"[{items}]"
                return f"{'all' if e.kind == 'forall' else 'any'}({items})"
            if e.kind == "count":
                return f"sum(1 for {var} in {dom} if {body})"
            idx = e.domain.type.index_code(var)
            return f"sum(1 << {idx} for {var} in {dom} if {body})"
        if isinstance(e, M.Ite):
            return f"({self.ex(e.then, ctx)} if {self.ex(e.test, ctx)} else " \
                   f"{self.ex(e.other, ctx)})"
        raise AssertionError(e)

    def binary(self, e: M.Binary, ctx: Ctx) -> str:
        a, b = self.ex(e.left, ctx), self.ex(e.right, ctx)
        op = e.op
        if op == "&&":
            return f"({a} and {b})"
        if op == "||":
            return f"({a} or {b})"
        if op == "->":
            return f"((not {a}) or {b})"
        if op == "in":
            elem = e.right.type.elem  # type: ignore[attr-defined]
            if _within(e.left.type, elem):
                return f"(({b} >> {elem.index_code(a)}) & 1 == 1)"
            return f"_in({b}, {a}, {elem.lo}, {elem.hi})"  # not a member if outside the type
        if isinstance(e.type, SetType) and op == "-":
            return f"({a} & ~{b})"
        if op == "/":
            return f"_div({a}, {b})"
        if op == "%":
            return f"_mod({a}, {b})"
        return f"({a} {op} {b})"

    def builtin(self, e: M.Builtin, ctx: Ctx) -> str:
        args = [self.ex(a, ctx) for a in e.args]
        if e.name == "size":
            return f"({args[0]}).bit_count()"
        if e.name == "free_threads":
            return "_free_count(v)"
        if e.name == "ancestor":
            return f"_anc(v, {args[0]}, {args[1]})"
        pc = f"v[TB + {args[0]} * STRIDE]"
        if e.name == "alive":
            return f"({pc} >= {M.PC_EXITING})"
        if e.name == "done":
            return f"({M.PC_DONE} <= {pc} <= {M.PC_FREED})"
        if e.name == "freed":
            return f"({pc} == {M.PC_FREED})"
        if e.name == "parent":
            return f"v[TB + {args[0]} * STRIDE + 1]"
        raise AssertionError(e.name)


def _minus(code: str, lo: int) -> str:
    return code if lo == 0 else f"({code} - {lo})"


def _within(t: Type, elem: Type) -> bool:
    """Whether values of type t always index into a set of `elem` (no run-time check)."""
    if not isinstance(elem, IntType):
        return True
    inner = t.inner if isinstance(t, OptionalType) else t
    return isinstance(inner, IntType) and inner.lo is not None and \
        elem.lo <= inner.lo and inner.hi <= elem.hi  # type: ignore[operator]


def _range_slots(t: Type, off: int = 0) -> list[tuple[int, int, int]]:
    """(slot, lo, hi) for every bounded-int slot in a value of type t."""
    inner = t.inner if isinstance(t, OptionalType) else t
    if isinstance(inner, IntType) and inner.lo is not None:
        return [(off, inner.lo, inner.hi)]  # type: ignore[list-item]
    if isinstance(t, ArrayType):
        w = t.elem.width()
        return [c for k in range(len(t.key.values())) for c in _range_slots(t.elem, off + k * w)]
    if isinstance(t, RecordType):
        out = []
        for name, ft in t.fields:
            out += _range_slots(ft, off + t.field(name)[0])  # type: ignore[index]
        return out
    return []


def _same_ranges(value: M.TExpr, target: Type) -> bool:
    """Whether a value is known to fit the target's ranges without a run-time check."""
    if isinstance(value, M.Const):
        return True  # constants were checked against the target by the checker
    vt = value.type.inner if isinstance(value.type, OptionalType) else value.type
    tt = target.inner if isinstance(target, OptionalType) else target
    if isinstance(vt, IntType) and isinstance(tt, IntType):
        return vt.lo is not None and tt.lo <= vt.lo and vt.hi <= tt.hi  # type: ignore
    return M.is_place(value) and value.type == target


def _describe(target: M.TExpr) -> str:
    if isinstance(target, (M.GlobalPlace, M.LocalPlace)):
        return f"'{target.name}'"
    if isinstance(target, M.IndexPlace):
        return _describe(target.base).rstrip("'") + "[...]'"
    if isinstance(target, M.FieldPlace):
        return _describe(target.base).rstrip("'") + f".{target.name}'"
    return "a value"

