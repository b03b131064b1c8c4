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


# A binder that takes a tuple apart (`forall (a, b) in S`, `forall ((a, b), c) in S`) keeps
# its variable as written, `(a, b)`, in the `str` every binder holds: the passes that only
# carry a binder's name along need no new case, and the reports print the pattern as the
# user wrote it.
def pattern_text(items: list[str]) -> str:
    """The pattern of these items, each a name or a pattern's text."""
    return "(" + ", ".join(items) + ")"


Pattern = tuple["str | Pattern", ...]


def pattern_names(var: str) -> Pattern | None:
    """The names a binder's variable gives a tuple's items, a nested pattern as a nested
    tuple of them; None for a plain name."""
    if not var.startswith("("):
        return None
    items: list[str | Pattern] = []
    depth, start = 0, 1
    for k, c in enumerate(var[1:-1], 1):
        depth += (c == "(") - (c == ")")
        if c == "," and depth == 0:
            items.append(_item(var[start:k]))
            start = k + 1
    items.append(_item(var[start:-1]))
    return tuple(items)


def _item(text: str) -> str | Pattern:
    text = text.strip()
    return pattern_names(text) or text
