"""The steps of thread templates executed symbolically over unbounded states.

A step is executed path by path: `either` and `if` fork paths, `choose` over
thread ids binds a fresh id constrained to its domain, `spawn` takes a fresh id
that is unused in the state (so any pool's behaviours are behaviours of this
encoding) and records its ancestry. A path ends at `goto` or `exit`, or at the
end of the step. Assertions, `none` unwrapped and out-of-range values add
`Failure`s instead of successors. A spawned thread's thread_locals start at
their initialisers; a finished thread's are zeroed (`cleared`).
A forked child is its parent's copy at the end of the step (`copied`).
A step is one `Action`: entering a signal handler and running an exit destructor are
actions too, started and ended by the engines' rules in `unbounded_signals`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import z3

from ..ir import model as M
from ..ir.typesys import EnumType, IntType, OptionalType, TidType, Type, is_compound
from ..lang.errors import Pos
from .encoder import Encoder, Unsupported
from .pool_slots import leaves
from .unbounded_compound import fit, splice, stored_element
from .unbounded_expressions import UnboundedExpressions
from .unbounded_signals import Action, Signals
from .unbounded_state import (
    Ctx,
    Failure,
    Opt,
    Path,
    State,
    at,
    empty_set,
    local_key,
    not_supported,
    same,
    sort,
    store,
    tid_sort,
    typed_value,
    value_range,
)


class UnboundedSteps(Encoder):
    """`visit(st, q, me, fails)`: the paths after st, for thread `me`, on path q."""

    covers = ("statements",)

    def __init__(self, model: M.Model, path: str, counter: Iterator[int],
                 exprs: UnboundedExpressions):
        super().__init__()
        self.m = model
        self.path = path
        self.counter = counter
        self.exprs = exprs
        self.await_log: list[tuple[Pos, z3.BoolRef]] | None = None  # see `await_guards`
        self.signals = Signals(model)

    def refusal(self, st: M.Stmt, *args: Any) -> str:
        return not_supported(type(st).__name__.lower(), self.path, st.pos)

    def visit_SigOp(self, st: M.SigOp, q: Path, me: z3.ExprRef,
                    fails: list[Failure]) -> list[Path]:
        q.state = self.signals.op(st, q.state, me)
        return [q]

    def visit_Free(self, st: M.Free, q: Path, me: z3.ExprRef,
                   fails: list[Failure]) -> list[Path]:
        """Freeing a thread that has not finished (or twice) fails `bounds`, as in the
        engines; otherwise its object is gone."""
        who = self.exprs.visit(st.thread, self._ctx(st, q, me, fails))
        finished = q.state.pc[who] == M.PC_DONE
        fails.append(Failure("bounds", "free of a thread that has not finished",
                             z3.And(q.guard + [z3.Not(finished)]), st.pos))
        q.guard.append(finished)
        q.state = replace(q.state, pc=z3.Store(q.state.pc, who, M.PC_FREED))
        return [q]

    def paths(self, a: Action, s: State, t: State, me: z3.ExprRef,
              fails: list[Failure]) -> list[list[z3.BoolRef]]:
        """The guard of each way `me` may take action a from s to t (t: where it ends)."""
        guard, begun = self.signals.start(a, s, me)
        out = []
        for p in self.run(list(a.body), Path(guard, begun), me, fails):
            end = self.ended(a, p, me)
            for child, target in p.children:
                end = self.copied(end, me, child, target)
            out.append(p.guard + [same(end, t)])
        return out

    def ended(self, a: Action, p: Path, me: z3.ExprRef) -> State:
        """The state after a path of action a, as the engines end a step: at its next pc,
        through the thread's destructors, back from a handler, or after a destructor."""
        s = p.state
        if a.destructor is not None:
            done = replace(s, pc=z3.Store(s.pc, me, self.signals.finished_pc(s, me)))
            return self.signals.end_destructor(s, me, self.cleared(done, me))
        nxt = a.fallthrough if p.next_pc is None else p.next_pc
        if nxt == M.PC_RETURN:
            assert a.handler is not None
            return self.signals.ret(s, me, a.handler)
        end = replace(s, pc=z3.Store(s.pc, me, nxt))
        if nxt in (M.PC_DONE, M.PC_FREED):
            return self.signals.exit(s, me, nxt, self.cleared(end, me))
        return end

    def cleared(self, s: State, me: z3.ExprRef) -> State:
        """A finished thread's thread_locals and runtime slots zeroed, as the engines clear
        its block (another thread may still read them with `x@t`, and mined lemmas such as
        `!held -> !mine@a` count on it)."""
        tls = {tl.name: store(s.tls[tl.name], me, self.zero(tl.type))
               for tl in self.m.thread_locals}
        return self.signals.cleared(replace(s, tls=tls), me)

    def copied(self, s: State, me: z3.ExprRef, c: z3.ExprRef, target: M.TExpr | None) -> State:
        """A forked child at the end of the step: a copy of its parent's pc, thread_locals
        and locals as the step left them (the engines copy the block then), its parent
        `me`, me and me's ancestors its ancestors, and its copy of the fork's target (when
        that is the parent's own local or thread_local) none."""
        a, b = z3.Consts("a b", tid_sort())
        anc = z3.Lambda([a, b], z3.If(b == c, z3.Or(a == me, s.anc[a, me]), s.anc[a, b]))
        parent = Opt(z3.Store(s.parent.none, c, False), z3.Store(s.parent.val, c, me))

        def copy(arr: Any) -> Any:
            return store(arr, c, at(arr, me))

        tls = {n: copy(arr) for n, arr in s.tls.items()}
        locals_ = {n: copy(arr) for n, arr in s.locals.items()}
        none = Opt(z3.BoolVal(True), z3.FreshConst(tid_sort()))
        if isinstance(target, M.TlsPlace) and target.thread is None:
            tls[target.name] = store(tls[target.name], c, none)
        elif isinstance(target, M.LocalPlace):
            key = local_key(self.m, target.name, target.slot)
            locals_[key] = store(locals_[key], c, none)
        return replace(s, pc=z3.Store(s.pc, c, s.pc[me]), parent=parent, anc=anc, tls=tls,
                       locals=locals_, sig={n: copy(arr) for n, arr in s.sig.items()})

    def zero(self, t: Type) -> Any:
        """What a zeroed slot of type t reads as in the engines (`values.decode` of 0):
        false, 0 (an enum's first member), thread 0, the empty set; a `T?` is not none."""
        if isinstance(t, OptionalType):
            return Opt(z3.BoolVal(False), self.zero(t.inner))
        if is_compound(t):
            return [self.zero(leaf) for leaf in leaves(t)]
        if isinstance(t, TidType):  # `UnboundedEncoding` refuses this without a start line
            return self.exprs.starts[0]
        k = sort(t, "a thread_local")
        if k == z3.BoolSort():
            return z3.BoolVal(False)
        if k == z3.IntSort():
            return z3.IntVal(0)
        return empty_set(t)

    def run(self, stmts: list[M.Stmt], p: Path, me: z3.ExprRef,
            fails: list[Failure]) -> list[Path]:
        paths = [p]
        for st in stmts:
            nxt: list[Path] = []
            for q in paths:
                if q.next_pc is not None:
                    nxt.append(q)
                    continue
                nxt += self.visit(st, q, me, fails)
            paths = nxt
        return paths

    def _ctx(self, st: M.Stmt, q: Path, me: z3.ExprRef, fails: list[Failure]) -> Ctx:
        return Ctx(q.state, me, q.env, q, fails, st.pos)

    def visit_Either(self, st: M.Either, q: Path, me: z3.ExprRef,
                     fails: list[Failure]) -> list[Path]:
        out: list[Path] = []
        for block in st.blocks:
            out += self.run(list(block), q.fork(z3.BoolVal(True)), me, fails)
        return out

    def visit_If(self, st: M.If, q: Path, me: z3.ExprRef, fails: list[Failure]) -> list[Path]:
        cond = self.exprs.visit(st.cond, self._ctx(st, q, me, fails))
        out: list[Path] = []
        for branch, test in ((st.then, cond), (st.other, z3.Not(cond))):
            out += self.run(list(branch), q.fork(test), me, fails)
        return out

    def visit_Choose(self, st: M.Choose, q: Path, me: z3.ExprRef,
                     fails: list[Failure]) -> list[Path]:
        t = st.domain.type
        if not isinstance(t, (TidType, EnumType)) and not (isinstance(t, IntType) and
                                                          t.lo is not None):
            raise Unsupported(not_supported("choose over a domain other than tid, an enum or "
                                            "an int range", self.path, st.pos))
        name = f"{q.state.prefix}choose{next(self.counter)}"
        v = z3.Const(name, tid_sort()) if isinstance(t, TidType) else z3.Int(name)
        ctx = self._ctx(st, q, me, fails)
        guard = [self.exprs.in_domain(st.domain, v, ctx), value_range(t, v)]
        env = {**q.env, st.var.uid: v}
        if st.where is not None:
            guard.append(self.exprs.visit(st.where, ctx.with_env(env)))
        start = Path(q.guard + guard, q.state, env, children=q.children)
        return self.run(list(st.body), start, me, fails)

    def visit_Await(self, st: M.Await, q: Path, me: z3.ExprRef,
                    fails: list[Failure]) -> list[Path]:
        q.guard.append(self.exprs.visit(st.cond, self._ctx(st, q, me, fails)))
        if self.await_log is not None:
            self.await_log.append((st.pos, z3.And(q.guard)))
        return [q]

    def visit_Assert(self, st: M.Assert, q: Path, me: z3.ExprRef,
                     fails: list[Failure]) -> list[Path]:
        cond = self.exprs.visit(st.cond, self._ctx(st, q, me, fails))
        fails.append(Failure(st.prop, st.message, z3.And(q.guard + [z3.Not(cond)]), st.pos))
        q.guard.append(cond)
        return [q]

    def visit_Let(self, st: M.Let, q: Path, me: z3.ExprRef, fails: list[Failure]) -> list[Path]:
        q.env[st.var.uid] = self.exprs.visit(st.value, self._ctx(st, q, me, fails))
        return [q]

    def visit_Assign(self, st: M.Assign, q: Path, me: z3.ExprRef,
                     fails: list[Failure]) -> list[Path]:
        value = fit(st.target.type, self.exprs.visit(st.value, self._ctx(st, q, me, fails)))
        inside = typed_value(st.target.type, value)
        if not z3.is_true(inside):  # leaving the declared range fails `bounds`
            fails.append(Failure("bounds", "value out of range",
                                 z3.And(q.guard + [z3.Not(inside)]), st.pos))
            q.guard.append(inside)
        q.state = self.assign(st.target, value, q.state, me, self._ctx(st, q, me, fails))
        return [q]

    def visit_Goto(self, st: M.Goto, q: Path, me: z3.ExprRef, fails: list[Failure]) -> list[Path]:
        q.next_pc = st.pc
        return [q]

    def visit_Exit(self, st: M.Exit, q: Path, me: z3.ExprRef, fails: list[Failure]) -> list[Path]:
        q.next_pc = M.PC_FREED if st.free else M.PC_DONE
        return [q]

    def visit_Spawn(self, st: M.Spawn, q: Path, me: z3.ExprRef,
                    fails: list[Failure]) -> list[Path]:
        ctx = self._ctx(st, q, me, fails)
        c = z3.Const(f"{q.state.prefix}child{next(self.counter)}", tid_sort())
        s = q.state
        t = self.m.templates[st.template]
        q.guard.append(s.pc[c] == M.PC_UNUSED)
        a, b = z3.Consts("a b", tid_sort())
        anc = z3.Lambda([a, b], z3.If(b == c, z3.Or(a == me, s.anc[a, me]), s.anc[a, b]))
        parent = Opt(z3.Store(s.parent.none, c, False), z3.Store(s.parent.val, c, me))
        locals_ = dict(s.locals)
        for p, arg in zip(t.params, st.args):  # the arguments, in the spawner's state
            locals_[f"{t.name}.{p.name}"] = store(locals_[f"{t.name}.{p.name}"], c,
                                                  self.exprs.visit(arg, ctx))
        s = replace(s, pc=z3.Store(s.pc, c, t.steps[0].pc), parent=parent, locals=locals_,
                    anc=anc)
        s = self.signals.inherit(s, me, c)
        # as in the engines, the child's thread_locals and then its template's locals take
        # their initialisers in order, each evaluated as the child over the state the
        # earlier ones left (its pc, parent and arguments already set)
        for tl in self.m.thread_locals:
            assert tl.init is not None
            init = self.exprs.visit(tl.init, Ctx(s, c, q.env, q, ctx.fails, st.pos))
            s = replace(s, tls={**s.tls, tl.name: store(s.tls[tl.name], c, init)})
        for loc in t.locals:
            assert loc.init is not None
            key = f"{t.name}.{loc.name}"
            init = self.exprs.visit(loc.init, Ctx(s, c, q.env, q, ctx.fails, st.pos))
            s = replace(s, locals={**s.locals, key: store(s.locals[key], c, init)})
        q.state = s
        if isinstance(st.target, M.Bound):
            q.env[st.target.uid] = c
        elif st.target is not None:
            q.state = self.assign(st.target, c, q.state, me, ctx)
        return [q]

    def visit_Fork(self, st: M.Fork, q: Path, me: z3.ExprRef,
                   fails: list[Failure]) -> list[Path]:
        """The child takes an unused id now (reserved, as the engines mark it, so that a
        later spawn or fork of the step takes another) and is filled in by `copied`."""
        c = z3.Const(f"{q.state.prefix}fork{next(self.counter)}", tid_sort())
        q.guard.append(q.state.pc[c] == M.PC_UNUSED)
        q.state = replace(q.state, pc=z3.Store(q.state.pc, c, -1))
        own = st.target if isinstance(st.target, (M.LocalPlace, M.TlsPlace)) else None
        q.children += ((c, own),)
        if st.target is not None:
            q.state = self.assign(st.target, c, q.state, me, self._ctx(st, q, me, fails))
        return [q]

    def assign(self, target: M.TExpr, value: Any, s: State, me: z3.ExprRef,
               ctx: Ctx) -> State:
        """s with target set to value; ctx evaluates the thread of an `x@t` target and the
        indices of a part of an array or record, whose whole value is written back with
        that part replaced (an index outside the key fails `runtime`, as it raises in the
        engines)."""
        value = fit(target.type, value)
        if isinstance(target, (M.IndexPlace, M.FieldPlace)):
            here = Ctx(s, ctx.me, ctx.env, ctx.path, ctx.fails, ctx.pos, ctx.universe)
            whole = self.exprs.visit(target.base, here)
            if isinstance(target, M.FieldPlace):
                whole = splice(whole, target.offset, target.type, value, None)
            else:
                cases = self.exprs.index_cases(target, here)
                whole = stored_element(whole, target, cases, value)
            return self.assign(target.base, whole, s, me, ctx)
        if isinstance(target, M.GlobalPlace):
            return replace(s, globals={**s.globals, target.name: value})
        if isinstance(target, M.LocalPlace):
            key = local_key(self.m, target.name, target.slot)
            return replace(s, locals={**s.locals, key: store(s.locals[key], me, value)})
        if isinstance(target, M.TlsPlace):  # `x@t = v` writes t's copy, as the engines do
            who = me if target.thread is None else self.exprs.visit(target.thread, ctx)
            return replace(s, tls={**s.tls, target.name: store(s.tls[target.name], who, value)})
        raise Unsupported(f"not supported in --unbounded: assignment to {type(target).__name__}")
