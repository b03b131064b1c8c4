"""How the user wrote what the checker spelled in other nodes, for the reports.

Sequences, sets of records, tuples or sets, and arrays indexed by tuples become records,
arrays of bools and member numbers (`sequences`, `big_sets`, `tuples`), which no user
wrote: printed as they are, `q.items[k]` or `S[3 * x.a + x.b]` would not re-parse. Each
such node carries its `spelling` (`ir.typesys.Written`): a format, its binding strength and
its operands with the strength each needs, in the grammar's precedence (as
`report/render.py` writes operators).
"""

from __future__ import annotations

from dataclasses import replace

from ..ir import model as M

ATOM = 10      # a name, a call, an indexing, a literal
SET_OP = 6     # `|`, `&`, `at`
COMPARE = 5    # `==`, `<=`, `in`
BINDER = 0     # `forall x in S : ...`, `if ... then ... else ...`


def spelled(node: M.TExpr, fmt: str, strength: int, *parts: tuple[M.TExpr, int]) -> M.TExpr:
    """node, printed as `fmt` filled with its parts (each in parentheses if it binds less
    tightly than the strength given with it). A constant prints as its value."""
    if isinstance(node, M.Const):
        return node
    return replace(node, spelling=(fmt, strength, parts))


def listed(items: list[M.TExpr] | tuple[M.TExpr, ...], open_: str, close: str) -> str:
    """The format of a literal of its items between its brackets (braces escaped)."""
    def escaped(s: str) -> str:
        return s.replace("{", "{{").replace("}", "}}")
    return escaped(open_) + ", ".join(["{}"] * len(items)) + escaped(close)
