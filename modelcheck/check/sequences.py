"""Bounded sequences (`seq[K] of T`), spelled in the records and arrays every back end knows.

A sequence is the record {len, items} of `typesys.SeqType`, its items past `len` at the
element type's default, so that `==` on the slots is equality of sequences. Each operation
becomes an expression over that record, so the Python and C back ends and both z3
encodings need no case of their own, and keep agreeing:

- `len(q)` reads `len`; `q[i]` and `head(q)` read `items[i]`, where `i >= len(q)` is an
  evaluation error (a `runtime` violation with a trace), as an index out of range is;
- `append(q, v)` writes v at `len` and adds one. Overflowing the capacity is a `bounds`
  violation with a trace, never a wrap or a silent drop: where the result is stored
  (`q = append(q, v)`), the store's range check on `len` fails, as any value leaving its
  range does, and the search goes on; anywhere else it is an evaluation error;
- `tail(q)` shifts the items down by one and puts the default at the end (an error on
  the empty sequence);
- `[]` and `[a, b]` where a sequence is wanted are sequence literals.

The errors are `Unwrap`s of `none` chosen where the operation cannot be done, carrying
their own message, so each engine reports them as it reports `none` used as a value.
"""

from __future__ import annotations

from typing import Any

from ..ir import model as M
from ..ir.typesys import (
    BOOL,
    INT,
    ArrayType,
    BigSetType,
    IntType,
    NoneType,
    OptionalType,
    RecordType,
    ScalarsetType,
    SeqType,
    SetType,
    Type,
    is_int,
)
from ..lang import syntax as S
from ..lang.errors import Pos, SpecError
from .coercion import Coercion
from .scope import Scope
from .spelling import ATOM, BINDER, listed, spelled

FUNCTIONS = {"len": 1, "head": 1, "tail": 1, "append": 2}
APPEND_FULL = "append() to a full sequence (it holds {})"


