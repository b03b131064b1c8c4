"""Tuples as values (`(a, b)`, of type `tuple(A, B)`), spelled in the records every back end
knows.

A tuple is the record whose fields are named 0, 1, ... (`typesys.TupleType`), so `==`, set
membership, quantifiers and traces need nothing new: `t[k]` with a constant k reads field
k (0-based, as a sequence's items are), and a set of tuples is a set of records
(`big_sets`). An array indexed by tuples (or records) is an array over their numbers
(`typesys.KeyedArrayType`): `a[(x, y)]` reads the element at the number of `(x, y)`. A
tuple type's name ranges over all its values, as a scalar type's does.
"""

from __future__ import annotations

from ..ir import model as M
from ..ir.typesys import (
    ArrayType,
    BoolType,
    EnumType,
    IntType,
    KeyedArrayType,
    RecordType,
    TidType,
    TupleType,
    Type,
    is_int,
)
from ..lang import data_syntax as D
from ..lang import syntax as S
from ..lang.errors import Pos, SpecError
from .big_sets import LIMIT, cardinality
from .literal_sets import LiteralSets
from .scope import Scope
from .spelling import ATOM, BINDER, spelled


class Tuples(LiteralSets):
    """Tuple types and literals, `t[k]`, arrays indexed by tuples, tuple types as domains."""

    def tuple_type(self, t: D.TupleTypeExpr) -> TupleType:
        return TupleType.of(tuple(self.type(x) for x in t.items))  # type: ignore[attr-defined]

    def array_of(self, t: S.ArrayTypeExpr) -> Type:
        """`array[K] of T`: K a finite scalar type, or a tuple or record type of them."""
        key = self.type(t.key)  # type: ignore[attr-defined]
        elem = self.type(t.elem)  # type: ignore[attr-defined]
        if isinstance(key, RecordType):
            n = cardinality(key)
            if n is None or n > LIMIT:
                what = "no finite type" if n is None else f"{n:,} values; at most {LIMIT:,}"
                raise SpecError(f"an array indexed by {key}: {what}", t.key.pos)
            if self._permuted(key):  # type: ignore[attr-defined]
                raise SpecError(f"an array indexed by {key} under symmetry: its elements are "
                                "numbered, and renaming ids would not renumber them", t.key.pos)
            return KeyedArrayType(IntType(0, n - 1), elem, key)
        if not isinstance(key, (BoolType, IntType, EnumType, TidType)):
            raise SpecError("an array's index type must be bool, an int range, an enum, tid "
                            f"or a tuple of them, not {key}", t.key.pos)
        return ArrayType(key, elem)

    def _e_TupleLit(self, e: D.TupleLit, sc: Scope, want: Type | None) -> M.TExpr:
        if isinstance(want, TupleType) and len(want.fields) == len(e.items):
            items = tuple(self.expect_type(x, sc, t) for x, (_, t) in zip(e.items, want.fields))
            return self._compound(want, items)  # type: ignore[attr-defined]
        items = tuple(self.plain(self.expr(x, sc), x.pos) for x in e.items)
        return self._compound(TupleType.of(tuple(i.type for i in items)), items)  # type: ignore

    def tuple_item(self, t: M.TExpr, index: S.Expr, sc: Scope) -> M.TExpr:
        k = self.expr(index, sc)
        fields: tuple = t.type.fields  # type: ignore[attr-defined]
        if not (isinstance(k, M.Const) and is_int(k.type) and 0 <= k.value < len(fields)):
            raise SpecError(f"a tuple's item is read at a constant 0..{len(fields) - 1}",
                            index.pos)
        return item_of(t, str(k.value), f"{{}}[{k.value}]")


    def keyed_item(self, a: M.TExpr, index: S.Expr, sc: Scope, pos: Pos) -> M.TExpr:
        t: KeyedArrayType = a.type  # type: ignore[assignment]
        key = self.expect_type(index, sc, t.index)
        at = self.checked_number(key, t.index, pos)
        return spelled(M.IndexPlace(t.elem, a, at, pos=pos), "{}[{}]", ATOM, (a, ATOM),
                       (key, BINDER))

    def all_members(self, t: RecordType, name: str, pos: Pos) -> M.Const:
        """Every value of a tuple or record type, as the set of them, printed as the
        type's name (a literal of its values might not tell their type)."""
        whole = self.set_type(t, pos)
        return M.Const(whole, (True,) * len(whole.key.values()),  # type: ignore[attr-defined]
                       spelling=(name, ATOM, ()))


def item_of(t: M.TExpr, name: str, fmt: str) -> M.TExpr:
    """Field `name` of the record or tuple t; of a tuple built in place (a member a binder
    decoded), the item itself, so `m[0]` does not decode the other items."""
    off, ft = t.type.field(name)  # type: ignore[attr-defined, misc]
    if isinstance(t, M.Compound):
        item = t.items[[n for n, _ in t.type.fields].index(name)]  # type: ignore[attr-defined]
        return item if t.spelling is None else spelled(item, fmt, ATOM, (t, ATOM))
    return M.FieldPlace(ft, t, name, off)
