"""Shared variables nothing depends on, cut away before the unbounded encoding.

A variant of a shipped spec declares every other variant's state: SaBRe's sb6
keeps the per-process arrays and the thread table of sb1 to sb5, and still
copies them on `fork`, although after `unbounded_prune` nothing it checks, waits
for or decides on reads them. The unbounded encoding has no sort for such
arrays, so it would refuse the variant for state that cannot change a verdict.

A variable is *dead* when it is read only by the values (and indices) of
assignments to dead variables: no invariant, lemma, constraint, condition,
`let`, argument, initialiser or assignment to anything else reads it. Its
assignments are removed only when they cannot fail (every index a constant in
range or a value of the index type, every value of the target's type, nothing
that can raise on the way); otherwise it stays, and the encoding names it.
Cutting it changes no reachable state's other slots and no step's enabledness
or failures, so every verdict of the sliced model is the spec's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ..ir import model as M
from ..ir.typesys import ArrayType, OptionalType, Type
from ..ir.walk import statements
from .unbounded_prune import with_bodies, without


def _children(e: M.TExpr) -> Iterator[M.TExpr]:
    for v in vars(e).values():
        if isinstance(v, M.TExpr):
            yield v
        elif isinstance(v, M.Domain) and v.set_expr is not None:
            yield v.set_expr
        elif isinstance(v, tuple):
            yield from (x for x in v if isinstance(x, M.TExpr))


class _Reads:
    """The shared variables an expression reads, through the definitions it calls."""

    def __init__(self, defs: dict[str, M.Def]):
        self.defs = defs
        self.memo: dict[str, set[str]] = {}

    def of(self, e: M.TExpr | None) -> set[str]:
        if e is None:
            return set()
        out = {e.name} if isinstance(e, M.GlobalPlace) else set()
        if isinstance(e, M.DefCall):
            if e.name not in self.memo:
                self.memo[e.name] = set()  # a definition does not call itself
                self.memo[e.name] = self.of(self.defs[e.name].body)
            out |= self.memo[e.name]
        for c in _children(e):
            out |= self.of(c)
        return out


def _root(e: M.TExpr) -> str | None:
    """The shared variable a place is part of, or None for a thread's own slots."""
    while isinstance(e, (M.IndexPlace, M.FieldPlace)):
        e = e.base
    return e.name if isinstance(e, M.GlobalPlace) else None


def _fits(value_type: Type, target: Type) -> bool:
    return value_type == target or isinstance(target, OptionalType) and value_type == target.inner


class _Safe:
    """Whether evaluating an expression, or writing a place, can never raise: no `none`
    used as a value, no index outside its array, no definition's result outside its type."""

    def __init__(self, defs: dict[str, M.Def]):
        self.defs = defs
        self.memo: dict[str, bool] = {}

    def value(self, e: M.TExpr) -> bool:
        if isinstance(e, (M.Const, M.LocalPlace, M.SelfTid, M.Bound)):
            return True
        if isinstance(e, M.TlsPlace):  # `x@t` reads some value for any t, as in the engines
            return e.thread is None or self.value(e.thread)
        if isinstance(e, (M.GlobalPlace, M.FieldPlace, M.IndexPlace)):
            return self.place(e)
        if isinstance(e, M.Binary) and e.op in ("==", "!=", "&&", "||", "->"):
            return self.value(e.left) and self.value(e.right)
        if isinstance(e, M.Ite):
            return self.value(e.test) and self.value(e.then) and self.value(e.other)
        if isinstance(e, M.Unary) and e.op == "!":
            return self.value(e.operand)
        if isinstance(e, M.Unary) and e.op == "range":
            leaves = _leaves(e.operand)
            return self.value(e.operand) and all(
                isinstance(x, M.Const) and x.value in e.type.values() for x in leaves)
        if isinstance(e, M.DefCall):
            if e.name not in self.memo:
                self.memo[e.name] = False  # a definition that calls itself is not known safe
                self.memo[e.name] = self.value(self.defs[e.name].body)
            return self.memo[e.name] and all(self.value(a) for a in e.args)
        return False

    def place(self, e: M.TExpr) -> bool:
        if isinstance(e, M.GlobalPlace):
            return True
        if isinstance(e, M.FieldPlace):
            return self.place(e.base)
        if isinstance(e, M.IndexPlace) and isinstance(e.base.type, ArrayType):
            key, index = e.base.type.key, e.index
            inside = (index.value in key.values() if isinstance(index, M.Const)
                      else index.type == key)
            return inside and self.value(index) and self.place(e.base)
        return False

    def assignment(self, st: M.Assign) -> bool:
        return (self.place(st.target) and _fits(st.value.type, st.target.type)
                and self.value(st.value))


def _leaves(e: M.TExpr) -> list[M.TExpr]:
    """The values an `if ... then ... else` tree may take."""
    return _leaves(e.then) + _leaves(e.other) if isinstance(e, M.Ite) else [e]


def _assignments(model: M.Model) -> Iterator[M.Assign]:
    for t in [*model.templates.values(), *model.handlers]:
        for step in t.steps:
            yield from (st for st in statements(step.body) if isinstance(st, M.Assign))
    for d in model.destructors:
        yield from (st for st in statements(d.body) if isinstance(st, M.Assign))


def _expressions(model: M.Model, dead: set[str]) -> Iterator[M.TExpr | None]:
    """Every expression whose value matters, given which variables are dead."""
    yield from (inv.expr for inv in model.invariants)
    yield from (c.cond for c in [*model.constraints, *model.initial_conditions])
    yield from (v.init for v in model.vars if v.name not in dead)
    yield from (x.init for x in model.thread_locals)
    yield from (s for st in model.starts for s in st.args)
    bodies = [s.body for t in [*model.templates.values(), *model.handlers] for s in t.steps]
    bodies += [d.body for d in model.destructors]
    for body in bodies:
        for st in statements(body):
            if isinstance(st, M.Assign) and _root(st.target) in dead:
                continue
            yield from (v for v in vars(st).values() if isinstance(v, M.TExpr))
            yield from (x for v in vars(st).values() if isinstance(v, tuple)
                        for x in v if isinstance(x, M.TExpr))
            if isinstance(st, M.Choose):
                yield st.domain.set_expr


def dead_variables(model: M.Model) -> set[str]:
    """The shared variables of a (pruned) model that nothing depends on."""
    reads = _Reads(model.defs)
    safe = _Safe(model.defs)
    unsafe = {_root(st.target) for st in _assignments(model) if not safe.assignment(st)}
    dead = {v.name for v in model.vars} - unsafe
    while True:
        used = set().union(*(reads.of(e) for e in _expressions(model, dead)))
        if not used & dead:
            return dead
        dead -= used


def reading(model: M.Model, names: set[str]) -> set[str]:
    """The invariants and lemmas of the model that read one of the variables `names`."""
    reads = _Reads(model.defs)
    return {inv.name for inv in model.invariants if reads.of(inv.expr) & names}


def slice_dead(model: M.Model) -> M.Model:
    """The model without its dead shared variables (see the module's text)."""
    dead = dead_variables(model)
    if not dead:
        return model

    return with_bodies(replace(model, vars=[v for v in model.vars if v.name not in dead]),
                       lambda body: without(body, lambda st: isinstance(st, M.Assign)
                                            and _root(st.target) in dead))