class Sequences(Coercion):
    """`seq[K] of T`: its type, literals, indexing and the four functions."""

    def seq_type(self, capacity: int, elem: Type, pos: Pos) -> SeqType:
        if capacity < 1:
            raise SpecError(f"a sequence holds at least one value, not {capacity}", pos)
        if self._permuted(elem):
            raise SpecError(f"a sequence of {elem} under symmetry: the unused items would be "
                            "renamed with the used ones; keep its values in another type", pos)
        return SeqType.of(capacity, elem)

    def _permuted(self, t: Type) -> bool:
        """Whether symmetry reduction may rename values of t (so the default would move)."""
        if isinstance(t, (OptionalType, SetType)):
            return self._permuted(t.inner if isinstance(t, OptionalType) else t.elem)
        if isinstance(t, ArrayType):
            return self._permuted(t.key) or self._permuted(t.elem)
        if isinstance(t, RecordType):
            return any(self._permuted(f) for _, f in t.fields)
        return isinstance(t, ScalarsetType) or (self.symmetric_tid and t == self.tid)

    def holds_seq(self, t: Type) -> bool:
        if isinstance(t, SeqType):
            return True
        parts = [t.elem] if isinstance(t, (ArrayType, SetType)) else \
            [f for _, f in t.fields] if isinstance(t, RecordType) else []
        return any(self.holds_seq(p) for p in parts)

    def unused_items(self, q: M.TExpr, pos: Pos) -> M.TExpr:
        """`q in any`: its items past `len` hold the default (else two states would hold the
        same sequence). Only a variable that is a sequence itself can start `in any`."""
        t = q.type
        if not isinstance(t, SeqType):
            raise SpecError(f"{t} holds sequences and cannot start 'in any'; give it a value "
                            "(a sequence itself can)", pos)
        out: M.TExpr = M.Const(BOOL, True)
        for k in range(t.capacity):
            unused = M.Binary(BOOL, "==", _read(q, k), self._default(t.elem))
            out = M.Binary(BOOL, "&&", out, M.Binary(BOOL, "||", M.Binary(
                BOOL, ">", _length(q), M.Const(INT, k)), unused))
        return out

    def seq_literal(self, e: S.ArrayLit, sc: Scope, want: SeqType) -> M.TExpr:
        if len(e.items) > want.capacity:
            raise SpecError(f"{len(e.items)} values do not fit in {want}", e.pos)
        items = [self.expect_type(i, sc, want.elem) for i in e.items]
        given = [(i, BINDER) for i in items]
        items += [self._default(want.elem)] * (want.capacity - len(items))
        return spelled(self._sequence(want, M.Const(INT, len(e.items)), items),
                       listed(given, "[", "]"), ATOM, *given)

    def seq_index(self, q: M.TExpr, index: S.Expr, sc: Scope, pos: Pos) -> M.TExpr:
        i = self.plain(self.expr(index, sc, INT), index.pos)
        if not is_int(i.type):
            raise SpecError(f"a sequence's index must be an int, got {i.type}", index.pos)
        return self._item(q, i, pos)

    def seq_call(self, e: S.Call, sc: Scope, want: Type | None) -> M.TExpr:
        if len(e.args) != FUNCTIONS[e.func]:
            raise SpecError(f"{e.func}() takes {FUNCTIONS[e.func]} argument(s), "
                            f"{len(e.args)} given", e.pos)
        q = self.plain(self.expr(e.args[0], sc, want if e.func != "len" else None),
                       e.args[0].pos)
        if not isinstance(q.type, SeqType):
            raise SpecError(f"{e.func}() needs a sequence, got {q.type}", e.args[0].pos,
                            "size(S) counts a set's members" if e.func == "len" and
                            isinstance(q.type, (SetType, BigSetType)) else None)
        t: SeqType = q.type
        if e.func == "len":
            return spelled(_length(q), "len({})", ATOM, (q, BINDER))
        if e.func == "head":
            return spelled(self._item(q, M.Const(INT, 0), e.pos), "head({})", ATOM, (q, BINDER))
        if e.func == "tail":
            n = _checked(_gt(_length(q), 0), M.Binary(INT, "-", _length(q), M.Const(INT, 1)),
                         e.pos, "tail() of the empty sequence")
            rest = [_read(q, k) for k in range(1, t.capacity)]
            return spelled(self._sequence(t, n, [*rest, self._default(t.elem)]), "tail({})",
                           ATOM, (q, BINDER))
        v = self.expect_type(e.args[1], sc, t.elem)
        n = _checked(M.Binary(BOOL, "<", _length(q), M.Const(INT, t.capacity)),
                     M.Binary(INT, "+", _length(q), M.Const(INT, 1)), e.pos,
                     APPEND_FULL.format(t.capacity))
        items = [M.Ite(t.elem, M.Binary(BOOL, "==", _length(q), M.Const(INT, k)), v, _read(q, k))
                 for k in range(t.capacity)]
        return spelled(self._sequence(t, n, items), "append({}, {})", ATOM, (q, BINDER),
                       (v, BINDER))

    def _item(self, q: M.TExpr, i: M.TExpr, pos: Pos) -> M.TExpr:
        t: SeqType = q.type  # type: ignore[assignment]
        inside = M.Binary(BOOL, "&&", M.Binary(BOOL, ">=", i, M.Const(INT, 0)),
                          M.Binary(BOOL, "<", i, _length(q)))
        at = _checked(inside, i, pos, "index out of the sequence's length", t.capacity - 1)
        return spelled(M.IndexPlace(t.elem, _items(q), at, pos=pos), "{}[{}]", ATOM, (q, ATOM),
                       (i, BINDER))

    def _default(self, t: Type) -> M.Const:
        value = t.default()
        return M.Const(t, tuple(value) if t.width() > 1 or isinstance(t, RecordType)
                       or isinstance(t, ArrayType) else value[0])

    def _sequence(self, t: SeqType, n: M.TExpr, items: list[M.TExpr]) -> M.TExpr:
        array = self._compound(t.fields[1][1], tuple(items))  # type: ignore[attr-defined]
        return self._compound(t, (n, array))  # type: ignore[attr-defined]


def stored(value: M.TExpr) -> M.TExpr:
    """The value an assignment stores: an `append` whole, without its own check of the
    capacity, which the store's range check makes a `bounds` failure instead of an
    evaluation error (so the search is not cut off there)."""
    if isinstance(value, M.Compound) and isinstance(value.type, SeqType):
        n = value.items[0]
        if isinstance(n, M.Unwrap) and n.why.startswith(APPEND_FULL.split("(")[0]):
            return M.Compound(value.type, (n.operand.then, *value.items[1:]))  # type: ignore
    return value


def _length(q: M.TExpr) -> M.TExpr:
    return M.FieldPlace(q.type.fields[0][1], q, "len", 0)  # type: ignore[attr-defined]


def _items(q: M.TExpr) -> M.TExpr:
    return M.FieldPlace(q.type.fields[1][1], q, "items", 1)  # type: ignore[attr-defined]


def _read(q: M.TExpr, k: int) -> M.TExpr:
    """Item k, within the capacity: no check needed."""
    return M.IndexPlace(q.type.elem, _items(q), M.Const(INT, k))  # type: ignore


def _gt(a: M.TExpr, k: int) -> M.TExpr:
    return M.Binary(BOOL, ">", a, M.Const(INT, k))


def _checked(ok: M.TExpr, value: M.TExpr, pos: Pos, why: str, hi: int | None = None) -> Any:
    """`value` where `ok` holds; elsewhere an evaluation error saying `why`."""
    t = INT if hi is None else IntType(0, hi)
    none = M.Const(NoneType(), None)
    return M.Unwrap(t, M.Ite(OptionalType(t), ok, value, none), why, pos=pos)
