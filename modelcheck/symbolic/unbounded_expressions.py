"""Expressions of the checked model over unbounded states, and when they can be evaluated.

`UnboundedExpressions` gives an expression's value as a z3 term (quantifiers
over thread ids become z3 quantifiers, or with a `universe` a finite
conjunction). Where the explicit engine would raise instead (`none` used as a
value, a def's result out of range), the value is left unconstrained and the
evaluation adds a `bounds` failure to the path, or, for an invariant,
`Definedness` says separately when the engine can evaluate it. Constructs the
encoding cannot express over an unbounded sort of ids are refused by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import z3

from ..ir import model as M
from ..ir.control import AtStep, LocalOf
from ..ir.typesys import (
    BoolType,
    EmptySetType,
    EnumType,
    IntType,
    NoneType,
    OptionalType,
    SetType,
    TidType,
    is_compound,
)
from .encoder import Encoder, Unsupported
from .pool_slots import leaves
from .unbounded_compound import CompoundReads, choose, fit
from .unbounded_folds import FOLDS, FiniteFolds, division, literal, raises
from .unbounded_state import (
    Ctx,
    Failure,
    Opt,
    at,
    empty_set,
    eq,
    local_key,
    not_supported,
    opt,
    read_local,
    read_tls,
    size_of,
    small_set,
    small_set_of,
    tid_sort,
    typed_value,
    value_range,
    where,
)

SHORT_CIRCUIT = {"&&": z3.And, "||": z3.Or, "->": z3.Implies}  # the right only where it counts


class UnboundedExpressions(CompoundReads, FiniteFolds, Encoder):
    """`visit(e, ctx)`: the value of e in ctx.state, as z3 terms (or an `Opt`)."""

    covers = ("expressions",)

    def __init__(self, model: M.Model, path: str, starts: list[z3.ExprRef],
                 counter: Iterator[int]):
        super().__init__()
        self.m = model
        self.path = path
        self.starts = starts
        self.counter = counter

    def refusal(self, e: M.TExpr, *args: Any) -> str:
        ctx: Ctx = args[0]
        return (f"not supported in --unbounded: the expression "
                f"{type(e).__name__} {where(self.path, ctx.pos)}")

    def in_domain(self, d: M.Domain, v: z3.ExprRef, ctx: Ctx) -> z3.BoolRef:
        if d.set_expr is not None:
            return self.visit(d.set_expr, ctx)[v]
        return z3.BoolVal(True)

    def visit_Const(self, e: M.Const, ctx: Ctx) -> Any:
        t = e.type
        if is_compound(t):  # one term per slot, each the constant of its slot's type
            return fit(t, [self.visit_Const(M.Const(leaf, v, pos=e.pos), ctx)
                           for leaf, v in zip(leaves(t), e.value)])
        if isinstance(t, OptionalType) or isinstance(t, NoneType):
            if e.value is None:  # the payload is unused but must have the inner type's sort
                inner = getattr(t, "inner", None)
                return Opt(z3.BoolVal(True), z3.Const("none!", tid_sort())
                           if isinstance(inner, TidType) else z3.BoolVal(False)
                           if isinstance(inner, BoolType) else z3.IntVal(0))
            return Opt(z3.BoolVal(False), self.visit_Const(M.Const(t.inner, e.value), ctx))
        if isinstance(t, BoolType):
            return z3.BoolVal(bool(e.value))
        if isinstance(t, TidType):
            if e.value >= len(self.starts):
                raise Unsupported(f"not supported in --unbounded: thread id {e.value}, which "
                                  f"no start line creates "
                                  f"{where(self.path, e.pos if e.pos.line else ctx.pos)}")
            return self.starts[e.value]
        if small_set(t):
            members = t.elem.values()  # type: ignore[union-attr]
            return small_set_of(t, lambda v: z3.BoolVal(bool(e.value >> members.index(v) & 1)))
        if isinstance(t, (SetType, EmptySetType)):
            if e.value:
                raise Unsupported("not supported in --unbounded: a constant non-empty set "
                                  + where(self.path, ctx.pos))
            return empty_set(t)
        return z3.IntVal(int(e.value))

    def visit_GlobalPlace(self, e: M.GlobalPlace, ctx: Ctx) -> Any:
        return ctx.state.globals[e.name]

    def visit_LocalPlace(self, e: M.LocalPlace, ctx: Ctx) -> Any:
        return at(ctx.state.locals[local_key(self.m, e.name, e.slot)], ctx.me)

    def visit_TlsPlace(self, e: M.TlsPlace, ctx: Ctx) -> Any:
        """The running thread's copy, or thread t's (`x@t`: defined for any t, as in the
        engines, whose finished and unused threads hold some value there)."""
        who = ctx.me if e.thread is None else self.visit(e.thread, ctx)
        return read_tls(ctx.state, e.name, who)

    def visit_Bound(self, e: M.Bound, ctx: Ctx) -> Any:
        return ctx.env[e.uid]

    def visit_SelfTid(self, e: M.SelfTid, ctx: Ctx) -> Any:
        return ctx.me

    def visit_Unwrap(self, e: M.Unwrap, ctx: Ctx) -> Any:
        v = opt(self.visit(e.operand, ctx))
        if ctx.path is not None:
            ctx.fails.append(Failure("runtime", e.why or "none used as a value",
                                     z3.And(ctx.path.guard + [v.none]), e.pos))
            ctx.path.guard.append(z3.Not(v.none))
        return v.val

    def visit_AtStep(self, e: AtStep, ctx: Ctx) -> Any:
        return _at(ctx.state.pc[self.visit(e.thread, ctx)], e)

    def visit_LocalOf(self, e: LocalOf, ctx: Ctx) -> Any:
        """Thread t's local; where t may stand outside its template the step fails, as
        the explicit engine's read raises there."""
        t = self.visit(e.thread, ctx)
        if ctx.path is not None:
            there = _at(ctx.state.pc[t], e)
            ctx.fails.append(Failure("runtime", "a local of a thread not running its template",
                                     z3.And(ctx.path.guard + [z3.Not(there)]), e.pos))
            ctx.path.guard.append(there)
        tmpl = self.m.templates[e.template]
        loc = next(x for x in [*tmpl.params, *tmpl.locals] if x.name == e.name)
        return read_local(ctx.state, tmpl, loc, t)

    def visit_Builtin(self, e: M.Builtin, ctx: Ctx) -> Any:
        s = ctx.state
        if e.name == "free_threads":
            n = z3.Int(f"{s.prefix}free{next(self.counter)}")
            if ctx.path is not None:
                ctx.path.guard.append(n >= 0)
            return n
        args = [self.visit(a, ctx) for a in e.args]
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
        if e.name == "size" and small_set(e.args[0].type):
            return size_of(e.args[0].type, args[0])  # type: ignore[arg-type]
        raise Unsupported(f"not supported in --unbounded: {e.name}() "
                          f"{where(self.path, ctx.pos)}")

    def visit_DefCall(self, e: M.DefCall, ctx: Ctx) -> Any:
        d = self.m.defs[e.name]
        env = {**ctx.env, **{p.uid: self.visit(a, ctx) for p, a in zip(d.params, e.args)}}
        return self.visit(d.body, ctx.with_env(env))

    def visit_Unary(self, e: M.Unary, ctx: Ctx) -> Any:
        if e.op in ("int", "tid"):  # ids are an uninterpreted sort here: they have no number
            raise Unsupported(f"not supported in --unbounded: {e.op}() "
                              f"{where(self.path, ctx.pos)}")
        x = self.visit(e.operand, ctx)
        if e.op == "!":
            return z3.Not(x)
        if e.op == "-":
            return -x
        if ctx.path is not None:  # "range": a def's result outside its type fails the step
            ctx.path.guard.append(typed_value(e.type, x) if is_compound(e.type)
                                  else value_range(e.type, x))
        return x

    def under(self, test: z3.BoolRef, e: M.TExpr, ctx: Ctx) -> Any:
        """e's value where the engine evaluates e only when `test` holds (a branch, the
        right of a short-circuit): what e's evaluation asks of the path, and the failures
        it adds, hold only there. Taken unconditionally, a `none` check in the branch not
        taken would block the whole step, and a step that never moves proves anything."""
        if ctx.path is None:
            return self.visit(e, ctx)
        guard, fails = ctx.path.guard, len(ctx.fails)
        n = len(guard)
        value = self.visit(e, ctx)
        if len(guard) > n:
            guard[n:] = [z3.Implies(test, z3.And(guard[n:]))]
        ctx.fails[fails:] = [Failure(f.prop, f.message, z3.And(test, f.cond), f.pos)
                             for f in ctx.fails[fails:]]
        return value

    def visit_Binary(self, e: M.Binary, ctx: Ctx) -> Any:
        op = e.op
        a = self.visit(e.left, ctx)
        if op in SHORT_CIRCUIT:
            return SHORT_CIRCUIT[op](a, self.under(z3.Not(a) if op == "||" else a, e.right, ctx))
        b = self.visit(e.right, ctx)
        if op == "==":
            return eq(a, b)
        if op == "!=":
            return z3.Not(eq(a, b))
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
                              f"{where(self.path, ctx.pos)}")
        ops = {"<": lambda: a < b, "<=": lambda: a <= b, ">": lambda: a > b,
               ">=": lambda: a >= b, "+": lambda: a + b, "-": lambda: a - b,
               "*": lambda: a * b}
        if op in ops:
            return ops[op]()
        if op in ("/", "%", "mod"):
            value, bad = division(op, a, b)
            raises(ctx, bad, "division by zero" if op != "mod" else "mod by a number <= 0", e)
            return value
        raise Unsupported(f"not supported in --unbounded: '{op}' {where(self.path, ctx.pos)}")

    def visit_SetOf(self, e: M.SetOf, ctx: Ctx) -> Any:
        out = empty_set(e.type)
        for item in e.items:
            out = z3.Store(out, self.visit(item, ctx), True)
        return out

    def visit_Ite(self, e: M.Ite, ctx: Ctx) -> Any:
        test = self.visit(e.test, ctx)
        a, b = self.under(test, e.then, ctx), self.under(z3.Not(test), e.other, ctx)
        return choose(test, a, b)

    def visit_Quant(self, e: M.Quant, ctx: Ctx) -> Any:
        t = e.domain.type
        if isinstance(t, TidType):
            if e.kind not in ("forall", "exists"):
                raise Unsupported(f"not supported in --unbounded: {e.kind} over thread ids "
                                  f"{where(self.path, ctx.pos)}")
            if ctx.universe is not None:
                items = [z3.And(self.in_domain(e.domain, u, ctx),
                                self.visit(e.body, ctx.with_env({**ctx.env, e.var.uid: u})))
                         if e.kind == "exists" else
                         z3.Implies(self.in_domain(e.domain, u, ctx),
                                    self.visit(e.body, ctx.with_env({**ctx.env, e.var.uid: u})))
                         for u in ctx.universe]
                return z3.And(items) if e.kind == "forall" else z3.Or(items)
            v = z3.Const(f"{e.var.name}!{e.var.uid}", tid_sort())
            inner = ctx.with_env({**ctx.env, e.var.uid: v})
            dom = self.in_domain(e.domain, v, ctx)
            marks = (len(ctx.path.guard), len(ctx.fails)) if ctx.path is not None else None
            body = self.visit(e.body, inner)
            if marks is not None and (len(ctx.path.guard), len(ctx.fails)) != marks:
                # its condition names the bound id, which means nothing outside the quantifier
                raise Unsupported(not_supported("an expression that can fail to evaluate inside a "
                                                "quantifier over thread ids", self.path, ctx.pos))
            if e.kind == "forall":
                return z3.ForAll([v], z3.Implies(dom, body))
            return z3.Exists([v], z3.And(dom, body))
        if not isinstance(t, (BoolType, EnumType)) and not (isinstance(t, IntType) and
                                                          t.lo is not None):
            raise Unsupported(f"not supported in --unbounded: {e.kind} over {t} "
                              f"{where(self.path, ctx.pos)}")
        if e.kind in FOLDS:
            return self.fold(e, ctx)
        items: list[z3.BoolRef] = []
        for x in t.values():  # the engine stops at the first member that decides
            lit = literal(t, x)
            inside = self.in_domain(e.domain, lit, ctx)
            undecided = z3.And(items) if e.kind == "forall" else z3.Not(z3.Or(items))
            body = self.under(z3.And(undecided, inside), e.body,
                              ctx.with_env({**ctx.env, e.var.uid: lit}))
            items.append(z3.Implies(inside, body) if e.kind == "forall"
                         else z3.And(inside, body))
        return z3.And(items) if e.kind == "forall" else z3.Or(items)


