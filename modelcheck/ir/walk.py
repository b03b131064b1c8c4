"""Walking the checked model: one dispatcher for every consumer, and the nested-statement walk.

Every stage after the checker reads the same nodes (`ir.model`): the Python code
generator, the z3 encodings, the evaluator behind explanations, a native back end.
Each of them is a `Visitor`: it names the nodes it handles as `visit_<Node>` methods
and declares which kinds it covers. A node added to the language without a case in
some visitor fails `tests/test_architecture.py`, which lists the visitors that need
one, instead of failing at run time on the first spec that uses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from . import model as M
from .control import AtStep, LocalOf

# Every concrete node of the checked model, by kind (abstract bases excluded).
EXPRESSIONS: tuple[type[M.TExpr], ...] = (
    M.Const, M.GlobalPlace, M.LocalPlace, M.IndexPlace, M.FieldPlace, M.TlsPlace, M.Bound,
    M.SelfTid, M.Builtin, M.DefCall, M.Unary, M.Binary, M.Unwrap, M.SetOf, M.Compound,
    M.Quant, M.Ite, AtStep, LocalOf)
STATEMENTS: tuple[type[M.Stmt], ...] = (
    M.Assign, M.Spawn, M.Let, M.If, M.Await, M.Assert, M.Either, M.Choose, M.Goto, M.Exit,
    M.Free, M.Fork, M.SigOp)


class Visitor:
    """Dispatch on a node's class to `self.visit_<Class>(node, *args)`.

    `covers` says which kinds of node a subclass must handle in full: "expressions",
    "statements" or both. A subclass may handle more than it declares.
    """

    covers: ClassVar[tuple[str, ...]] = ()

    def visit(self, node: Any, *args: Any) -> Any:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise NotImplementedError(f"{type(self).__name__} has no case for "
                                      f"{type(node).__name__}")
        return method(node, *args)

    @classmethod
    def missing(cls) -> list[str]:
        """The nodes of its declared kinds this visitor has no case for."""
        nodes = {"expressions": EXPRESSIONS, "statements": STATEMENTS}
        return [n.__name__ for kind in cls.covers for n in nodes[kind]
                if not hasattr(cls, "visit_" + n.__name__)]


def blocks(st: M.Stmt) -> list[tuple[M.Stmt, ...]]:
    """The statement blocks nested directly in a statement."""
    if isinstance(st, M.If):
        return [st.then, st.other]
    if isinstance(st, M.Either):
        return list(st.blocks)
    if isinstance(st, M.Choose):
        return [st.body]
    return []


def statements(stmts: tuple[M.Stmt, ...] | list[M.Stmt]) -> Iterator[M.Stmt]:
    """Every statement of a block, nested ones included, in source order."""
    for st in stmts:
        yield st
        for block in blocks(st):
            yield from statements(block)


def model_bodies(model: M.Model) -> Iterator[tuple[M.Stmt, ...]]:
    """The body of every step of every thread template and handler, and every destructor."""
    for t in [*model.templates.values(), *model.handlers]:
        for step in t.steps:
            yield step.body
    for d in model.destructors:
        yield d.body
