"""The abstract syntax tree: what the user wrote, with positions, no meaning yet.

Kept separate from the checked model (`model.py`) so that the type checker is
the only place where names get resolved and types get attached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import Pos

if TYPE_CHECKING:
    from .temporal_syntax import FairnessDecl, LivenessDecl

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    pos: Pos


@dataclass(frozen=True)
class IntLit(Expr):
    value: int


@dataclass(frozen=True)
class BoolLit(Expr):
    value: bool


@dataclass(frozen=True)
class NoneLit(Expr):
    pass


@dataclass(frozen=True)
class SelfRef(Expr):
    pass


@dataclass(frozen=True)
class VariantRef(Expr):
    pass


@dataclass(frozen=True)
class Name(Expr):
    id: str


@dataclass(frozen=True)
class Call(Expr):
    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class SetLit(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class RecordLit(Expr):
    fields: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True)
class ArrayLit(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class RangeDomain(Expr):
    lo: Expr
    hi: Expr


@dataclass(frozen=True)
class BoolDomain(Expr):
    pass


@dataclass(frozen=True)
class Binder(Expr):
    """forall / exists / count / filter: a variable ranging over a finite domain."""

    kind: str
    var: str
    domain: Expr
    body: Expr


@dataclass(frozen=True)
class Cond(Expr):
    test: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True)
class Unary(Expr):
    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Index(Expr):
    base: Expr
    index: Expr


@dataclass(frozen=True)
class FieldOf(Expr):
    base: Expr
    name: str


# ---------------------------------------------------------------------- types


@dataclass(frozen=True)
class TypeExpr:
    pos: Pos


@dataclass(frozen=True)
class BoolTypeExpr(TypeExpr):
    pass


@dataclass(frozen=True)
class RangeTypeExpr(TypeExpr):
    lo: Expr
    hi: Expr


@dataclass(frozen=True)
class NamedTypeExpr(TypeExpr):
    name: str


@dataclass(frozen=True)
class OptionalTypeExpr(TypeExpr):
    inner: TypeExpr


@dataclass(frozen=True)
class SetTypeExpr(TypeExpr):
    elem: TypeExpr


@dataclass(frozen=True)
class ArrayTypeExpr(TypeExpr):
    key: TypeExpr
    elem: TypeExpr


@dataclass(frozen=True)
class RecordTypeExpr(TypeExpr):
    fields: tuple[tuple[str, TypeExpr, Pos], ...]


# ----------------------------------------------------------------- statements


@dataclass(frozen=True)
class Stmt:
    pos: Pos


@dataclass(frozen=True)
class Assign(Stmt):
    target: Expr
    value: Expr


@dataclass(frozen=True)
class Spawn(Stmt):
    target: Expr | None
    template: str
    args: tuple[Expr, ...]
    bind: str | None = None  # `let NAME = spawn ...`


@dataclass(frozen=True)
class Let(Stmt):
    name: str
    value: Expr


@dataclass(frozen=True)
class If(Stmt):
    branches: tuple[tuple[Expr, tuple[Stmt, ...]], ...]
    otherwise: tuple[Stmt, ...]


@dataclass(frozen=True)
class Await(Stmt):
    cond: Expr


@dataclass(frozen=True)
class Assert(Stmt):
    cond: Expr
    message: str | None
    prop: str | None


@dataclass(frozen=True)
class Either(Stmt):
    blocks: tuple[tuple[Stmt, ...], ...]
    names: tuple[str | None, ...]  # optional branch names, shown in traces


@dataclass(frozen=True)
class Choose(Stmt):
    var: str
    domain: Expr
    where: Expr | None
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Goto(Stmt):
    label: str


@dataclass(frozen=True)
class Exit(Stmt):
    pass


@dataclass(frozen=True)
class Skip(Stmt):
    pass


@dataclass(frozen=True)
class Fence(Stmt):
    """A full (seq_cst) memory fence; `check.memory` lowers it for the spec's memory model."""


@dataclass(frozen=True)
class Store(Stmt):
    """`store(place, value, order);`: an assignment to an atomic variable with a C11 order."""

    target: Expr
    value: Expr
    order: str | None


@dataclass(frozen=True)
class Free(Stmt):
    thread: Expr


@dataclass(frozen=True)
class Fork(Stmt):
    target: Expr | None
    bind: str | None = None


