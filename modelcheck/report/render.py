"""Expressions and values back in the spec's syntax, for explanations.

An explanation shows the reader the sub-expressions of their own property and the
values they had, so both must read as the spec does: operators with the precedence of
the grammar and parentheses only where it needs them, values decoded from their
slots (enum names, sets in braces, `none`). The checker's constant folding stays
visible; the nodes it inserts only to check a value (an optional's unwrap, a
definition's result range) do not. The renderer is a `Visitor` covering every
expression node, so a new node has to say how it is written.
"""

from __future__ import annotations

from typing import Any

from ..ir import model as M
from ..ir.control import AtStep, LocalOf
from ..ir.recursion import as_written
from ..ir.typesys import EmptySetType, IntType, NoneType, RecordType, SetType, TupleType, Type
from ..ir.values import decode, spell
from ..ir.walk import Visitor

# Binding strength of the operators, as in grammar.lark: the higher, the tighter.
_PREC = {"->": 1, "||": 2, "&&": 3, "!": 4, "==": 5, "!=": 5, "<": 5, "<=": 5, ">": 5,
         ">=": 5, "in": 5, "|": 6, "&": 6, "+": 7, "-": 7, "*": 8, "/": 8, "%": 8,
         "mod": 8}
_ATOM = 10

Rendered = tuple[str, int]  # text and binding strength


def render(e: M.TExpr) -> str:
    """An IR expression back in the spec's syntax (constants folded, as checked)."""
    return _RENDERER.rendered(e)[0]


def binder_domain(q: M.Quant) -> str:
    """What a binder ranges over, as written: a set of tuples, records or sets where the
    checked binder ranges over member numbers (its spelling's first operand)."""
    if q.spelling is not None:
        return render(q.spelling[2][0][0])
    return render_domain(q.domain)


def render_domain(d: M.Domain) -> str:
    if d.set_expr is not None:
        return render(d.set_expr)
    if isinstance(d.type, SetType):  # `subset T`: every set, T's bound is in the body
        return f"subset filter(x in {d.type.elem} : true)"
    return str(d.type)


def shown(t: Type, value: Any) -> str:
    """An encoded value in the spec's syntax."""
    if isinstance(t, EmptySetType):
        return "{}"
    if isinstance(t, NoneType) or value is None:
        return "none"
    if isinstance(t, IntType) and t.lo is None:
        return str(value)
    return spell(t, decode(t, value if isinstance(value, tuple) else (value,)))


def strip_checks(e: M.TExpr) -> M.TExpr:
    """Skip the nodes that only check a value (unwrap of an optional, a def's result range)."""
    while isinstance(e, M.Unwrap) or (isinstance(e, M.Unary) and e.op == "range"):
        e = e.operand
    return e


class Renderer(Visitor):
    """`visit(e)`: text and binding strength, so operands get parentheses only where they
    need them."""

    covers = ("expressions",)

    def rendered(self, e: M.TExpr) -> Rendered:
        """As the user wrote it where the checker spelled it in other nodes (its
        `spelling`), else node by node."""
        if e.spelling is None:
            return self.visit(e)
        fmt, strength, parts = e.spelling
        return fmt.format(*(self.operand(x, s) for x, s in parts)), strength

    def operand(self, e: M.TExpr, strength: int) -> str:
        text, p = self.rendered(e)
        return text if p >= strength else f"({text})"

    def visit_Unwrap(self, e: M.Unwrap) -> Rendered:
        return self.rendered(e.operand)

    def visit_Unary(self, e: M.Unary) -> Rendered:
        if e.op == "range":
            return self.rendered(e.operand)
        if e.op in ("int", "tid"):
            return f"{e.op}({render(e.operand)})", _ATOM
        inner = strip_checks(e.operand)
        if e.op == "!" and isinstance(inner, M.Binary) and inner.op == "in":
            return f"{self.operand(inner.left, 6)} not in {self.operand(inner.right, 6)}", 5
        p = 4 if e.op == "!" else 9
        return f"{e.op}{self.operand(e.operand, p)}", p

    def visit_Binary(self, e: M.Binary) -> Rendered:
        p = _PREC[e.op]
        if e.op == "->":  # right-associative
            return f"{self.operand(e.left, p + 1)} -> {self.operand(e.right, p)}", p
        right = p + 1
        left = p + 1 if p == 5 else p  # comparisons do not chain
        return f"{self.operand(e.left, left)} {e.op} {self.operand(e.right, right)}", p

    def visit_Quant(self, e: M.Quant) -> Rendered:
        head = f"{e.var.name} in {render_domain(e.domain)}"
        if e.kind in ("count", "filter", "sum", "pick"):
            return f"{e.kind}({head} : {render(e.body)})", _ATOM
        return f"{e.kind} {head} : {render(e.body)}", 0

    def visit_Ite(self, e: M.Ite) -> Rendered:
        return f"if {render(e.test)} then {render(e.then)} else {render(e.other)}", 0

    def visit_Const(self, e: M.Const) -> Rendered:
        return shown(e.type, e.value), _ATOM

    def name(self, e: M.GlobalPlace | M.LocalPlace | M.Bound) -> Rendered:
        return e.name, _ATOM

    visit_GlobalPlace = visit_LocalPlace = visit_Bound = name

    def visit_TlsPlace(self, e: M.TlsPlace) -> Rendered:
        if e.thread is None:
            return e.name, _ATOM
        return f"{e.name}@{self.operand(e.thread, _ATOM)}", _ATOM

    def visit_IndexPlace(self, e: M.IndexPlace) -> Rendered:
        return f"{self.operand(e.base, _ATOM)}[{render(e.index)}]", _ATOM

    def visit_FieldPlace(self, e: M.FieldPlace) -> Rendered:
        if isinstance(e.base.type, TupleType):
            return f"{self.operand(e.base, _ATOM)}[{e.name}]", _ATOM
        return f"{self.operand(e.base, _ATOM)}.{e.name}", _ATOM

    def visit_AtStep(self, e: AtStep) -> Rendered:
        where = e.template if e.label is None else f"{e.template}.{e.label}"
        return f"{self.operand(e.thread, 7)} at {where}", 6

    def visit_LocalOf(self, e: LocalOf) -> Rendered:
        return f"{self.operand(e.thread, _ATOM)}.{e.template}.{e.name}", _ATOM

    def visit_SelfTid(self, e: M.SelfTid) -> Rendered:
        return "self", _ATOM

    def call(self, e: M.Builtin | M.DefCall) -> Rendered:
        name, args = as_written(e) if isinstance(e, M.DefCall) else (e.name, e.args)
        return f"{name}({', '.join(render(a) for a in args)})", _ATOM

    visit_Builtin = visit_DefCall = call

    def visit_SetOf(self, e: M.SetOf) -> Rendered:
        return "{" + ", ".join(render(i) for i in e.items) + "}", _ATOM

    def visit_Compound(self, e: M.Compound) -> Rendered:
        """A tuple in parentheses, a record as `{f: v}`, an array's items in brackets."""
        items = [render(i) for i in e.items]
        if isinstance(e.type, TupleType):
            return "(" + ", ".join(items) + ")", _ATOM
        if isinstance(e.type, RecordType):
            names = [n for n, _ in e.type.fields]
            return "{" + ", ".join(f"{n}: {i}" for n, i in zip(names, items)) + "}", _ATOM
        return "[" + ", ".join(items) + "]", _ATOM


_RENDERER = Renderer()
