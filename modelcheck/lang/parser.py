"""Text to AST: the lark grammar in `grammar.lark` plus a transformer.

Lark's own exceptions never escape: every failure becomes a `SpecError` that
names the offending token and what would have been accepted there
(`parse_errors`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import lark
from lark import Token, Transformer, v_args

from . import syntax as S
from .errors import Pos, SpecError
from .parse_errors import syntax_error

_GRAMMAR = Path(__file__).with_name("grammar.lark")


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lark.Lark(_GRAMMAR.read_text(), parser="lalr", propagate_positions=True,
                     maybe_placeholders=True)


def parse(text: str) -> S.Spec:
    """Parse a whole spec file into grouped declarations."""
    parser = _parser()
    try:
        tree = parser.parse(text)
    except (lark.UnexpectedToken, lark.UnexpectedCharacters, lark.UnexpectedEOF) as e:
        raise syntax_error(e, text, parser) from None
    except lark.exceptions.VisitError as e:  # pragma: no cover - transformer bug
        raise e.orig_exc from None
    try:
        return _Build().transform(tree)
    except lark.exceptions.VisitError as e:
        if isinstance(e.orig_exc, SpecError):
            raise e.orig_exc from None
        raise


def _pos(meta: Any) -> Pos:
    return Pos(getattr(meta, "line", 0) or 0, getattr(meta, "column", 0) or 0)


def _tpos(tok: Token) -> Pos:
    return Pos(tok.line or 0, tok.column or 0)


def _unescape(tok: Token) -> str:
    body = str(tok)[1:-1]
    return body.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


@v_args(meta=True)
class _Build(Transformer):
    """Builds `syntax` nodes; one method per grammar alias."""

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
        return ("consts", (str(c[0]), c[1], _tpos(c[0])))

    def type_decl(self, meta: Any, c: list) -> tuple:
        return ("types", (str(c[0]), c[1], _tpos(c[0])))

    def symmetric_type(self, meta: Any, c: list) -> tuple:
        return ("symmetric_types", (str(c[0]), c[1], _tpos(c[0])))

    def symmetric_name(self, meta: Any, c: list) -> tuple:
        return ("symmetric", (str(c[0]), _tpos(c[0])))

    def enum_decl(self, meta: Any, c: list) -> tuple:
        members = tuple((str(t), _tpos(t)) for t in c[1:])
        return ("enums", (str(c[0]), members, _tpos(c[0])))

    def variants_decl(self, meta: Any, c: list) -> tuple:
        return ("variants", [(str(t), _tpos(t)) for t in c])

    def threads_decl(self, meta: Any, c: list) -> tuple:
        return ("threads", (c[0], _pos(meta)))

    def var_decl(self, meta: Any, c: list) -> tuple:
        kind, init = c[2]
        return ("vars", S.VarDecl(str(c[0]), c[1], init, kind == "choice", _tpos(c[0])))

    def init_value(self, meta: Any, c: list) -> tuple:
        return ("value", c[0])

    def init_choice(self, meta: Any, c: list) -> tuple:
        return ("choice", c[0])

    def def_decl(self, meta: Any, c: list) -> tuple:
        return ("defs", S.DefDecl(str(c[0]), tuple(c[1] or ()), c[2], c[3], _tpos(c[0])))

    def params(self, meta: Any, c: list) -> list:
        return c

    def param(self, meta: Any, c: list) -> S.Param:
        return S.Param(str(c[0]), c[1], _tpos(c[0]))

    def thread_decl(self, meta: Any, c: list) -> tuple:
        locals_ = tuple(x for x in c[2:] if isinstance(x, S.LocalDecl))
        steps = tuple(x for x in c[2:] if isinstance(x, S.StepDecl))
        params = tuple(c[1] or ())
        return ("templates", S.ThreadDecl(str(c[0]), params, locals_, steps, _tpos(c[0])))

    def local_decl(self, meta: Any, c: list) -> S.LocalDecl:
        return S.LocalDecl(str(c[0]), c[1], c[2], _tpos(c[0]))

    def step_decl(self, meta: Any, c: list) -> S.StepDecl:
        return S.StepDecl(str(c[0]), c[1], _tpos(c[0]))

    def start_decl(self, meta: Any, c: list) -> tuple:
        return ("starts", (str(c[0]), tuple(c[1] or ()), _tpos(c[0])))

    def invariant_decl(self, meta: Any, c: list) -> tuple:
        return ("invariants", (str(c[0]), c[1], _tpos(c[0])))

    def lemma_decl(self, meta: Any, c: list) -> tuple:
        variants = tuple((str(t), _tpos(t)) for t in c[1:-1] if t is not None)
        return ("lemmas", S.LemmaDecl(str(c[0]), variants, c[-1], _tpos(c[0])))

    def expect_holds(self, meta: Any, c: list) -> tuple:
        return ("expects", (str(c[0]), (), _tpos(c[0])))

    def expect_violates(self, meta: Any, c: list) -> tuple:
        return ("expects", (str(c[0]), tuple(str(t) for t in c[1:]), _tpos(c[0])))

    def tls_decl(self, meta: Any, c: list) -> tuple:
        return ("thread_locals", (str(c[0]), c[1], c[2], _tpos(c[0])))

    def destructor_decl(self, meta: Any, c: list) -> tuple:
        return ("destructors", (str(c[0]), c[1], _tpos(c[0])))

    def handler_decl(self, meta: Any, c: list) -> tuple:
        return ("handlers", S.HandlerDecl(str(c[0]), tuple(c[1:]), _tpos(c[0])))

    def free_stmt(self, meta: Any, c: list) -> S.Stmt:
        return S.Free(_pos(meta), c[0])

    def fork_assign(self, meta: Any, c: list) -> S.Stmt:
        return S.Fork(_pos(meta), c[0])

    def fork_let(self, meta: Any, c: list) -> S.Stmt:
        return S.Fork(_pos(meta), None, str(c[0]))

    def fork(self, meta: Any, c: list) -> S.Stmt:
        return S.Fork(_pos(meta), None)

    def install(self, meta: Any, c: list) -> S.Stmt:
        return S.SigOp(_pos(meta), "install", str(c[0]))

    def uninstall(self, meta: Any, c: list) -> S.Stmt:
        return S.SigOp(_pos(meta), "uninstall", str(c[0]))

    def mask(self, meta: Any, c: list) -> S.Stmt:
        return S.SigOp(_pos(meta), "mask", str(c[0]))

    def unmask(self, meta: Any, c: list) -> S.Stmt:
        return S.SigOp(_pos(meta), "unmask", str(c[0]))

    def on_exit(self, meta: Any, c: list) -> S.Stmt:
        return S.SigOp(_pos(meta), "on_exit", str(c[0]))

    def tls_of(self, meta: Any, c: list) -> S.Expr:
        return S.TlsOf(_tpos(c[0]), str(c[0]), c[1])

    def option_decl(self, meta: Any, c: list) -> tuple:
        return ("options", (str(c[0]), c[1], _tpos(c[0])))

    # ---- types
    def bool_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.BoolTypeExpr(_pos(meta))

    def range_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.RangeTypeExpr(_pos(meta), c[0], c[1])

    def bound(self, meta: Any, c: list) -> S.Expr:
        expr = c[0]
        for op, rhs in zip(c[1::2], c[2::2]):
            expr = S.Binary(expr.pos, str(op), expr, rhs)
        return expr

    def named_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.NamedTypeExpr(_pos(meta), str(c[0]))

    def optional_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.OptionalTypeExpr(_pos(meta), c[0])

    def set_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.SetTypeExpr(_pos(meta), c[0])

    def array_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.ArrayTypeExpr(_pos(meta), c[0], c[1])

    def record_type(self, meta: Any, c: list) -> S.TypeExpr:
        return S.RecordTypeExpr(_pos(meta), tuple(c))

    def field(self, meta: Any, c: list) -> tuple:
        return (str(c[0]), c[1], _tpos(c[0]))

    # ---- statements
    def block(self, meta: Any, c: list) -> tuple:
        return tuple(c)

    def assign(self, meta: Any, c: list) -> S.Stmt:
        return S.Assign(_pos(meta), c[0], c[1])

    def spawn_assign(self, meta: Any, c: list) -> S.Stmt:
        return S.Spawn(_pos(meta), c[0], str(c[1]), tuple(c[2] or ()))

    def spawn(self, meta: Any, c: list) -> S.Stmt:
        return S.Spawn(_pos(meta), None, str(c[0]), tuple(c[1] or ()))

    def spawn_let(self, meta: Any, c: list) -> S.Stmt:
        return S.Spawn(_pos(meta), None, str(c[1]), tuple(c[2] or ()), str(c[0]))

    def let(self, meta: Any, c: list) -> S.Stmt:
        return S.Let(_pos(meta), str(c[0]), c[1])

    def if_stmt(self, meta: Any, c: list) -> S.Stmt:
        branches = [(c[0], c[1])]
        otherwise: tuple = ()
        for part in c[2:]:
            if part[0] == "elif":
                branches.append((part[1], part[2]))
            else:
                otherwise = part[1]
        return S.If(_pos(meta), tuple(branches), otherwise)

    def elif_part(self, meta: Any, c: list) -> tuple:
        return ("elif", c[0], c[1])

    def else_part(self, meta: Any, c: list) -> tuple:
        return ("else", c[0])

    def await_stmt(self, meta: Any, c: list) -> S.Stmt:
        return S.Await(_pos(meta), c[0])

    def assert_stmt(self, meta: Any, c: list) -> S.Stmt:
        msg = _unescape(c[1]) if c[1] is not None else None
        return S.Assert(_pos(meta), c[0], msg, str(c[2]) if c[2] is not None else None)

    def either(self, meta: Any, c: list) -> S.Stmt:
        return S.Either(_pos(meta), tuple(b for _, b in c), tuple(n for n, _ in c))

    def branch(self, meta: Any, c: list) -> tuple:
        return (str(c[0]) if c[0] is not None else None, c[1])

    def choose(self, meta: Any, c: list) -> S.Stmt:
        return S.Choose(_pos(meta), str(c[0]), c[1], c[2], c[3])

    def goto(self, meta: Any, c: list) -> S.Stmt:
        return S.Goto(_pos(meta), str(c[0]))

    def exit_stmt(self, meta: Any, c: list) -> S.Stmt:
        return S.Exit(_pos(meta))

    def skip(self, meta: Any, c: list) -> S.Stmt:
        return S.Skip(_pos(meta))

    def lv_name(self, meta: Any, c: list) -> S.Expr:
        return S.Name(_tpos(c[0]), str(c[0]))

    def lv_index(self, meta: Any, c: list) -> S.Expr:
        return S.Index(_pos(meta), c[0], c[1])

    def lv_field(self, meta: Any, c: list) -> S.Expr:
        return S.FieldOf(_pos(meta), c[0], str(c[1]))

    # ---- expressions
    def implies(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(_pos(meta), "->", c[0], c[1])

    def or_(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(_pos(meta), "||", c[0], c[1])

    def and_(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(_pos(meta), "&&", c[0], c[1])

    def not_(self, meta: Any, c: list) -> S.Expr:
        return S.Unary(_pos(meta), "!", c[0])

    def compare(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(_tpos(c[1]), str(c[1]), c[0], c[2])

    def member(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(_pos(meta), "in", c[0], c[1])

    def not_member(self, meta: Any, c: list) -> S.Expr:
        return S.Unary(_pos(meta), "!", S.Binary(_pos(meta), "in", c[0], c[1]))

    def union(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(_pos(meta), "|", c[0], c[1])

    def inter(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(_pos(meta), "&", c[0], c[1])

    def arith(self, meta: Any, c: list) -> S.Expr:
        return S.Binary(_tpos(c[1]), str(c[1]), c[0], c[2])

    def neg(self, meta: Any, c: list) -> S.Expr:
        return S.Unary(_pos(meta), "-", c[0])

    def index(self, meta: Any, c: list) -> S.Expr:
        return S.Index(_pos(meta), c[0], c[1])

    def field_access(self, meta: Any, c: list) -> S.Expr:
        return S.FieldOf(_pos(meta), c[0], str(c[1]))

    def int_lit(self, meta: Any, c: list) -> S.Expr:
        return S.IntLit(_tpos(c[0]), int(c[0]))

    def true_lit(self, meta: Any, c: list) -> S.Expr:
        return S.BoolLit(_pos(meta), True)

    def false_lit(self, meta: Any, c: list) -> S.Expr:
        return S.BoolLit(_pos(meta), False)

    def none_lit(self, meta: Any, c: list) -> S.Expr:
        return S.NoneLit(_pos(meta))

    def self_lit(self, meta: Any, c: list) -> S.Expr:
        return S.SelfRef(_pos(meta))

    def variant_lit(self, meta: Any, c: list) -> S.Expr:
        return S.VariantRef(_pos(meta))

    def name(self, meta: Any, c: list) -> S.Expr:
        return S.Name(_tpos(c[0]), str(c[0]))

    def call(self, meta: Any, c: list) -> S.Expr:
        return S.Call(_tpos(c[0]), str(c[0]), tuple(c[1] or ()))

    def set_lit(self, meta: Any, c: list) -> S.Expr:
        return S.SetLit(_pos(meta), tuple(c[0] or ()))

    def record_lit(self, meta: Any, c: list) -> S.Expr:
        return S.RecordLit(_pos(meta), tuple((str(k), v) for k, v in zip(c[::2], c[1::2])))

    def array_lit(self, meta: Any, c: list) -> S.Expr:
        return S.ArrayLit(_pos(meta), tuple(c[0]))

    def _binder(self, kind: str, meta: Any, c: list) -> S.Expr:
        return S.Binder(_pos(meta), kind, str(c[0]), c[1], c[2])

    def forall(self, meta: Any, c: list) -> S.Expr:
        return self._binder("forall", meta, c)

    def exists(self, meta: Any, c: list) -> S.Expr:
        return self._binder("exists", meta, c)

    def count(self, meta: Any, c: list) -> S.Expr:
        return self._binder("count", meta, c)

    def comprehension(self, meta: Any, c: list) -> S.Expr:
        return self._binder("filter", meta, c)

    def cond(self, meta: Any, c: list) -> S.Expr:
        return S.Cond(_pos(meta), c[0], c[1], c[2])

    def args(self, meta: Any, c: list) -> list:
        return c

    def range_domain(self, meta: Any, c: list) -> S.Expr:
        return S.RangeDomain(_pos(meta), c[0], c[1])

    def bool_domain(self, meta: Any, c: list) -> S.Expr:
        return S.BoolDomain(_pos(meta))
