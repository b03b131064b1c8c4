"""The parser's rules for the file and its declarations, and for types.

The transformer that turns lark's tree into `syntax` nodes has one method per grammar
alias, too many for one class; its rules are split by the area of the grammar they build
(declarations here, `stmt_rules` and `expr_rules`), and `parser._Build` puts them together.
A declaration rule returns (field of `Spec`, item), and `start` files each item under its
field of the spec.
"""

from __future__ import annotations

from typing import Any

from lark import Transformer, v_args

from . import syntax as S
from . import tla_syntax as T
from .positions import meta_pos, token_pos


@v_args(meta=True)
class DeclarationRules(Transformer):
    """Builds `Spec` and its declarations, and type expressions."""

    # ---- file
    def start(self, meta: Any, decls: list) -> S.Spec:
        spec = S.Spec()
        for kind, item in decls:
            if kind == "spec":
                object.__setattr__(spec, "name", item)
            elif kind == "variants":
                spec.variants.extend(item)
            elif kind == "symmetric_types":  # a type declaration that is also symmetric
                spec.types.append(item)
                spec.symmetric.append((item[0], item[2]))
            else:
                getattr(spec, kind).append(item)
        return spec

    def spec_decl(self, meta: Any, c: list) -> tuple:
        return ("spec", str(c[0]))

    def const_decl(self, meta: Any, c: list) -> tuple:
        return ("consts", (str(c[0]), c[1], token_pos(c[0])))

    def type_decl(self, meta: Any, c: list) -> tuple:
        return ("types", (str(c[0]), c[1], token_pos(c[0])))

    def symmetric_type(self, meta: Any, c: list) -> tuple:
        return ("symmetric_types", (str(c[0]), c[1], token_pos(c[0])))

    def symmetric_name(self, meta: Any, c: list) -> tuple:
        return ("symmetric", (str(c[0]), token_pos(c[0])))

    def enum_decl(self, meta: Any, c: list) -> tuple:
        members = tuple((str(t), token_pos(t)) for t in c[1:])
        return ("enums", (str(c[0]), members, token_pos(c[0])))

    def variants_decl(self, meta: Any, c: list) -> tuple:
        return ("variants", [(str(t), token_pos(t)) for t in c])

    def threads_decl(self, meta: Any, c: list) -> tuple:
        return ("threads", (c[0], meta_pos(meta)))

    def var_decl(self, meta: Any, c: list) -> tuple:
        kind, init = c[2]
        return ("vars", S.VarDecl(str(c[0]), c[1], init, kind != "value", token_pos(c[0])))

    def atomic_var_decl(self, meta: Any, c: list) -> tuple:
        kind, decl = self.var_decl(meta, c)
        return kind, S.VarDecl(decl.name, decl.type, decl.init, decl.choice, decl.pos, atomic=True)

    def init_value(self, meta: Any, c: list) -> tuple:
        return ("value", c[0])

    def init_choice(self, meta: Any, c: list) -> tuple:
        return ("choice", c[0])

    def init_any(self, meta: Any, c: list) -> tuple:
        return ("any", None)

    def init_decl(self, meta: Any, c: list) -> tuple:
        return ("inits", (c[0], meta_pos(meta)))

    def constraint_decl(self, meta: Any, c: list) -> tuple:
        return ("constraints", (c[0], meta_pos(meta)))

    def def_decl(self, meta: Any, c: list) -> tuple:
        return ("defs", S.DefDecl(str(c[0]), tuple(c[1] or ()), c[2], c[4], token_pos(c[0]),
                                  c[3] or ()))

    def when_clause(self, meta: Any, c: list) -> S.Variants:
        return tuple((str(t), token_pos(t)) for t in c)

    def params(self, meta: Any, c: list) -> list:
        return c

    def param(self, meta: Any, c: list) -> S.Param:
        return S.Param(str(c[0]), c[1], token_pos(c[0]))

    def thread_decl(self, meta: Any, c: list) -> tuple:
        locals_ = tuple(x for x in c[2:] if isinstance(x, S.LocalDecl))
        steps = tuple(x for x in c[2:] if isinstance(x, S.StepDecl))
        params = tuple(c[1] or ())
        return ("templates", S.ThreadDecl(str(c[0]), params, locals_, steps, token_pos(c[0])))

    def local_decl(self, meta: Any, c: list) -> S.LocalDecl:
        kind, init = c[2]
        return S.LocalDecl(str(c[0]), c[1], init, token_pos(c[0]), kind != "value")

    def step_decl(self, meta: Any, c: list) -> S.StepDecl:
        return S.StepDecl(str(c[0]), c[2], token_pos(c[0]), c[1] or ())

    def start_decl(self, meta: Any, c: list) -> tuple:
        loop = (str(c[2]), c[3]) if c[2] is not None else None
        return ("starts", (str(c[0]), tuple(c[1] or ()), token_pos(c[0]), loop))

    def invariant_decl(self, meta: Any, c: list) -> tuple:
        if c[1] is None:
            return ("invariants", (str(c[0]), c[2], token_pos(c[0])))
        return ("guarded_invariants", (str(c[0]), c[2], token_pos(c[0]), c[1]))

    def lemma_decl(self, meta: Any, c: list) -> tuple:
        variants = tuple((str(t), token_pos(t)) for t in c[1:-1] if t is not None)
        return ("lemmas", S.LemmaDecl(str(c[0]), variants, c[-1], token_pos(c[0])))

    def expect_holds(self, meta: Any, c: list) -> tuple:
        return ("expects", (str(c[0]), (), token_pos(c[0])))

    def expect_violates(self, meta: Any, c: list) -> tuple:
        return ("expects", (str(c[0]), tuple(str(t) for t in c[1:]), token_pos(c[0])))

    def tls_decl(self, meta: Any, c: list) -> tuple:
        return ("thread_locals", (str(c[0]), c[1], c[2], token_pos(c[0])))

    def destructor_decl(self, meta: Any, c: list) -> tuple:
        return ("destructors", (str(c[0]), c[1], token_pos(c[0])))

    def handler_decl(self, meta: Any, c: list) -> tuple:
        return ("handlers", S.HandlerDecl(str(c[0]), tuple(c[1:]), token_pos(c[0])))

    def option_decl(self, meta: Any, c: list) -> tuple:
        return ("options", (str(c[0]), c[1], token_pos(c[0])))

    # ---- types
    def bool_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.BoolTypeExpr(meta_pos(meta))

    def range_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.RangeTypeExpr(meta_pos(meta), c[0], c[1])

    def bound(self, meta: Any, c: list) -> S.Expr:
        expr = c[0]
        for op, rhs in zip(c[1::2], c[2::2]):
            expr = S.Binary(expr.pos, str(op), expr, rhs)
        return expr

    def named_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.NamedTypeExpr(meta_pos(meta), str(c[0]))

    def optional_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.OptionalTypeExpr(meta_pos(meta), c[0])

    def set_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.SetTypeExpr(meta_pos(meta), c[0])

    def array_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.ArrayTypeExpr(meta_pos(meta), c[0], c[1])

    def seq_type(self, meta: Any, c: list) -> S.TypeExpr:
        return T.SeqTypeExpr(meta_pos(meta), c[0], c[1])

    def record_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.RecordTypeExpr(meta_pos(meta), tuple(c))

    def field(self, meta: Any, c: list) -> tuple:
        return (str(c[0]), c[1], token_pos(c[0]))
