"""Fitting a checked expression to the type its context needs.

Every part of the checker wants values of some type: a bool for a condition, the target's
type for an assignment, a parameter's type for an argument. The implicit conversions the
language allows (an int literal standing for an id, an optional read as its value, `none`
and `{}` taking the type wanted, a constant checked against its range) are decided here
and nowhere else. `expr` dispatches to the `_e_*` method of each kind of expression, which
the expression mixins define; the lazy resolution of declarations builds on this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..ir import model as M
from ..ir.typesys import (
    INT,
    BigSetType,
    EmptySetType,
    IntType,
    NoneType,
    OptionalType,
    ScalarsetType,
    TidType,
    Type,
    assignable,
    is_int,
    strip_optional,
)
from ..lang import syntax as S
from ..lang.errors import Pos, SpecError
from .scope import Scope
from .symmetry import Symmetry


class Coercion(Symmetry):
    """An expression checked, then fitted to the type wanted."""

    def expr(self, e: S.Expr, sc: Scope, want: Type | None = None) -> M.TExpr:
        """Check an expression where a value of type `want` would fit (a hint for literals
        such as `none`, `{}` and records, not a demand: `expect_type` demands)."""
        method: Callable[..., M.TExpr] = getattr(self, "_e_" + type(e).__name__)
        te = method(e, sc, want)
        if type(te) in _COMPUTED and te.pos.line == 0:  # built here: an evaluation error
            te = replace(te, pos=e.pos)                 # in it points at its source
        return te

    def expect_type(self, e: S.Expr, sc: Scope, t: Type) -> M.TExpr:
        return self.coerce(self.expr(e, sc, t), t, e.pos)

    def coerce(self, te: M.TExpr, t: Type, pos: Pos) -> M.TExpr:
        """Fit a checked expression to the type the context needs, or fail."""
        if isinstance(te, M.Const) and isinstance(t, (TidType, OptionalType)) and \
                isinstance(strip_optional(t), TidType) and is_int(te.type):
            ids = strip_optional(t)
            if not 0 <= te.value < ids.count:  # type: ignore[attr-defined]
                if isinstance(ids, ScalarsetType):
                    raise SpecError(f"{te.value} is not an id of {ids} (0..{ids.count - 1})", pos)
                raise SpecError(f"thread id {te.value} is outside the pool 0..{self.pool - 1}",
                                pos)
            self.singles_out(ids, pos, f"the literal {te.value}")
            return M.Const(ids, te.value)
        if isinstance(te.type, OptionalType) and not isinstance(t, OptionalType) \
                and assignable(t, te.type.inner):
            return M.Unwrap(te.type.inner, te, pos=pos)
        if isinstance(t, BigSetType) and isinstance(te.type, EmptySetType):
            return M.Const(t, (False,) * len(t.key.values()))
        if not assignable(t, te.type):
            raise SpecError(f"expected {t}, got {te.type}", pos)
        if isinstance(te.type, (EmptySetType, NoneType)) and isinstance(te, M.Const):
            return M.Const(t, te.value)
        if isinstance(te, M.Const) and isinstance(t, IntType) and t.lo is not None:
            if not t.lo <= te.value <= t.hi:  # type: ignore[operator]
                raise SpecError(f"value {te.value} is outside {t}", pos)
        return te

    def plain(self, te: M.TExpr, pos: Pos) -> M.TExpr:
        """Unwrap an optional where a plain value is needed."""
        if isinstance(te.type, OptionalType):
            return M.Unwrap(te.type.inner, te, pos=pos)
        if isinstance(te.type, NoneType):
            raise SpecError("'none' cannot be used here", pos)
        return te


# the nodes an expression's check builds afresh (a place or a bound variable may be shared)
_COMPUTED = (M.Unary, M.Binary, M.SetOf, M.Quant, M.Ite, M.Builtin, M.DefCall, M.Compound)


def join(a: Type, b: Type) -> Type | None:
    """The type holding both: `T` and `T?` join to `T?`, never to `T`."""
    if isinstance(a, OptionalType) != isinstance(b, OptionalType):
        inner = join(strip_optional(a), strip_optional(b))
        return OptionalType(inner) if inner is not None else None
    if is_int(a) and is_int(b):
        return INT
    if isinstance(a, (EmptySetType, NoneType)):
        return b if assignable(b, a) else None
    if isinstance(b, (EmptySetType, NoneType)):
        return a if assignable(a, b) else None
    if assignable(a, b):
        return a
    if assignable(b, a):
        return b
    return None
