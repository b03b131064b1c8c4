"""Constants, types and definitions, each resolved when it is first needed.

A spec may declare things in any order: a constant used in a range type before the
constant's line, a definition calling one declared below it. Rather than sort the
declarations, the checker resolves each one on first use and remembers the result; the
names being resolved are kept so that a declaration defined in terms of itself is
reported instead of recursing forever. Resolving needs expressions checked (a constant's
value, a range's bounds, a definition's body), so this builds on `Coercion`.
"""

from __future__ import annotations

from ..ir import model as M
from ..ir.typesys import (
    BOOL,
    INT,
    BoolType,
    EnumType,
    IntType,
    OptionalType,
    RecordType,
    ScalarsetType,
    TidType,
    Type,
    is_int,
)
from ..lang import data_syntax as D
from ..lang import syntax as S
from ..lang import tla_syntax as T
from ..lang.errors import SpecError, suggest
from .coercion import Coercion
from .scope import CONST_SCOPE, Scope


class Resolution(Coercion):
    """`const`, `type` and `defn`: a declaration's checked form, computed once."""

    def const(self, name: str) -> M.Const:
        if name in self.const_values:
            return self.const_values[name]
        _, expr, pos = self.names[name]
        if name in self.resolving:
            raise SpecError(f"constant '{name}' is defined in terms of itself", pos)
        self.resolving.add(name)
        if name in self.overrides:
            value = _parse_override(name, self.overrides[name])
        else:
            value = self.expr(expr, CONST_SCOPE)
            if not isinstance(value, M.Const):
                raise SpecError(f"constant '{name}' must have a value known before the search",
                                pos)
        if not isinstance(value.type, (IntType, BoolType, EnumType)):
            raise SpecError(f"constant '{name}' must be an int, a bool or an enum member", pos)
        if isinstance(value.type, IntType):
            value = M.Const(INT, value.value)
        self.resolving.discard(name)
        self.const_values[name] = value
        return value

    def const_int(self, expr: S.Expr) -> int:
        value = self.expr(expr, CONST_SCOPE)
        if not isinstance(value, M.Const) or not is_int(value.type):
            raise SpecError("expected a constant integer", expr.pos)
        return int(value.value)

    def type(self, t: S.TypeExpr, finite_scalar: str | None = None) -> Type:
        result = self._type(t)
        if finite_scalar and not isinstance(result, (BoolType, IntType, EnumType, TidType)):
            raise SpecError(f"{finite_scalar} must be bool, an int range, an enum or tid, "
                            f"not {result}", t.pos)
        return result

    def _type(self, t: S.TypeExpr) -> Type:
        if isinstance(t, S.BoolTypeExpr):
            return BOOL
        if isinstance(t, S.RangeTypeExpr):
            lo, hi = self.const_int(t.lo), self.const_int(t.hi)
            if lo > hi:
                raise SpecError(f"empty range {lo}..{hi}", t.pos)
            if hi - lo > 1 << 16:
                raise SpecError(f"range {lo}..{hi} is too large for explicit search", t.pos)
            return IntType(lo, hi)
        if isinstance(t, S.NamedTypeExpr):
            if t.name == "tid" and "tid" not in self.type_decls:
                raise SpecError("tid cannot be used before the thread pool is known", t.pos)
            if t.name not in self.type_decls:
                raise SpecError(f"unknown type '{t.name}'", t.pos,
                                suggest(t.name, [*self.type_decls, "tid", "bool"]))
            decl, pos = self.type_decls[t.name]
            if isinstance(decl, Type):
                return decl
            if t.name in self.resolving:
                raise SpecError(f"type '{t.name}' is defined in terms of itself", pos)
            self.resolving.add(t.name)
            resolved = self._type(decl)
            if t.name in self.symmetric_types:
                if not (isinstance(resolved, IntType) and resolved.lo == 0):
                    raise SpecError(f"a symmetric type is a range of ids 0..N, not {resolved}",
                                    pos)
                resolved = ScalarsetType(len(resolved.values()), t.name)
            self.resolving.discard(t.name)
            self.type_decls[t.name] = (resolved, pos)
            return resolved
        if isinstance(t, S.OptionalTypeExpr):
            return OptionalType(self.type(t.inner, "an optional's value type"))
        if isinstance(t, S.SetTypeExpr):
            return self.set_type(self.type(t.elem), t.pos)  # type: ignore[attr-defined]
        if isinstance(t, S.ArrayTypeExpr):
            return self.array_of(t)  # type: ignore[attr-defined]
        if isinstance(t, D.TupleTypeExpr):
            return self.tuple_type(t)  # type: ignore[attr-defined]
        if isinstance(t, T.SeqTypeExpr):
            return self.seq_type(self.const_int(t.capacity), self.type(t.elem),  # type: ignore
                                 t.pos)
        if isinstance(t, S.RecordTypeExpr):
            names = [n for n, _, _ in t.fields]
            for n, _, p in t.fields:
                if names.count(n) > 1:
                    raise SpecError(f"field '{n}' appears twice", p)
            return RecordType(tuple((n, self.type(ft)) for n, ft, _ in t.fields))
        raise AssertionError(t)

    def defn(self, name: str) -> M.Def:
        if name in self.defs:
            return self.defs[name]
        d = self.def_decls[name]
        if name in self.resolving:
            raise SpecError(f"definition '{name}' calls itself through another definition; "
                            "definitions that call each other cannot be recursive (one may call "
                            "itself directly)", d.pos)
        self.resolving.add(name)
        params = [self.bound(p.name, self.type(p.type)) for p in d.params]
        sc = Scope()
        for p, b in zip(d.params, params):
            sc = sc.push(p.name, b)
        rtype = self.type(d.result)
        body = self.expect_type(d.body, sc, rtype)
        if isinstance(rtype, IntType) and rtype.lo is not None and not isinstance(body, M.Const):
            body = M.Unary(rtype, "range", body, pos=d.body.pos)  # checked when called
        self.resolving.discard(name)
        self.defs[name] = M.Def(name, params, body)
        return self.defs[name]


def _parse_override(name: str, text: str) -> M.Const:
    text = text.strip()
    if text in ("true", "false"):
        return M.Const(BOOL, text == "true")
    try:
        return M.Const(INT, int(text))
    except ValueError:
        raise SpecError(f"-D {name}={text}: the value must be an integer, true or false") \
            from None
