"""Syntax of compound values TLA+ users build messages from: tuples (`(a, b)`, of type
`tuple(A, B)`), which sets, arrays and quantifiers take like any other value."""

from __future__ import annotations

from dataclasses import dataclass

from .syntax import Expr, TypeExpr


@dataclass(frozen=True)
class TupleLit(Expr):
    """`(a, b, ...)`: two or more values in order; `t[0]` reads the first."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class TupleTypeExpr(TypeExpr):
    """`tuple(A, B, ...)`: the tuples of an A, a B, ... (TLA+'s `A \\X B`)."""

    items: tuple[TypeExpr, ...]
