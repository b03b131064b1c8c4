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


# A binder that takes a tuple apart (`forall (a, b) in S`) keeps its variable as written,
# `(a, b)`, in the `str` every binder holds: the passes that only carry a binder's name
# along need no new case, and the reports print the pattern as the user wrote it.
def pattern_text(names: list[str]) -> str:
    return "(" + ", ".join(names) + ")"


def pattern_names(var: str) -> tuple[str, ...] | None:
    """The names a binder's variable gives a tuple's items, or None for a plain name."""
    if not var.startswith("("):
        return None
    return tuple(n.strip() for n in var[1:-1].split(","))
