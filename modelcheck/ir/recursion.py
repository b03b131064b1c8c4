"""How the checker names the copies of a recursive definition (`check/recursion.py`), and
how a report reads a call of one back as the spec wrote it."""

from __future__ import annotations

from . import model as M

COPY = "__rec"  # a copy's name: the definition's, this, its depth
RECURSIVE_CALL = "recursive call of"  # how the error of a recursive call's measure begins


def copy_name(name: str, depth: int) -> str:
    return name if depth == 0 else f"{name}{COPY}{depth}"


def as_written(e: M.DefCall) -> tuple[str, tuple[M.TExpr, ...]]:
    """A call as the spec wrote it: a copy's name is its definition's, and a recursive
    call's measure is the argument inside its check (so reports print `f(n - 1)`)."""
    args = tuple(a.operand.then if isinstance(a, M.Unwrap) and a.why.startswith(RECURSIVE_CALL)
                 and isinstance(a.operand, M.Ite) else a for a in e.args)
    return e.name.split(COPY)[0], args


def recursive(name: str, defs: dict[str, M.Def]) -> str | None:
    """The recursive definition a def is a copy of (itself at depth 0), or None."""
    base = name.split(COPY)[0]
    return base if copy_name(base, 1) in defs else None