class Definedness(Encoder):
    """`visit(e, ctx)`: the explicit engine can evaluate e in ctx.state, in every order it
    may try.

    Short-circuits of `&&`, `||`, `->` and `if` are followed exactly; a quantifier
    must be evaluable for every id, which is stronger than the engine needs (it
    stops at the first deciding id), so this only ever makes a proof harder.
    """

    covers = ("expressions",)

    def __init__(self, exprs: UnboundedExpressions):
        super().__init__()
        self.exprs = exprs

    def refusal(self, e: M.TExpr, *args: Any) -> str:
        return self.exprs.refusal(e, *args)

    def visit_Unwrap(self, e: M.Unwrap, ctx: Ctx) -> z3.BoolRef:
        return z3.And(self.visit(e.operand, ctx),
                      z3.Not(opt(self.exprs.visit(e.operand, ctx)).none))

    def visit_IndexPlace(self, e: M.IndexPlace, ctx: Ctx) -> z3.BoolRef:
        return z3.And(self.parts(e, ctx), self.exprs.index_inside(e, ctx))

    def visit_LocalOf(self, e: LocalOf, ctx: Ctx) -> z3.BoolRef:
        return z3.And(self.visit(e.thread, ctx),
                      _at(ctx.state.pc[self.exprs.visit(e.thread, ctx)], e))

    def visit_Binary(self, e: M.Binary, ctx: Ctx) -> z3.BoolRef:
        if e.op in ("/", "%", "mod"):
            _, bad = division(e.op, self.exprs.visit(e.left, ctx), self.exprs.visit(e.right, ctx))
            return z3.And(self.parts(e, ctx), z3.Not(bad))
        if e.op not in ("&&", "||", "->"):
            return self.parts(e, ctx)
        a = self.exprs.visit(e.left, ctx)
        short = z3.Not(a) if e.op != "||" else a
        return z3.And(self.visit(e.left, ctx), z3.Or(short, self.visit(e.right, ctx)))

    def visit_Ite(self, e: M.Ite, ctx: Ctx) -> z3.BoolRef:
        return z3.And(self.visit(e.test, ctx), z3.If(self.exprs.visit(e.test, ctx),
                                                     self.visit(e.then, ctx),
                                                     self.visit(e.other, ctx)))

    def visit_Unary(self, e: M.Unary, ctx: Ctx) -> z3.BoolRef:
        if e.op != "range":
            return self.parts(e, ctx)
        value = self.exprs.visit(e.operand, ctx)
        inside = typed_value(e.type, value) if is_compound(e.type) else value_range(e.type, value)
        return z3.And(self.visit(e.operand, ctx), inside)

    def visit_DefCall(self, e: M.DefCall, ctx: Ctx) -> z3.BoolRef:
        body = self.exprs.m.defs[e.name]
        env = {**ctx.env, **{p.uid: self.exprs.visit(a, ctx)
                             for p, a in zip(body.params, e.args)}}
        return z3.And([self.visit(a, ctx) for a in e.args] +
                      [self.visit(body.body, ctx.with_env(env))])

    def visit_Quant(self, e: M.Quant, ctx: Ctx) -> z3.BoolRef:
        t = e.domain.type
        if isinstance(t, TidType):
            v = z3.Const(f"{e.var.name}!{e.var.uid}", tid_sort())
            body = self.visit(e.body, ctx.with_env({**ctx.env, e.var.uid: v}))
            dom = self.visit(e.domain.set_expr, ctx) if e.domain.set_expr is not None \
                else z3.BoolVal(True)
            return z3.And(dom, z3.ForAll([v], body))
        defined = [self.visit(e.body, ctx.with_env({**ctx.env, e.var.uid: literal(t, x)}))
                   for x in t.values()]
        return z3.And(defined + [self.exprs.picked(e, ctx)] if e.kind == "pick" else defined)

    def parts(self, e: M.TExpr, ctx: Ctx) -> z3.BoolRef:
        """Evaluable when every sub-expression is."""
        parts = [x for x in vars(e).values() if isinstance(x, M.TExpr)]
        parts += [x for v in vars(e).values() if isinstance(v, tuple)
                  for x in v if isinstance(x, M.TExpr)]
        return z3.And([self.visit(x, ctx) for x in parts]) if parts else z3.BoolVal(True)

    visit_Const = visit_GlobalPlace = visit_LocalPlace = parts
    visit_FieldPlace = visit_TlsPlace = visit_Bound = visit_SelfTid = visit_Builtin = parts
    visit_SetOf = visit_Compound = visit_AtStep = parts


def _at(pc: z3.ArithRef, e: AtStep | LocalOf) -> z3.BoolRef:
    """The thread whose pc this is waits at one of e's steps."""
    return pc == e.first if e.first == e.last else z3.And(pc >= e.first, pc <= e.last)
