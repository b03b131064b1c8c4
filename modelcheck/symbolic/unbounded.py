"""A z3 encoding of a checked model in which thread ids are an uninterpreted sort.

The explicit engine and `symbolic.py` fix the thread pool; here a state has as
many thread ids as z3's model wants, so an inductive proof over this encoding
holds for every number of threads. Per-thread state is an array indexed by the
sort (`pc`, `parent`, each local), and `ancestor` is a relation kept in the
state and updated at every spawn, the way Ivy keeps transitive closures
first-order. Only what thread protocols like OSv need is supported; anything
else is refused with its location, never approximated silently.

Thread ids of `start` lines are distinct constants, so `self == 0` still names
the first started thread. `free_threads()` is an unconstrained natural number:
any finite pool's behaviours are behaviours of this encoding, which is what
makes the proof hold for every pool size.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import z3

from ..ir import model as M
from ..ir.typesys import (
    BoolType,
    EmptySetType,
    EnumType,
    IntType,
    NoneType,
    OptionalType,
    SetType,
    TidType,
    Type,
)
from ..lang.errors import Pos, SpecError

TID = z3.DeclareSort("Tid")


class Unsupported(SpecError):
    """A construct this encoding cannot express; names it and where it is."""


@dataclass(frozen=True)
class Opt:
    """A `T?` value: `none` is a flag, `val` means something only when the flag is false."""

    none: z3.BoolRef
    val: z3.ExprRef


def _sort(t: Type, where: str) -> z3.SortRef:
    if isinstance(t, BoolType):
        return z3.BoolSort()
    if isinstance(t, (IntType, EnumType)):
        return z3.IntSort()
    if isinstance(t, TidType):
        return TID
    if isinstance(t, SetType) and isinstance(t.elem, TidType):
        return z3.ArraySort(TID, z3.BoolSort())
    raise Unsupported(f"not supported in --unbounded: values of type {t} ({where})")


def _range(t: Type, x: z3.ExprRef) -> z3.BoolRef:
    """The typing constraint of a scalar slot."""
    if isinstance(t, OptionalType):
        raise AssertionError(t)
    if isinstance(t, IntType) and t.lo is not None:
        return z3.And(t.lo <= x, x <= t.hi)  # type: ignore[operator]
    if isinstance(t, EnumType):
        return z3.And(0 <= x, x < len(t.members))  # type: ignore[operator]
    return z3.BoolVal(True)


@dataclass
class State:
    """One symbolic state: globals by name, per-thread arrays, the ancestor relation."""

    prefix: str
    globals: dict[str, Any]
    pc: z3.ArrayRef
    parent: Opt
    locals: dict[str, Any]          # "template.local" -> array over Tid (or Opt of arrays)
    anc: z3.ArrayRef                # anc[a][b]: a is an ancestor of b


@dataclass
class Path:
    """One way through a step: when it is taken, and the state it leaves."""

    guard: list[z3.BoolRef]
    state: State
    env: dict[int, Any] = field(default_factory=dict)
    next_pc: int | None = None


@dataclass
class Failure:
    prop: str
    message: str
    cond: z3.BoolRef
    pos: Pos


class UnboundedEncoding:
    """Build with `encode_unbounded(model)`; every method returns z3 terms."""

    def __init__(self, model: M.Model, path: str):
        self.m = model
        self.path = path
        self.counter = itertools.count()
        self._refuse_unsupported()
        self.starts = [z3.Const(f"start{k}", TID) for k in range(len(model.starts))]
        self.defs = model.defs
        self._steps: dict[tuple[str, str], list[tuple[str, z3.ExprRef, z3.BoolRef]]] = {}
        self._await_log: list[tuple[Pos, z3.BoolRef]] | None = None
        self._failures: dict[str, dict[str, z3.BoolRef]] = {}

    # ------------------------------------------------------------ support
    def _where(self, pos: Pos) -> str:
        return f"at {self.path}:{pos.line}" if pos.line else "in the spec"

    def _refuse(self, what: str, pos: Pos) -> Unsupported:
        return Unsupported(f"not supported in --unbounded: {what} {self._where(pos)}")

    def _refuse_unsupported(self) -> None:
        m = self.m
        if m.thread_locals:
            raise self._refuse("thread_local variables", m.thread_locals[0].pos)
        if m.destructors:
            raise self._refuse("exit destructors", m.destructors[0].pos)
        if m.handlers:
            raise self._refuse("signal handlers", m.handlers[0].pos)
        for v in m.vars:
            if v.choice:
                raise self._refuse(f"a choice of initial values for '{v.name}'", v.pos)
            _sort(v.type.inner if isinstance(v.type, OptionalType) else v.type,
                  f"variable '{v.name}' {self._where(v.pos)}")
        for t in m.templates.values():
            for loc in t.params + t.locals:
                _sort(loc.type.inner if isinstance(loc.type, OptionalType) else loc.type,
                      f"local '{loc.name}' {self._where(loc.pos)}")

    # ------------------------------------------------------------- states
    def _var(self, name: str, t: Type, indexed: bool) -> Any:
        def make(suffix: str, sort: z3.SortRef) -> z3.ExprRef:
            if indexed:
                return z3.Array(name + suffix, TID, sort)
            return z3.Const(name + suffix, sort)
        if isinstance(t, OptionalType):
            return Opt(make(".none", z3.BoolSort()), make("", _sort(t.inner, name)))
        return make("", _sort(t, name))

    def state(self, prefix: str) -> State:
        m = self.m
        return State(
            prefix,
            {v.name: self._var(f"{prefix}{v.name}", v.type, False) for v in m.vars},
            z3.Array(f"{prefix}pc", TID, z3.IntSort()),
            self._var(f"{prefix}parent", OptionalType(TidType(0)), True),
            {f"{t.name}.{loc.name}": self._var(f"{prefix}{t.name}.{loc.name}", loc.type, True)
             for t in m.templates.values() for loc in t.params + t.locals},
            z3.Array(f"{prefix}anc", TID, TID, z3.BoolSort()))

    def typed(self, s: State) -> z3.BoolRef:
        return z3.And(self.ranges(s), self.wellformed(s))

    def ranges(self, s: State) -> z3.BoolRef:
        """Every value in its declared range, every pc a real one.

        A step that would leave a range fails `bounds` and has no successor, so
        reachable states satisfy this by the semantics, not by an argument.
        """
        x = z3.Const("x", TID)
        out = [self._typed_value(v.type, s.globals[v.name]) for v in self.m.vars]
        pcs = [p for p in self.m.steps_by_pc] + [M.PC_UNUSED, M.PC_DONE, M.PC_FREED]
        out.append(z3.ForAll([x], z3.Or([s.pc[x] == p for p in pcs])))
        for t in self.m.templates.values():
            for loc in t.params + t.locals:
                arr = s.locals[f"{t.name}.{loc.name}"]
                value = Opt(arr.none[x], arr.val[x]) if isinstance(arr, Opt) else arr[x]
                rng = self._typed_value(loc.type, value)
                if not z3.is_true(rng):
                    out.append(z3.ForAll([x], rng))
        return z3.And(out)

    def wellformed(self, s: State) -> z3.BoolRef:
        """What holds of thread ids by construction; `mcheck prove` checks it is inductive."""
        x, y = z3.Consts("x y", TID)
        out = [z3.Distinct(*self.starts)] if len(self.starts) > 1 else []
        for c in self.starts:
            out += [s.pc[c] != M.PC_UNUSED, s.parent.none[c]]
        unused = s.pc[x] == M.PC_UNUSED
        # an id never used has no parent and is nobody's ancestor, nor has one
        out.append(z3.ForAll([x], z3.Implies(unused, s.parent.none[x])))
        out.append(z3.ForAll([x, y], z3.Implies(unused, z3.And(z3.Not(s.anc[x, y]),
                                                                z3.Not(s.anc[y, x])))))
        return z3.And(out)

    def _typed_value(self, t: Type, value: Any) -> z3.BoolRef:
        if isinstance(t, OptionalType):
            return z3.Or(value.none, _range(t.inner, value.val))
        return _range(t, value)

    def init(self, s: State) -> z3.BoolRef:
        m = self.m
        x = z3.Const("x", TID)
        out = []
        for v in m.vars:
            out.append(self._eq(s.globals[v.name], self.expr(v.init, _Ctx(s, None))))
        first = {k: m.templates[st.template].steps[0].pc for k, st in enumerate(m.starts)}
        pc_of = z3.IntVal(M.PC_UNUSED)
        for k, c in enumerate(self.starts):
            pc_of = z3.If(x == c, first[k], pc_of)
        out.append(z3.ForAll([x], s.pc[x] == pc_of))
        out.append(z3.ForAll([x], s.parent.none[x]))
        y = z3.Const("y", TID)
        out.append(z3.ForAll([x, y], z3.Not(s.anc[x, y])))
        for st, c in zip(m.starts, self.starts):
            t = m.templates[st.template]
            ctx = _Ctx(s, c)
            for p, a in zip(t.params, st.args):
                out.append(self._eq(self._read_local(s, t, p, c), self.expr(a, ctx)))
            for loc in t.locals:
                assert loc.init is not None
                out.append(self._eq(self._read_local(s, t, loc, c), self.expr(loc.init, ctx)))
        return z3.And(out)

    def invariant(self, inv: M.Invariant, s: State,
                  universe: list[z3.ExprRef] | None = None) -> z3.BoolRef:
        """The invariant's value in state s; with a `universe`, quantifiers over ids range
        over it (a ground formula that a z3 model evaluates to true or false).

        Where the explicit engine would fail to evaluate it (`none` used as a value),
        the value is unconstrained: see `defined` for what a proof must also show.
        """
        return self.expr(inv.expr, _Ctx(s, None, universe=universe))

    def defined(self, inv: M.Invariant, s: State) -> z3.BoolRef:
        """The explicit engine can evaluate the invariant in s, in every order it may try.

        Short-circuits of `&&`, `||`, `->` and `if` are followed exactly; a quantifier
        must be evaluable for every id, which is stronger than the engine needs (it
        stops at the first deciding id), so this only ever makes a proof harder.
        """
        return self._defined(inv.expr, _Ctx(s, None))

    def _defined(self, e: M.TExpr, ctx: _Ctx) -> z3.BoolRef:
        d = self._defined
        if isinstance(e, M.Unwrap):
            return z3.And(d(e.operand, ctx), z3.Not(_opt(self.expr(e.operand, ctx)).none))
        if isinstance(e, M.Binary) and e.op in ("&&", "||", "->"):
            a = self.expr(e.left, ctx)
            short = z3.Not(a) if e.op != "||" else a
            return z3.And(d(e.left, ctx), z3.Or(short, d(e.right, ctx)))
        if isinstance(e, M.Ite):
            return z3.And(d(e.test, ctx), z3.If(self.expr(e.test, ctx), d(e.then, ctx),
                                                d(e.other, ctx)))
        if isinstance(e, M.Unary) and e.op == "range":
            value = self.expr(e.operand, ctx)
            return z3.And(d(e.operand, ctx), _range(e.type, value))
        if isinstance(e, M.DefCall):
            body = self.defs[e.name]
            env = {**ctx.env, **{p.uid: self.expr(a, ctx) for p, a in zip(body.params, e.args)}}
            return z3.And([d(a, ctx) for a in e.args] + [d(body.body, replace_env(ctx, env))])
        if isinstance(e, M.Quant) and isinstance(e.domain.type, TidType):
            v = z3.Const(f"{e.var.name}!{e.var.uid}", TID)
            body = d(e.body, replace_env(ctx, {**ctx.env, e.var.uid: v}))
            dom = d(e.domain.set_expr, ctx) if e.domain.set_expr is not None else z3.BoolVal(True)
            return z3.And(dom, z3.ForAll([v], body))
        if isinstance(e, M.Quant):
            return z3.And([d(e.body, replace_env(ctx, {**ctx.env, e.var.uid: z3.IntVal(x)
                                                       if not isinstance(e.domain.type, BoolType)
                                                       else z3.BoolVal(x)}))
                           for x in e.domain.type.values()])
        parts = [x for x in vars(e).values() if isinstance(x, M.TExpr)]
        parts += [x for v in vars(e).values() if isinstance(v, tuple)
                  for x in v if isinstance(x, M.TExpr)]
        return z3.And([d(x, ctx) for x in parts]) if parts else z3.BoolVal(True)

    # -------------------------------------------------------- transitions
    def steps(self, s: State, t: State) -> list[tuple[str, z3.ExprRef, z3.BoolRef]]:
        """(step name, acting thread, formula) for every step of every template.

        Kept per pair of states, so a CTI is read back through the very formulas
        (and fresh constants) the solver saw.
        """
        key = (s.prefix, t.prefix)
        if key not in self._steps:
            me = z3.Const(f"{t.prefix}self", TID)
            self._steps[key] = [(f"{template.name}.{step.label}", me,
                                 self._step(template, step, s, t, me))
                                for template in self.m.templates.values()
                                for step in template.steps]
        return self._steps[key]

    def trans(self, s: State, t: State) -> z3.BoolRef:
        """Some step leads from s to t; `took(s, t)` names which one in a z3 model."""
        took = self.took(s, t)
        return z3.And(z3.Or([b for _, _, b in took]),
                      *[b == f for (_, _, b), (_, _, f) in zip(took, self.steps(s, t))])

    def took(self, s: State, t: State) -> list[tuple[str, z3.ExprRef, z3.BoolRef]]:
        """(step name, acting thread, a boolean that is true when that step was taken)."""
        return [(name, me, z3.Bool(f"{t.prefix}took.{name}"))
                for name, me, _ in self.steps(s, t)]

    def failures(self, s: State) -> dict[str, z3.BoolRef]:
        """For each assertion, the states from which some step fails it (kept per state)."""
        if s.prefix not in self._failures:
            self._failures[s.prefix] = self._failures_of(s)
        return self._failures[s.prefix]

    def _failures_of(self, s: State) -> dict[str, z3.BoolRef]:
        out: dict[str, list[z3.BoolRef]] = {}
        scratch = self.state(f"{s.prefix}fail.")
        for template in self.m.templates.values():
            for step in template.steps:
                me = z3.Const(f"{s.prefix}fail.self", TID)
                fails: list[Failure] = []
                self._paths(template, step, s, scratch, me, fails)
                for f in fails:
                    out.setdefault(f.prop, []).append(f.cond)
        return {p: z3.Or(c) for p, c in out.items()}

    def await_guards(self, s: State) -> list[tuple[Pos, z3.BoolRef]]:
        """For every `await`: when a thread in state s reaches it and its condition holds."""
        self._await_log = []
        scratch = self.state(f"{s.prefix}await.")
        me = z3.Const(f"{s.prefix}await.self", TID)
        try:
            for template in self.m.templates.values():
                for step in template.steps:
                    self._paths(template, step, s, scratch, me, [])
            return self._await_log
        finally:
            self._await_log = None

    def _step(self, template: M.Template, step: M.Step, s: State, t: State,
              me: z3.ExprRef) -> z3.BoolRef:
        return z3.Or([z3.And(g) for g in self._paths(template, step, s, t, me, [])] or
                     [z3.BoolVal(False)])

    def _paths(self, template: M.Template, step: M.Step, s: State, t: State,
               me: z3.ExprRef, fails: list[Failure]) -> list[list[z3.BoolRef]]:
        idx = template.steps.index(step)
        fallthrough = template.steps[idx + 1].pc if idx + 1 < len(template.steps) \
            else M.PC_DONE
        start = Path([s.pc[me] == step.pc], s)
        out = []
        for p in self._run(list(step.body), start, me, template, fails):
            nxt = fallthrough if p.next_pc is None else p.next_pc
            end = p.state
            end = State(end.prefix, end.globals, z3.Store(end.pc, me, nxt), end.parent,
                        end.locals, end.anc)
            out.append(p.guard + [self._same(end, t)])
        return out

    def _same(self, a: State, b: State) -> z3.BoolRef:
        eqs = [self._eq(b.globals[n], a.globals[n]) for n in a.globals]
        eqs += [b.pc == a.pc, b.parent.none == a.parent.none, b.parent.val == a.parent.val,
                b.anc == a.anc]
        for n, arr in a.locals.items():
            other = b.locals[n]
            if isinstance(arr, Opt):
                eqs += [other.none == arr.none, other.val == arr.val]
            else:
                eqs.append(other == arr)
        return z3.And(eqs)

    def _run(self, stmts: list[M.Stmt], p: Path, me: z3.ExprRef, template: M.Template,
             fails: list[Failure]) -> list[Path]:
        paths = [p]
        for st in stmts:
            nxt: list[Path] = []
            for q in paths:
                if q.next_pc is not None:
                    nxt.append(q)
                    continue
                if isinstance(st, M.Either):
                    for block in st.blocks:
                        nxt += self._run(list(block), _fork(q, z3.BoolVal(True)), me,
                                         template, fails)
                elif isinstance(st, M.If):
                    cond = self.expr(st.cond, _Ctx(q.state, me, q.env, q, fails, st.pos))
                    for branch, test in ((st.then, cond), (st.other, z3.Not(cond))):
                        nxt += self._run(list(branch), _fork(q, test), me, template, fails)
                elif isinstance(st, M.Choose):
                    nxt += self._choose(st, q, me, template, fails)
                else:
                    nxt += self._simple(st, q, me, fails)
            paths = nxt
        return paths

    def _choose(self, st: M.Choose, q: Path, me: z3.ExprRef, template: M.Template,
                fails: list[Failure]) -> list[Path]:
        if not isinstance(st.domain.type, TidType):
            raise self._refuse("choose over a domain other than tid", st.pos)
        v = z3.Const(f"{q.state.prefix}choose{next(self.counter)}", TID)
        ctx = _Ctx(q.state, me, q.env, q, fails, st.pos)
        guard = [self._in_domain(st.domain, v, ctx)]
        env = {**q.env, st.var.uid: v}
        if st.where is not None:
            guard.append(self.expr(st.where, replace_env(ctx, env)))
        start = Path(q.guard + guard, q.state, env)
        return self._run(list(st.body), start, me, template, fails)

    def _simple(self, st: M.Stmt, q: Path, me: z3.ExprRef, fails: list[Failure]) -> list[Path]:
        ctx = _Ctx(q.state, me, q.env, q, fails, st.pos)
        if isinstance(st, M.Await):
            q.guard.append(self.expr(st.cond, ctx))
            if self._await_log is not None:
                self._await_log.append((st.pos, z3.And(q.guard)))
            return [q]
        if isinstance(st, M.Assert):
            cond = self.expr(st.cond, ctx)
            fails.append(Failure(st.prop, st.message, z3.And(q.guard + [z3.Not(cond)]), st.pos))
            q.guard.append(cond)
            return [q]
        if isinstance(st, M.Let):
            q.env[st.var.uid] = self.expr(st.value, ctx)
            return [q]
        if isinstance(st, M.Assign):
            value = self.expr(st.value, ctx)
            inside = self._typed_value(st.target.type, value if isinstance(value, Opt) or not
                                       isinstance(st.target.type, OptionalType)
                                       else Opt(z3.BoolVal(False), value))
            if not z3.is_true(inside):  # leaving the declared range fails `bounds`
                fails.append(Failure("bounds", "value out of range",
                                     z3.And(q.guard + [z3.Not(inside)]), st.pos))
                q.guard.append(inside)
            q.state = self._assign(st.target, value, q.state, me)
            return [q]
        if isinstance(st, M.Goto):
            q.next_pc = st.pc
            return [q]
        if isinstance(st, M.Exit):
            q.next_pc = M.PC_FREED if st.free else M.PC_DONE
            return [q]
        if isinstance(st, M.Spawn):
            return [self._spawn(st, q, me, ctx)]
        raise self._refuse(type(st).__name__.lower(), st.pos)

    def _spawn(self, st: M.Spawn, q: Path, me: z3.ExprRef, ctx: _Ctx) -> Path:
        c = z3.Const(f"{q.state.prefix}child{next(self.counter)}", TID)
        s = q.state
        t = self.m.templates[st.template]
        q.guard.append(s.pc[c] == M.PC_UNUSED)
        a, b = z3.Consts("a b", TID)
        anc = z3.Lambda([a, b], z3.If(b == c, z3.Or(a == me, s.anc[a, me]), s.anc[a, b]))
        parent = Opt(z3.Store(s.parent.none, c, False), z3.Store(s.parent.val, c, me))
        locals_ = dict(s.locals)
        child_ctx = _Ctx(s, c, q.env, q, ctx.fails, st.pos)
        for p, arg in zip(t.params, st.args):
            locals_[f"{t.name}.{p.name}"] = _store(locals_[f"{t.name}.{p.name}"], c,
                                                   self.expr(arg, ctx))
        for loc in t.locals:
            assert loc.init is not None
            locals_[f"{t.name}.{loc.name}"] = _store(locals_[f"{t.name}.{loc.name}"], c,
                                                     self.expr(loc.init, child_ctx))
        q.state = State(s.prefix, s.globals, z3.Store(s.pc, c, t.steps[0].pc), parent,
                        locals_, anc)
        if isinstance(st.target, M.Bound):
            q.env[st.target.uid] = c
        elif st.target is not None:
            q.state = self._assign(st.target, c, q.state, me)
        return q

    def _assign(self, target: M.TExpr, value: Any, s: State, me: z3.ExprRef) -> State:
        if isinstance(value, z3.ExprRef) and isinstance(target.type, OptionalType):
            value = Opt(z3.BoolVal(False), value)
        if isinstance(target, M.GlobalPlace):
            return State(s.prefix, {**s.globals, target.name: value}, s.pc, s.parent,
                         s.locals, s.anc)
        if isinstance(target, M.LocalPlace):
            key = self._local_key(target.name, target.slot)
            return State(s.prefix, s.globals, s.pc, s.parent,
                         {**s.locals, key: _store(s.locals[key], me, value)}, s.anc)
        raise Unsupported(f"not supported in --unbounded: assignment to {type(target).__name__}")

    def _local_key(self, name: str, slot: int) -> str:
        for t in self.m.templates.values():
            for loc in t.params + t.locals:
                if loc.name == name and loc.slot == slot:
                    return f"{t.name}.{name}"
        raise AssertionError(name)

    def _read_local(self, s: State, t: M.Template, loc: M.Local, who: z3.ExprRef) -> Any:
        arr = s.locals[f"{t.name}.{loc.name}"]
        if isinstance(arr, Opt):
            return Opt(arr.none[who], arr.val[who])
        return arr[who]

    # -------------------------------------------------------- expressions
    def _eq(self, a: Any, b: Any) -> z3.BoolRef:
        if isinstance(a, Opt) or isinstance(b, Opt):
            a, b = _opt(a), _opt(b)
            return z3.Or(z3.And(a.none, b.none),
                         z3.And(z3.Not(a.none), z3.Not(b.none), a.val == b.val))
        return a == b

    def _in_domain(self, d: M.Domain, v: z3.ExprRef, ctx: _Ctx) -> z3.BoolRef:
        if d.set_expr is not None:
            return self.expr(d.set_expr, ctx)[v]
        return z3.BoolVal(True)

    def expr(self, e: M.TExpr, ctx: _Ctx) -> Any:
        method = getattr(self, f"_x_{type(e).__name__}", None)
        if method is None:
            raise Unsupported(f"not supported in --unbounded: the expression "
                              f"{type(e).__name__} {self._where(ctx.pos)}")
        return method(e, ctx)

    def _x_Const(self, e: M.Const, ctx: _Ctx) -> Any:
        t = e.type
        if isinstance(t, OptionalType) or isinstance(t, NoneType):
            if e.value is None:
                return Opt(z3.BoolVal(True), z3.Const("none!", TID) if isinstance(
                    getattr(t, "inner", None), TidType) else z3.IntVal(0))
            return Opt(z3.BoolVal(False), self._x_Const(M.Const(t.inner, e.value), ctx))
        if isinstance(t, BoolType):
            return z3.BoolVal(bool(e.value))
        if isinstance(t, TidType):
            if e.value >= len(self.starts):
                raise Unsupported(f"not supported in --unbounded: thread id {e.value}, which "
                                  f"no start line creates {self._where(ctx.pos)}")
            return self.starts[e.value]
        if isinstance(t, (SetType, EmptySetType)):
            if e.value:
                raise Unsupported("not supported in --unbounded: a constant non-empty set "
                                  + self._where(ctx.pos))
            return z3.K(TID, z3.BoolVal(False))
        return z3.IntVal(int(e.value))

    def _x_GlobalPlace(self, e: M.GlobalPlace, ctx: _Ctx) -> Any:
        return ctx.state.globals[e.name]

    def _x_LocalPlace(self, e: M.LocalPlace, ctx: _Ctx) -> Any:
        arr = ctx.state.locals[self._local_key(e.name, e.slot)]
        if isinstance(arr, Opt):
            return Opt(arr.none[ctx.me], arr.val[ctx.me])
        return arr[ctx.me]

    def _x_Bound(self, e: M.Bound, ctx: _Ctx) -> Any:
        return ctx.env[e.uid]

    def _x_SelfTid(self, e: M.SelfTid, ctx: _Ctx) -> Any:
        return ctx.me

    def _x_Unwrap(self, e: M.Unwrap, ctx: _Ctx) -> Any:
        v = _opt(self.expr(e.operand, ctx))
        if ctx.path is not None:
            ctx.fails.append(Failure("bounds", "none used as a value",
                                     z3.And(ctx.path.guard + [v.none]), e.pos))
            ctx.path.guard.append(z3.Not(v.none))
        return v.val

    def _x_Builtin(self, e: M.Builtin, ctx: _Ctx) -> Any:
        s = ctx.state
        if e.name == "free_threads":
            n = z3.Int(f"{s.prefix}free{next(self.counter)}")
            if ctx.path is not None:
                ctx.path.guard.append(n >= 0)
            return n
        args = [self.expr(a, ctx) for a in e.args]
        if e.name == "ancestor":
            return s.anc[args[0], args[1]]
        if e.name == "alive":
            return s.pc[args[0]] >= M.PC_EXITING
        if e.name == "done":
            return z3.Or(s.pc[args[0]] == M.PC_DONE, s.pc[args[0]] == M.PC_FREED)
        if e.name == "freed":
            return s.pc[args[0]] == M.PC_FREED
        if e.name == "parent":
            return Opt(s.parent.none[args[0]], s.parent.val[args[0]])
        raise Unsupported(f"not supported in --unbounded: {e.name}() {self._where(ctx.pos)}")

    def _x_DefCall(self, e: M.DefCall, ctx: _Ctx) -> Any:
        d = self.defs[e.name]
        env = {**ctx.env, **{p.uid: self.expr(a, ctx) for p, a in zip(d.params, e.args)}}
        return self.expr(d.body, replace_env(ctx, env))

    def _x_Unary(self, e: M.Unary, ctx: _Ctx) -> Any:
        x = self.expr(e.operand, ctx)
        if e.op == "!":
            return z3.Not(x)
        if e.op == "-":
            return -x
        if ctx.path is not None:  # "range": a def's result outside its type fails the step
            ctx.path.guard.append(_range(e.type, x))
        return x

    def _x_Binary(self, e: M.Binary, ctx: _Ctx) -> Any:
        a, b = self.expr(e.left, ctx), self.expr(e.right, ctx)
        op = e.op
        if op == "&&":
            return z3.And(a, b)
        if op == "||":
            return z3.Or(a, b)
        if op == "->":
            return z3.Implies(a, b)
        if op == "==":
            return self._eq(a, b)
        if op == "!=":
            return z3.Not(self._eq(a, b))
        if op == "in":
            return b[a]
        if isinstance(e.type, (SetType, EmptySetType)):
            if op == "|":
                return z3.SetUnion(a, b)
            if op == "&":
                return z3.SetIntersect(a, b)
            return z3.SetDifference(a, b)
        if isinstance(e.left.type, TidType) and op in ("<", "<=", ">", ">="):
            raise Unsupported(f"not supported in --unbounded: ordering thread ids "
                              f"{self._where(ctx.pos)}")
        ops = {"<": lambda: a < b, "<=": lambda: a <= b, ">": lambda: a > b,
               ">=": lambda: a >= b, "+": lambda: a + b, "-": lambda: a - b,
               "*": lambda: a * b}
        if op in ops:
            return ops[op]()
        raise Unsupported(f"not supported in --unbounded: '{op}' {self._where(ctx.pos)}")

    def _x_SetOf(self, e: M.SetOf, ctx: _Ctx) -> Any:
        out = z3.K(TID, z3.BoolVal(False))
        for item in e.items:
            out = z3.Store(out, self.expr(item, ctx), True)
        return out

    def _x_Ite(self, e: M.Ite, ctx: _Ctx) -> Any:
        test, a, b = (self.expr(x, ctx) for x in (e.test, e.then, e.other))
        if isinstance(a, Opt) or isinstance(b, Opt):
            a, b = _opt(a), _opt(b)
            return Opt(z3.If(test, a.none, b.none), z3.If(test, a.val, b.val))
        return z3.If(test, a, b)

    def _x_Quant(self, e: M.Quant, ctx: _Ctx) -> Any:
        t = e.domain.type
        if isinstance(t, TidType):
            if e.kind not in ("forall", "exists"):
                raise Unsupported(f"not supported in --unbounded: {e.kind} over thread ids "
                                  f"{self._where(ctx.pos)}")
            if ctx.universe is not None:
                items = [z3.And(self._in_domain(e.domain, u, ctx),
                                self.expr(e.body, replace_env(ctx, {**ctx.env, e.var.uid: u})))
                         if e.kind == "exists" else
                         z3.Implies(self._in_domain(e.domain, u, ctx),
                                    self.expr(e.body, replace_env(ctx, {**ctx.env, e.var.uid: u})))
                         for u in ctx.universe]
                return z3.And(items) if e.kind == "forall" else z3.Or(items)
            v = z3.Const(f"{e.var.name}!{e.var.uid}", TID)
            inner = replace_env(ctx, {**ctx.env, e.var.uid: v})
            dom = self._in_domain(e.domain, v, ctx)
            body = self.expr(e.body, inner)
            if e.kind == "forall":
                return z3.ForAll([v], z3.Implies(dom, body))
            return z3.Exists([v], z3.And(dom, body))
        if e.domain.set_expr is not None or e.kind not in ("forall", "exists"):
            raise Unsupported(f"not supported in --unbounded: {e.kind} over {t} "
                              f"{self._where(ctx.pos)}")
        items = [self.expr(e.body, replace_env(ctx, {**ctx.env, e.var.uid: z3.IntVal(x)
                                                     if not isinstance(t, BoolType)
                                                     else z3.BoolVal(x)}))
                 for x in t.values()]
        return z3.And(items) if e.kind == "forall" else z3.Or(items)


@dataclass
class _Ctx:
    state: State
    me: z3.ExprRef | None
    env: dict[int, Any] = field(default_factory=dict)
    path: Path | None = None
    fails: list[Failure] = field(default_factory=list)
    pos: Pos = Pos(0, 0)
    universe: list[z3.ExprRef] | None = None


def replace_env(ctx: _Ctx, env: dict[int, Any]) -> _Ctx:
    return _Ctx(ctx.state, ctx.me, env, ctx.path, ctx.fails, ctx.pos, ctx.universe)


def _fork(q: Path, test: z3.BoolRef) -> Path:
    return Path(q.guard + [test], q.state, dict(q.env), q.next_pc)


def _opt(x: Any) -> Opt:
    return x if isinstance(x, Opt) else Opt(z3.BoolVal(False), x)


def _store(arr: Any, at: z3.ExprRef, value: Any) -> Any:
    if isinstance(arr, Opt):
        v = _opt(value)
        return Opt(z3.Store(arr.none, at, v.none), z3.Store(arr.val, at, v.val))
    return z3.Store(arr, at, value)


def encode_unbounded(model: M.Model, path: str) -> UnboundedEncoding:
    return UnboundedEncoding(model, path)


def leaves_epr(assumed: z3.BoolRef) -> list[str]:
    """Why a query (the conjunction `assumed`, checked for satisfiability) is outside EPR.

    EPR needs no existential under a universal once Skolemised (else a Skolem function
    over thread ids appears), and no thread-valued function applied to a universally
    bound id. Empty when the query is inside the fragment.
    """
    reasons: list[str] = []
    seen: set[tuple[int, bool, bool]] = set()

    def walk(e: z3.ExprRef, positive: bool, under_forall: bool) -> None:
        key = (e.get_id(), positive, under_forall)
        if key in seen:
            return
        seen.add(key)
        if z3.is_quantifier(e):
            if e.is_lambda():
                walk(e.body(), positive, True)
                return
            universal = e.is_forall() == positive
            if not universal and under_forall:
                reasons.append("a quantifier alternation (forall-exists)")
            walk(e.body(), positive, under_forall or universal)
            return
        if z3.is_app(e):
            if z3.is_select(e) and e.sort() == TID and any(
                    z3.is_var(a) for a in e.children()[1:]):
                reasons.append("a thread-valued function (parent) applied to a quantified id")
            kind = e.decl().kind()
            kids = e.children()
            if kind == z3.Z3_OP_NOT:
                walk(kids[0], not positive, under_forall)
            elif kind == z3.Z3_OP_IMPLIES:
                walk(kids[0], not positive, under_forall)
                walk(kids[1], positive, under_forall)
            elif kind in (z3.Z3_OP_AND, z3.Z3_OP_OR):
                for k in kids:
                    walk(k, positive, under_forall)
            else:
                for k in kids:  # both polarities: iff, ite, equality of booleans
                    walk(k, positive, under_forall)
                    if z3.is_bool(k):
                        walk(k, not positive, under_forall)

    walk(assumed, True, False)
    return sorted(set(reasons))


def tid_names(enc: UnboundedEncoding, zm: z3.ModelRef) -> dict[str, str]:
    """Names for the ids of a z3 model: started threads by number, the others t1, t2, ..."""
    names: dict[str, str] = {}
    for k, c in enumerate(enc.starts):
        names[str(zm.eval(c, model_completion=True))] = str(k)
    extra = itertools.count(len(enc.starts))
    for u in zm.get_universe(TID) or []:
        if str(u) not in names:
            names[str(u)] = f"t{next(extra)}"
    return names


def readable(enc: UnboundedEncoding, zm: z3.ModelRef, s: State) -> dict[str, Any]:
    """A z3 model's state in the shape of `values.state_dict`: variables, then threads.

    Started threads keep their numbers; the other ids z3 invented are named t1, t2, ...
    in the order z3 lists them, and only ids that are in use are shown.
    """
    m = enc.m
    universe = zm.get_universe(TID) or []
    names = tid_names(enc, zm)

    def value(t: Type, x: Any) -> Any:
        if isinstance(x, Opt):
            if z3.is_true(zm.eval(x.none, model_completion=True)):
                return None
            return value(t.inner if isinstance(t, OptionalType) else t, x.val)
        v = zm.eval(x, model_completion=True)
        if isinstance(t, BoolType):
            return z3.is_true(v)
        if isinstance(t, TidType):
            return names.get(str(v), str(v))
        if isinstance(t, EnumType):
            return t.members[v.as_long()] if 0 <= v.as_long() < len(t.members) else v.as_long()
        if isinstance(t, SetType):
            return sorted(names[str(w)] for w in universe
                          if z3.is_true(zm.eval(x[w], model_completion=True)))
        return v.as_long()

    out: dict[str, Any] = {v.name: value(v.type, s.globals[v.name]) for v in m.vars}
    threads = []
    for u in universe:
        pc = zm.eval(s.pc[u], model_completion=True).as_long()
        if pc == M.PC_UNUSED:
            continue
        parent = Opt(s.parent.none[u], s.parent.val[u])
        entry: dict[str, Any] = {"id": names[str(u)],
                                 "parent": value(OptionalType(TidType(0)), parent)}
        if pc in (M.PC_DONE, M.PC_FREED):
            entry["status"] = "done" if pc == M.PC_DONE else "freed"
        elif pc in m.steps_by_pc:
            template, step = m.steps_by_pc[pc]
            entry.update(status="alive", thread=template.name, at=step.label)
            entry["locals"] = {loc.name: value(loc.type, enc._read_local(s, template, loc, u))
                               for loc in template.params + template.locals}
        else:
            entry["status"] = f"pc {pc}"
        threads.append(entry)
    out["threads"] = sorted(threads, key=lambda e: (len(e["id"]), e["id"]))
    return out
