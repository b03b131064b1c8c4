"""Arrays and records in the unbounded encoding: one z3 term per slot, as the engines lay
them out.

Records, tuples, sequences (`{len, items}`), large sets (a bool per possible member) and
arrays over any finite key that is not a thread id all reach this encoding as
`ArrayType`s and `RecordType`s; their keys are finite, so a value is the Python list
of its slots' terms in the state tuple's order (`pool_slots.leaves`), each a z3 term
or an `Opt`. A field is a fixed slice of that list; an element at a computed index is
an `If` over the key's values, slot by slot, and an index outside the key fails
`runtime` exactly where the engines raise, never silently. Per-thread values (locals,
thread_locals) are lists of arrays over the id sort, read and written leaf by leaf.
Keeping every slot a separate term keeps the ground instances of
`instantiation.py` unchanged: no new sort, no quantifier over keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import z3

from ..ir import model as M
from ..ir.recursion import recursive
from ..ir.typesys import (
    BoolType,
    IntType,
    OptionalType,
    TidType,
    Type,
    is_compound,
)
from .pool_slots import leaves
from .unbounded_state import Ctx, Failure, Opt, opt, small_set

Cases = list[tuple[z3.BoolRef, int]]  # (the index selects element k, k)


def fit(t: Type, value: Any) -> Any:
    """value with every optional slot an `Opt`, as the state holds it (an item written
    as a plain value in a literal, or a plain value stored in a `T?`)."""
    if is_compound(t):
        return [fit(lt, v) for lt, v in zip(leaves(t), value)]
    return opt(value) if isinstance(t, OptionalType) else value


def part(value: list[Any], off: int, t: Type) -> Any:
    """The slots of a part of type t starting at slot `off` of a compound value."""
    return value[off:off + t.width()] if is_compound(t) else value[off]


def splice(value: list[Any], off: int, t: Type, new: Any, when: z3.BoolRef | None) -> list[Any]:
    """value with the part of type t at `off` replaced by `new` (where `when` holds)."""
    items = new if is_compound(t) else [new]
    out = list(value)
    for j, x in enumerate(items):
        out[off + j] = x if when is None else choose(when, x, out[off + j])
    return out


def choose(test: z3.BoolRef, a: Any, b: Any) -> Any:
    """If(test, a, b) over slots, lists and `Opt`s alike."""
    if z3.is_true(test) or z3.is_false(test):
        return a if z3.is_true(test) else b
    if isinstance(a, list):
        return [choose(test, x, y) for x, y in zip(a, b)]
    if isinstance(a, Opt) or isinstance(b, Opt):
        a, b = opt(a), opt(b)
        return Opt(z3.If(test, a.none, b.none), z3.If(test, a.val, b.val))
    return z3.If(test, a, b)


def key_literal(key: Type, x: Any) -> z3.ExprRef:
    return z3.BoolVal(bool(x)) if isinstance(key, BoolType) else z3.IntVal(int(x))


def keys(e: M.IndexPlace, idx: Any) -> tuple[Cases, z3.BoolRef | None]:
    """(idx selects element k, k) for each element, and when idx is outside the key (None
    when its type keeps it inside, as the engines check only then)."""
    key = e.base.type.key  # type: ignore[attr-defined]
    values = key.values()
    if z3.is_int_value(idx) or z3.is_true(idx) or z3.is_false(idx):
        # a literal index (a binder's value, a constant) selects its element alone: a
        # quantifier over a large set's members would otherwise cost a term per pair
        v = idx.as_long() if z3.is_int_value(idx) else z3.is_true(idx)
        if v in values:
            return [(z3.BoolVal(True), values.index(v))], None
        return [(z3.BoolVal(False), 0)], z3.BoolVal(True)
    cases = [(idx == key_literal(key, x), k) for k, x in enumerate(values)]
    if not isinstance(key, IntType):
        return cases, None
    it = e.index.type
    if isinstance(it, IntType) and it.lo is not None and key.lo <= it.lo and it.hi <= key.hi:
        return cases, None
    return cases, z3.Not(z3.Or([c for c, _ in cases]))


def element(base: list[Any], e: M.IndexPlace, cases: Cases) -> Any:
    """The element the cases select (the last one where none does: the value is then
    unconstrained by the engines, which raise)."""
    w = e.type.width()
    out = part(base, cases[-1][1] * w, e.type)
    for c, k in reversed(cases[:-1]):
        out = choose(c, part(base, k * w, e.type), out)
    return out


def stored_element(base: list[Any], e: M.IndexPlace, cases: Cases, new: Any) -> list[Any]:
    """base with the element the cases select set to `new`."""
    w = e.type.width()
    for c, k in cases:
        base = splice(base, k * w, e.type, new, c)
    return base


def raw(leaf: Type, v: Any, zm: z3.ModelRef, name: Any) -> Any:
    """A slot's value in a z3 model as the engines hold it in the state tuple (a tid by
    its readable name), for `values.decode` to lay out the compound value."""
    if isinstance(v, Opt):
        if z3.is_true(zm.eval(v.none, model_completion=True)):
            return None
        return raw(leaf.inner if isinstance(leaf, OptionalType) else leaf, v.val, zm, name)
    if isinstance(leaf, BoolType):
        return z3.is_true(zm.eval(v, model_completion=True))
    if isinstance(leaf, TidType):
        return name(zm.eval(v, model_completion=True))
    if small_set(leaf):
        members = leaf.elem.values()  # type: ignore[attr-defined]
        return sum(1 << k for k, x in enumerate(members)
                   if z3.is_true(zm.eval(v[x], model_completion=True)))
    return zm.eval(v, model_completion=True).as_long()


class CompoundReads:
    """The expressions that read parts of arrays and records, and literals of them; mixed
    into `UnboundedExpressions` (whose `visit` it calls)."""

    visit: Callable[[M.TExpr, Ctx], Any]  # the encoder's

    def visit_FieldPlace(self, e: M.FieldPlace, ctx: Ctx) -> Any:
        return part(self.visit(e.base, ctx), e.offset, e.type)

    def visit_IndexPlace(self, e: M.IndexPlace, ctx: Ctx) -> Any:
        base = self.visit(e.base, ctx)
        return element(base, e, self.index_cases(e, ctx))

    def visit_Compound(self, e: M.Compound, ctx: Ctx) -> Any:
        slots = [x for item in e.items for x in as_slots(item.type, self.visit(item, ctx))]
        return fit(e.type, slots)

    def index_cases(self, e: M.IndexPlace, ctx: Ctx) -> Cases:
        """The cases of e's index; on a step's path, an index outside the key fails
        `runtime` there (the engines raise) and the path goes on only inside it."""
        cases, outside = keys(e, self.visit(e.index, ctx))
        if outside is not None and ctx.path is not None:
            ctx.fails.append(Failure("runtime", "array index out of range",
                                     z3.And(ctx.path.guard + [outside]), e.pos))
            ctx.path.guard.append(z3.Not(outside))
        return cases

    def index_inside(self, e: M.IndexPlace, ctx: Ctx) -> z3.BoolRef:
        """e's index is one of its array's keys (for `Definedness`)."""
        outside = keys(e, self.visit(e.index, ctx))[1]
        return z3.BoolVal(True) if outside is None else z3.Not(outside)


def as_slots(t: Type, value: Any) -> list[Any]:
    return value if is_compound(t) else [value]


def large_state(m: M.Model) -> bool:
    """Whether the model keeps arrays or records, or writes definitions out per depth: what
    `--unbounded` refused before this module, and what makes its encoding large (a term
    per slot, a copy per depth). The z3 lints of every `mcheck SPEC` run skip such specs,
    as they did then, so that a search does not wait seconds for an optional lint."""
    types = [v.type for v in m.vars] + [tl.type for tl in m.thread_locals]
    return any(is_compound(t) for t in types) or \
        any(recursive(name, m.defs) for name in m.defs)
