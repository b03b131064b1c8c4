"""Every kind of expression, checked: names and operators together, and the other kinds.

`Coercion.expr` looks the `_e_*` method of an expression's kind up on the checker object,
so the checker must inherit every one of them; `Expressions` is where they come together,
and what statements build on. Names and operators have their own modules; the kinds here
are the literals (whose type may come from the context: `none`, `{}`, records, arrays),
quantifiers, conditionals, and access to an array's element or a record's field.
"""

from __future__ import annotations

from typing import Any

from ..ir import model as M
from ..ir.typesys import (
    BOOL,
    INT,
    ArrayType,
    BigSetType,
    BoolType,
    EmptySetType,
    EnumType,
    IntType,
    KeyedArrayType,
    NoneType,
    OptionalType,
    RecordType,
    SeqType,
    SetType,
    TidType,
    TupleType,
    Type,
    all_values,
    is_int,
    strip_optional,
)
from ..lang import syntax as S
from ..lang import tla_syntax as T
from ..lang.errors import SpecError, suggest
from .coercion import join
from .control import Control
from .literal_sets import untold
from .names import Names
from .operators import Operators
from .outside_items import OutsideItems
from .patterns import bind
from .scope import Scope
from .sequences import Sequences
from .tuples import Tuples, item_of


class Expressions(Names, Operators, Control, Sequences, Tuples, OutsideItems):
    """Literals, quantifiers, conditionals, indexing and fields, over names and operators."""

    def _e_IntLit(self, e: S.IntLit, sc: Scope, want: Type | None) -> M.TExpr:
        return M.Const(INT, e.value)

    def _e_BoolLit(self, e: S.BoolLit, sc: Scope, want: Type | None) -> M.TExpr:
        return M.Const(BOOL, e.value)

    def _e_NoneLit(self, e: S.NoneLit, sc: Scope, want: Type | None) -> M.TExpr:
        return M.Const(want if isinstance(want, OptionalType) else NoneType(), None)

    def _e_SetLit(self, e: S.SetLit, sc: Scope, want: Type | None) -> M.TExpr:
        if isinstance(want, BigSetType):
            if not e.items:
                return self.empty(want)
            return self.big_literal([self.expect_type(i, sc, want.member) for i in e.items],
                                    want)
        if not e.items:
            return M.Const(want if isinstance(want, SetType) else EmptySetType(), 0)
        elem = want.elem if isinstance(want, SetType) else None
        items = []
        for item in e.items:
            te = self.expr(item, sc, elem)
            if elem is None:
                elem = strip_optional(te.type)
                if untold(elem):
                    return self.told_literal(e, sc)
            items.append(self.coerce(te, elem, item.pos))
        assert elem is not None
        if not isinstance(elem, (BoolType, IntType, EnumType, TidType)):
            whole = self.set_type(elem, e.pos)  # tuples or sets: a set of many values
            return self.big_literal(items, whole)  # type: ignore[arg-type]
        t = SetType(elem)
        if all(isinstance(i, M.Const) for i in items):
            mask = 0
            for i in items:
                mask |= 1 << elem.values().index(i.value)  # type: ignore[attr-defined]
            return M.Const(t, mask)
        return M.SetOf(t, tuple(items))

    def _e_RecordLit(self, e: S.RecordLit, sc: Scope, want: Type | None) -> M.TExpr:
        if not isinstance(want, RecordType):
            raise SpecError("a record literal is only allowed where a record type is expected",
                            e.pos)
        given = dict(e.fields)
        if len(given) != len(e.fields):
            raise SpecError("a field is given twice", e.pos)
        for name in given:
            if want.field(name) is None:
                raise SpecError(f"record has no field '{name}'", e.pos,
                                suggest(name, [n for n, _ in want.fields]))
        missing = [n for n, _ in want.fields if n not in given]
        if missing:
            raise SpecError(f"missing field(s): {', '.join(missing)}", e.pos)
        items = tuple(self.expect_type(given[n], sc, t) for n, t in want.fields)
        return self._compound(want, items)

    def _e_ArrayLit(self, e: S.ArrayLit, sc: Scope, want: Type | None) -> M.TExpr:
        if isinstance(want, SeqType):
            return self.seq_literal(e, sc, want)
        if not e.items:
            raise SpecError("'[]' is the empty sequence, allowed where a sequence is expected",
                            e.pos)
        if not isinstance(want, ArrayType):
            raise SpecError("an array literal is only allowed where an array type is expected",
                            e.pos)
        n = len(want.key.values())
        if len(e.items) == 1 and n != 1:
            item = self.expect_type(e.items[0], sc, want.elem)
            return self._compound(want, (item,) * n)
        if len(e.items) != n:
            raise SpecError(f"array of {n} elements needs {n} values (or one for all), "
                            f"{len(e.items)} given", e.pos)
        if n > 1:
            self.singles_out(want.key, e.pos, "an array listed element by element")
        return self._compound(want, tuple(self.expect_type(i, sc, want.elem) for i in e.items))

    def _e_ArrayFor(self, e: T.ArrayFor, sc: Scope, want: Type | None) -> M.TExpr:
        """`[e for x in D]`: one element per index, each checked with x the index's value,
        so the array is a literal of any size (`-D N=...` resizes it)."""
        if not isinstance(want, ArrayType):
            raise SpecError("an array comprehension is only allowed where an array type is "
                            "expected", e.pos)
        keys = self.constant_values(e.domain)
        index = want.index if isinstance(want, KeyedArrayType) else want.key
        if [k.value for k in keys] != all_values(index):
            raise SpecError(f"an array comprehension ranges over its index type, {index}",
                            e.domain.pos)
        if len(keys) > 1:
            self.singles_out(want.key, e.pos, "an array given element by element")
        return self._compound(want, tuple(
            self.expect_type(e.item, bind(sc, e.var, M.Const(index, k.value), e.pos), want.elem)
            for k in keys))

    def _compound(self, t: Type, items: tuple[M.TExpr, ...]) -> M.TExpr:
        if all(isinstance(i, M.Const) for i in items):
            flat: list[Any] = []
            for i in items:
                flat.extend(i.value if isinstance(i.value, tuple) else (i.value,))  # type: ignore
            return M.Const(t, tuple(flat))
        return M.Compound(t, items)

    def _e_Binder(self, e: S.Binder, sc: Scope, want: Type | None) -> M.TExpr:
        dom = self.domain(e.domain, sc)
        var = self.bound(e.var, dom.type)
        guard = self.domain_guard(e.domain, var, sc) or self.member_guard(dom, var)
        inner = bind(sc, e.var, self.member_binding(dom, var), e.pos)
        if e.kind == "sum":
            raw = self.plain(self.expr(e.body, inner), e.body.pos)
            if not is_int(raw.type):
                raise SpecError(f"sum() adds ints, got {raw.type}", e.body.pos)
            body = raw if guard is None else M.Ite(raw.type, guard, raw, M.Const(INT, 0))
            return self.big_binder(M.Quant(INT, e.kind, var, dom, body), e.kind, var, dom, raw)
        if e.kind == "pick":  # the least value: which one is least is what symmetry hides
            self.singles_out(dom.type, e.pos, "'pick' takes the least value: it")
        if e.kind == "filter" and isinstance(e.domain, T.SubsetDomain):
            return self.subset_filter(self._subsets_of(e.domain, sc), e.var, e.body, sc)
        raw = self.expect_type(e.body, inner, BOOL)
        if id(dom) in self.big_domains and e.kind in ("filter", "pick"):
            if e.kind == "filter":
                return self.big_filter(dom, var, raw)
            found = M.Quant(INT, "pick", var, dom, M.Binary(BOOL, "&&", guard, raw))
            member = self.numbered(found, self.big_domains[id(dom)][0].type.member)
            return self.big_binder(member, e.kind, var, dom, raw)
        body = raw if guard is None else \
            M.Binary(BOOL, "->" if e.kind == "forall" else "&&", guard, raw)
        result: Type = {"count": INT, "filter": SetType(dom.type), "pick": dom.type}.get(
            e.kind, BOOL)
        return self.big_binder(M.Quant(result, e.kind, var, dom, body), e.kind, var, dom, raw)

    def _e_Cond(self, e: S.Cond, sc: Scope, want: Type | None) -> M.TExpr:
        test = self.expect_type(e.test, sc, BOOL)
        a = self.expr(e.then, sc, want)
        b = self.expr(e.other, sc, want or a.type)
        if want is not None and isinstance(strip_optional(want), TidType):
            # `if c then 1 else 2` where a tid is wanted: the literals are thread ids
            a, b = (self.coerce(x, want, p) if isinstance(x, M.Const) and is_int(x.type) else x
                    for x, p in ((a, e.then.pos), (b, e.other.pos)))
        t = join(a.type, b.type)
        if t is None:
            raise SpecError(f"the branches have different types: {a.type} and {b.type}", e.pos)
        if isinstance(test, M.Const):
            return a if test.value else b
        return M.Ite(t, test, self.coerce(a, t, e.then.pos), self.coerce(b, t, e.other.pos))

    def _e_Index(self, e: S.Index, sc: Scope, want: Type | None) -> M.TExpr:
        base = self.expr(e.base, sc)
        if isinstance(base.type, SeqType):
            return self.seq_index(base, e.index, sc, e.pos)
        if isinstance(base.type, TupleType):
            return self.tuple_item(base, e.index, sc)
        if isinstance(base.type, KeyedArrayType):
            return self.keyed_item(base, e.index, sc, e.pos)
        if not isinstance(base.type, ArrayType):
            raise SpecError(f"only arrays can be indexed; this is {base.type}", e.base.pos)
        key = base.type.key
        idx = self.plain(self.expr(e.index, sc, key), e.index.pos)
        if isinstance(key, IntType):
            if not is_int(idx.type):
                raise SpecError(f"index must be an int, got {idx.type}", e.index.pos)
            if isinstance(idx, M.Const) and not key.lo <= idx.value <= key.hi:  # type: ignore
                raise SpecError(f"index {idx.value} is outside {key}", e.index.pos)
        else:
            idx = self.coerce(idx, key, e.index.pos)
        return M.IndexPlace(base.type.elem, base, idx, pos=e.pos)

    def _e_FieldOf(self, e: S.FieldOf, sc: Scope, want: Type | None) -> M.TExpr:
        base, local = self.local_or_base(e, sc)
        if local:
            return base
        base = self.plain(base, e.base.pos)
        if not isinstance(base.type, RecordType):
            raise SpecError(f"only records have fields; this is {base.type}", e.base.pos)
        if base.type.field(e.name) is None:
            raise SpecError(f"record has no field '{e.name}'", e.pos,
                            suggest(e.name, [n for n, _ in base.type.fields]))
        return item_of(base, e.name, f"{{}}.{e.name}")

    def _e_RangeDomain(self, e: S.RangeDomain, sc: Scope, want: Type | None) -> M.TExpr:
        raise SpecError("a range 'a..b' is only allowed after 'in' in forall, exists, count, "
                        "filter and choose", e.pos)
    _e_BoolDomain = _e_RangeDomain

