"""Binders that take a tuple apart: `forall (a, b) in S: ...`, TLA+'s `\\A <<a, b>> \\in S`.

The binder ranges over the tuples as a plain one would; its pattern names each item of
the tuple it stands for (`item_of`: a member a binder decoded gives the item itself), so
the body reads `a` where it would have read `t[0]` and every engine sees what it already
runs. The names print as written, so a report's expression re-parses.
"""

from __future__ import annotations

from ..ir import model as M
from ..ir.typesys import TupleType
from ..lang.data_syntax import pattern_names
from ..lang.errors import Pos, SpecError
from .scope import Scope
from .spelling import ATOM, spelled
from .tuples import item_of


def bind(sc: Scope, var: str, value: M.TExpr, pos: Pos) -> Scope:
    """sc with the binder's variable bound to value, or its pattern's names to value's
    items."""
    names = pattern_names(var)
    if names is None:
        return sc.push(var, value)
    t = value.type
    if not isinstance(t, TupleType) or len(t.fields) != len(names):
        raise SpecError(f"'{var}' takes apart a tuple of {len(names)} items; the domain's "
                        f"values are {t}", pos)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SpecError(f"'{var}' names '{twice[0]}' twice", pos)
    items = {n: spelled(item_of(value, str(k), f"{{}}[{k}]"), n, ATOM)
             for k, n in enumerate(names)}
    return Scope(sc.state, sc.template, sc.in_step, [*sc.bound, items])
