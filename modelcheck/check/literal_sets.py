"""The member type of a set literal whose items say no more than `int`: `{(0, 1), (1, 2)}`.

A number alone has no range, so a literal of numbers or of tuples of numbers cannot
choose its set's type from its items' types. Where nothing around it gives one, its
items are constants and their values fix it: each number's place ranges from the least to
the greatest value written there (`tuple(0..1, 1..2)` above), which holds every item and
so changes no meaning. On the right of `in`, the member's type widens it further, so
`x in {(0, 1)}` with `x` of `tuple(0..2, 0..2)` is false where x is not a member rather
than a value out of range.
"""

from __future__ import annotations

from typing import Any

from ..ir import model as M
from ..ir.typesys import BigSetType, IntType, SetType, TupleType, Type
from ..lang import syntax as S
from ..lang.errors import Pos, SpecError
from .big_sets import BigSets
from .scope import Scope

TOLD = ("write it where a typed value fixes it (`s == {...}` with `var s: set of "
        "tuple(0..2, 0..2)`)")


def untold(t: Type) -> bool:
    """Whether t says `int` somewhere a set's member type needs a range."""
    if isinstance(t, TupleType):
        return any(untold(ft) for _, ft in t.fields)
    return isinstance(t, IntType) and t.lo is None


def _hull(t: Type, values: list[Any], pos: Pos) -> Type:
    """The least type of t's shape holding every value (a tuple's items flat, one a place)."""
    if isinstance(t, TupleType):
        if any(isinstance(ft, TupleType) for _, ft in t.fields):
            raise SpecError(f"cannot tell the member type of this set of nested tuples; {TOLD}",
                            pos)
        return TupleType.of(tuple(_hull(ft, [v[k] for v in values], pos)
                                  for k, (_, ft) in enumerate(t.fields)))
    if isinstance(t, IntType) and t.lo is None:
        return IntType(min(values), max(values))
    return t


def widened(a: Type, b: Type) -> Type | None:
    """The type of a's and b's shape holding both, or None if they differ in shape."""
    if isinstance(a, IntType) and isinstance(b, IntType) and None not in (a.lo, b.lo):
        return IntType(min(a.lo, b.lo), max(a.hi, b.hi))  # type: ignore[type-var]
    if isinstance(a, TupleType) and isinstance(b, TupleType) and len(a.fields) == len(b.fields):
        items = [widened(x, y) for (_, x), (_, y) in zip(a.fields, b.fields)]
        return None if None in items else TupleType.of(tuple(items))  # type: ignore[arg-type]
    return a if a == b else None


def member_of(t: Type) -> Type | None:
    if isinstance(t, BigSetType):
        return t.member
    return t.elem if isinstance(t, SetType) else None


class LiteralSets(BigSets):
    """Set literals typed by their items, and by the member `in` asks about."""

    def told_literal(self, e: S.SetLit, sc: Scope) -> M.TExpr:
        """`e` (an item with no range) as the set of the least type holding its items."""
        member = self._items_type(e, sc)
        if member is None:
            raise SpecError(f"cannot tell the member type of this set literal; {TOLD}", e.pos)
        return self.expr(e, sc, self.set_type(member, e.pos))  # type: ignore[attr-defined]

    def literal_for(self, member: S.Expr, literal: S.SetLit, sc: Scope) -> M.TExpr:
        """The literal on the right of `in`, of a member type that holds `member`'s."""
        return self._literal(literal, self._type_alone(member, sc), sc)

    def left_literal(self, left: S.Expr, right: S.Expr, sc: Scope) -> M.TExpr | None:
        """The left operand of `==`, `|`, `<=`, ... when it is a set literal: of the other
        operand's set type, or where both are literals of one holding both (the right
        then takes the left's type, as it does for any left operand). None otherwise."""
        if not (isinstance(left, S.SetLit) and left.items):
            return None
        if not isinstance(right, S.SetLit):
            b = self._type_alone(right, sc)
            return None if b is None or member_of(b) is None else \
                self.expr(left, sc, b)  # type: ignore[attr-defined]
        return self._literal(left, self._items_type(right, sc) if right.items else None, sc)

    def _literal(self, literal: S.SetLit, member: Type | None, sc: Scope) -> M.TExpr:
        """The literal, of the least member type holding its items and `member`; where
        their shapes differ, typed alone as before."""
        mine = self._items_type(literal, sc)
        want = member if mine is None else mine if member is None else widened(mine, member)
        if want is None or untold(want):
            return self.expr(literal, sc)  # type: ignore[attr-defined]
        return self.expr(literal, sc, self.set_type(want, literal.pos))  # type: ignore

    def _items_type(self, literal: S.SetLit, sc: Scope) -> Type | None:
        """The least type holding each item of the literal, each checked alone."""
        wide: Type | None = None
        for item in literal.items:
            t = self._type_alone(item, sc)
            wide = t if wide is None or t is None else widened(wide, t)
            if wide is None:
                return None
        return wide

    def _type_alone(self, e: S.Expr, sc: Scope) -> Type | None:
        """e's type with nothing around it, a constant number's range its value; None
        where that says no range."""
        try:
            x = self.plain(self.expr(e, sc), e.pos)  # type: ignore[attr-defined]
        except SpecError:
            return None
        return _told(x, e.pos)


def _told(x: M.TExpr, pos: Pos) -> Type | None:
    if isinstance(x, M.Const) and untold(x.type):
        return _hull(x.type, [x.value], pos)
    if isinstance(x, M.Compound) and isinstance(x.type, TupleType):
        items = [_told(i, pos) for i in x.items]
        return None if None in items else TupleType.of(tuple(items))  # type: ignore[arg-type]
    return None if untold(x.type) else x.type
