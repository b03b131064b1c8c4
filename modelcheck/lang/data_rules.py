"""The parser's rules for tuples (`data_syntax`), kept apart from the other rule sets."""

from __future__ import annotations

from typing import Any

from lark import Transformer, v_args

from . import data_syntax as D
from . import syntax as S
from .positions import meta_pos


@v_args(meta=True)
class DataRules(Transformer):
    """Builds tuple literals and tuple types."""

    def tuple_lit(self, meta: Any, c: list) -> S.Expr:
        return D.TupleLit(meta_pos(meta), tuple(c))

    def tuple_type(self, meta: Any, c: list) -> S.TypeExpr:
        return D.TupleTypeExpr(meta_pos(meta), tuple(c))

    def binder_pattern(self, meta: Any, c: list) -> str:
        return D.pattern_text([str(n) for n in c])