@dataclass(frozen=True)
class SigOp(Stmt):
    """install / uninstall / mask / unmask a handler, or on_exit a destructor, for self."""

    op: str
    name: str


@dataclass(frozen=True)
class TlsOf(Expr):
    """`name@t`: thread t's copy of a thread-local variable."""

    name: str
    thread: Expr


# --------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Param:
    name: str
    type: TypeExpr
    pos: Pos


@dataclass(frozen=True)
class LocalDecl:
    name: str
    type: TypeExpr
    init: Expr | None  # None: `in any`
    pos: Pos
    choice: bool = False  # `in S` or `in any`: each thread starts with any allowed value


Variants = tuple[tuple[str, Pos], ...]  # variant names, each where it is written


@dataclass(frozen=True)
class StepDecl:
    label: str
    body: tuple[Stmt, ...]
    pos: Pos
    only: Variants = ()  # `when variant in {...}`: the variants it exists in (empty: all)


@dataclass(frozen=True)
class ThreadDecl:
    name: str
    params: tuple[Param, ...]
    locals: tuple[LocalDecl, ...]
    steps: tuple[StepDecl, ...]
    pos: Pos


@dataclass(frozen=True)
class VarDecl:
    name: str
    type: TypeExpr
    init: Expr | None  # None: `in any`, every value of the type
    choice: bool  # `in SET` or `in any`: one initial state per allowed value
    pos: Pos
    atomic: bool = False  # a memory location of the spec's memory model (`check.memory`)


@dataclass(frozen=True)
class DefDecl:
    name: str
    params: tuple[Param, ...]
    result: TypeExpr
    body: Expr
    pos: Pos
    only: Variants = ()  # `when variant in {...}`: the variants it exists in (empty: all)


@dataclass(frozen=True)
class HandlerDecl:
    name: str
    steps: tuple[StepDecl, ...]
    pos: Pos


@dataclass(frozen=True)
class LemmaDecl:
    """A helper invariant for `mcheck prove`, limited to `variants` when any are named."""

    name: str
    variants: tuple[tuple[str, Pos], ...]
    expr: Expr
    pos: Pos


@dataclass(frozen=True)
class Spec:
    """All declarations of one file, grouped by kind, in source order."""

    name: str | None = None
    consts: list[tuple[str, Expr, Pos]] = field(default_factory=list)
    types: list[tuple[str, TypeExpr, Pos]] = field(default_factory=list)
    enums: list[tuple[str, tuple[tuple[str, Pos], ...], Pos]] = field(default_factory=list)
    variants: list[tuple[str, Pos]] = field(default_factory=list)
    threads: list[tuple[Expr, Pos]] = field(default_factory=list)
    vars: list[VarDecl] = field(default_factory=list)
    defs: list[DefDecl] = field(default_factory=list)
    templates: list[ThreadDecl] = field(default_factory=list)
    # `start t(args) [for x in D];`: (t, args, pos, (x, D) or None)
    starts: list[tuple[str, tuple[Expr, ...], Pos, tuple[str, Expr] | None]] = \
        field(default_factory=list)
    invariants: list[tuple[str, Expr, Pos]] = field(default_factory=list)
    inits: list[tuple[Expr, Pos]] = field(default_factory=list)  # `init P;`
    constraints: list[tuple[Expr, Pos]] = field(default_factory=list)  # `constraint P;`
    # `invariant N when variant in {...}: P;` until `check.variants.for_variant` keeps them
    guarded_invariants: list[tuple[str, Expr, Pos, Variants]] = field(default_factory=list)
    lemmas: list[LemmaDecl] = field(default_factory=list)
    expects: list[tuple[str, tuple[str, ...], Pos]] = field(default_factory=list)
    options: list[tuple[str, Expr, Pos]] = field(default_factory=list)
    thread_locals: list[tuple[str, TypeExpr, Expr, Pos]] = field(default_factory=list)
    destructors: list[tuple[str, tuple[Stmt, ...], Pos]] = field(default_factory=list)
    handlers: list[HandlerDecl] = field(default_factory=list)
    symmetric: list[tuple[str, Pos]] = field(default_factory=list)  # `symmetric` type names
    liveness: list[LivenessDecl] = field(default_factory=list)
    fairness: list[FairnessDecl] = field(default_factory=list)

    @property
    def variant_names(self) -> list[str]:
        """The declared variants; a spec without any has one, `default`."""
        return [name for name, _ in self.variants] or ["default"]
