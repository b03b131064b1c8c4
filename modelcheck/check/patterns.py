"""Binders that take a tuple apart: `forall (a, b) in S: ...`, TLA+'s `\\A <<a, b>> \\in S`,
nested as the tuples are (`forall ((a, b), c) in S`).

The binder ranges over the tuples as a plain one would; its pattern names each item of
the tuple it stands for (`item_of`: a member a binder decoded gives the item itself), so
the body reads `a` where it would have read `t[0]` and every engine sees what it already
runs. The names print as written, so a report's expression re-parses.
"""

from __future__ import annotations

from ..ir import model as M
from ..ir.typesys import TupleType
from ..lang.data_syntax import Pattern, pattern_names, pattern_text
from ..lang.errors import Pos, SpecError
from .scope import Scope
from .spelling import ATOM, spelled
from .tuples import item_of


def bind(sc: Scope, var: str, value: M.TExpr, pos: Pos) -> Scope:
    """sc with the binder's variable bound to value, or its pattern's names to value's
    items (an item's own items, where the pattern nests)."""
    names = pattern_names(var)
    if names is None:
        return sc.push(var, value)
    items: dict[str, M.TExpr] = {}
    _take_apart(names, value, var, pos, items)
    return Scope(sc.state, sc.template, sc.in_step, [*sc.bound, items])


def _take_apart(names: Pattern, value: M.TExpr, var: str, pos: Pos,
                items: dict[str, M.TExpr]) -> None:
    t = value.type
    if not isinstance(t, TupleType) or len(t.fields) != len(names):
        part = pattern_text([_text(n) for n in names])
        where = "" if part == var else f" in '{var}'"
        raise SpecError(f"'{part}'{where} takes apart a tuple of {len(names)} items; the "
                        f"{'domain' if not where else 'item'}'s values are {t}", pos)
    for k, n in enumerate(names):
        item = item_of(value, str(k), f"{{}}[{k}]")
        if not isinstance(n, str):
            _take_apart(n, item, var, pos, items)
            continue
        if n in items:
            raise SpecError(f"'{var}' names '{n}' twice", pos)
        items[n] = spelled(item, n, ATOM)


def _text(n: str | Pattern) -> str:
    return n if isinstance(n, str) else pattern_text([_text(x) for x in n])
