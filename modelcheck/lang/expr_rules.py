"""The parser's rules for expressions (`decl_rules` says why the rules are split in three).

The grammar gives each level of operator precedence its own rule; here they all become
`syntax.Binary` and `syntax.Unary`, and the quantifiers one `syntax.Binder`. A comparison
or an arithmetic operator is placed at its operator's token, so errors point at it.
"""

from __future__ import annotations

from typing import Any

from lark import Transformer, v_args

from . import syntax as S
from . import tla_syntax as T
from .positions import meta_pos, token_pos


@v_args(meta=True)
class ExpressionRules(Transformer):
    """Builds `syntax.Expr` nodes."""

    def tls_of(self, meta: Any, c: list) -> S.Expr:
        return S.TlsOf(token_pos(c[0]), str(c[0]), c[1])

    def implies(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(meta_pos(meta), "->", c[0], c[1])

    def or_(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(meta_pos(meta), "||", c[0], c[1])

    def and_(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(meta_pos(meta), "&&", c[0], c[1])

    def not_(self, meta: Any, c: list) -> S.Expr:
        return S.Unary(meta_pos(meta), "!", c[0])

    def compare(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(token_pos(c[1]), str(c[1]), c[0], c[2])

    def member(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(meta_pos(meta), "in", c[0], c[1])

    def not_member(self, meta: Any, c: list) -> S.Expr:
        return S.Unary(meta_pos(meta), "!", S.Binary(meta_pos(meta), "in", c[0], c[1]))

    def at_step(self, meta: Any, c: list) -> S.Expr:
        return T.AtStep(meta_pos(meta), c[0], str(c[1]), None if c[2] is None else str(c[2]))

    def union(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(meta_pos(meta), "|", c[0], c[1])

    def inter(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(meta_pos(meta), "&", c[0], c[1])

    def arith(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(token_pos(c[1]), str(c[1]), c[0], c[2])

    def mod_op(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(meta_pos(meta), "mod", c[0], c[1])

    def neg(self, meta: Any, c: list) -> S.Expr:
        return S.Unary(meta_pos(meta), "-", c[0])

    def index(self, meta: Any, c: list) -> S.Expr:
        return S.Index(meta_pos(meta), c[0], c[1])

    def field_access(self, meta: Any, c: list) -> S.Expr:
        return S.FieldOf(meta_pos(meta), c[0], str(c[1]))

    def int_lit(self, meta: Any, c: list) -> S.Expr:
        return S.IntLit(token_pos(c[0]), int(c[0]))

    def true_lit(self, meta: Any, c: list) -> S.Expr:
        return S.BoolLit(meta_pos(meta), True)

    def false_lit(self, meta: Any, c: list) -> S.Expr:
        return S.BoolLit(meta_pos(meta), False)

    def none_lit(self, meta: Any, c: list) -> S.Expr:
        return S.NoneLit(meta_pos(meta))

    def self_lit(self, meta: Any, c: list) -> S.Expr:
        return S.SelfRef(meta_pos(meta))

    def variant_lit(self, meta: Any, c: list) -> S.Expr:
        return S.VariantRef(meta_pos(meta))

    def name(self, meta: Any, c: list) -> S.Expr:
        return S.Name(token_pos(c[0]), str(c[0]))

    def call(self, meta: Any, c: list) -> S.Expr:
        return S.Call(token_pos(c[0]), str(c[0]), tuple(c[1] or ()))

    def set_lit(self, meta: Any, c: list) -> S.Expr:
        return S.SetLit(meta_pos(meta), tuple(c[0] or ()))

    def record_lit(self, meta: Any, c: list) -> S.Expr:
        return S.RecordLit(meta_pos(meta), tuple((str(k), v) for k, v in zip(c[::2], c[1::2])))

    def array_lit(self, meta: Any, c: list) -> S.Expr:
        return S.ArrayLit(meta_pos(meta), tuple(c[0]))

    def empty_list(self, meta: Any, c: list) -> S.Expr:
        return S.ArrayLit(meta_pos(meta), ())  # the empty sequence; an array needs items

    def array_for(self, meta: Any, c: list) -> S.Expr:
        return T.ArrayFor(meta_pos(meta), c[0], str(c[1]), c[2])

    def _binder(self, kind: str, meta: Any, c: list) -> S.Expr:
        return S.Binder(meta_pos(meta), kind, str(c[0]), c[1], c[2])

    def forall(self, meta: Any, c: list) -> S.Expr:
        return self._binder("forall", meta, c)

    def exists(self, meta: Any, c: list) -> S.Expr:
        return self._binder("exists", meta, c)

    def count(self, meta: Any, c: list) -> S.Expr:
        return self._binder("count", meta, c)

    def comprehension(self, meta: Any, c: list) -> S.Expr:
        return self._binder("filter", meta, c)

    def sum_of(self, meta: Any, c: list) -> S.Expr:
        return self._binder("sum", meta, c[1:])  # c[0] is the `sum(` token

    def pick(self, meta: Any, c: list) -> S.Expr:
        return self._binder("pick", meta, c[1:])

    def cond(self, meta: Any, c: list) -> S.Expr:
        return S.Cond(meta_pos(meta), c[0], c[1], c[2])

    def args(self, meta: Any, c: list) -> list:
        return c

    def range_domain(self, meta: Any, c: list) -> S.Expr:
        return S.RangeDomain(meta_pos(meta), c[0], c[1])

    def subset_domain(self, meta: Any, c: list) -> S.Expr:
        return T.SubsetDomain(meta_pos(meta), c[0])

    def bool_domain(self, meta: Any, c: list) -> S.Expr:
        return S.BoolDomain(meta_pos(meta))
