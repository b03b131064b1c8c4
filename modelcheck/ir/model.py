"""The checked model: names resolved, types attached, constants folded.

This is the contract between the front end and every back end. The explicit
back ends compile it (`backends/python`, `backends/c`); a symbolic encoding reads the
same nodes. Values in `Const` are already encoded as they sit in a state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..lang.errors import NOWHERE, Pos
from .typesys import EnumType, TidType, Type, Written

if TYPE_CHECKING:
    from .temporal import Temporal

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, eq=False)
class TExpr(Written):
    type: Type
    pos: Pos = field(default=NOWHERE, kw_only=True)  # where an evaluation error points


@dataclass(frozen=True, eq=False)
class Const(TExpr):
    value: Any  # encoded; a tuple of slot values for arrays and records


@dataclass(frozen=True, eq=False)
class GlobalPlace(TExpr):
    name: str
    offset: int


@dataclass(frozen=True, eq=False)
class LocalPlace(TExpr):
    """A parameter or local of the running thread, at `slot` within its block."""

    name: str
    slot: int


@dataclass(frozen=True, eq=False)
class IndexPlace(TExpr):
    base: TExpr
    index: TExpr


@dataclass(frozen=True, eq=False)
class FieldPlace(TExpr):
    base: TExpr
    name: str
    offset: int


@dataclass(frozen=True, eq=False)
class TlsPlace(TExpr):
    """A thread-local variable: the running thread's copy, or thread `thread`'s copy."""

    name: str
    slot: int
    thread: TExpr | None


@dataclass(frozen=True, eq=False)
class Bound(TExpr):
    """A let, choose, quantifier or def parameter: a Python local in generated code."""

    name: str
    uid: int


@dataclass(frozen=True, eq=False)
class SelfTid(TExpr):
    pass


@dataclass(frozen=True, eq=False)
class Builtin(TExpr):
    name: str
    args: tuple[TExpr, ...]


@dataclass(frozen=True, eq=False)
class DefCall(TExpr):
    name: str
    args: tuple[TExpr, ...]


@dataclass(frozen=True, eq=False)
class Unary(TExpr):
    op: str
    operand: TExpr


@dataclass(frozen=True, eq=False)
class Binary(TExpr):
    op: str
    left: TExpr
    right: TExpr


@dataclass(frozen=True, eq=False)
class Unwrap(TExpr):
    """Use of an optional value where a plain one is needed: `none` here is an error."""

    operand: TExpr
    why: str = ""  # the error's message, when `none` stands for another mistake


@dataclass(frozen=True, eq=False)
class SetOf(TExpr):
    items: tuple[TExpr, ...]


@dataclass(frozen=True, eq=False)
class Compound(TExpr):
    """An array or record literal: items in slot order."""

    items: tuple[TExpr, ...]


@dataclass(frozen=True, eq=False)
class Domain:
    """What a binder ranges over: every value of a finite type, or the members of a set."""

    type: Type  # element type
    set_expr: TExpr | None = None


@dataclass(frozen=True, eq=False)
class Quant(TExpr):
    kind: str  # forall, exists, count, filter
    var: Bound
    domain: Domain
    body: TExpr


@dataclass(frozen=True, eq=False)
class Ite(TExpr):
    test: TExpr
    then: TExpr
    other: TExpr


def is_place(e: TExpr) -> bool:
    return isinstance(e, (GlobalPlace, LocalPlace, TlsPlace, IndexPlace, FieldPlace))


# ----------------------------------------------------------------- statements


@dataclass(frozen=True, eq=False)
class Stmt:
    pos: Pos


@dataclass(frozen=True, eq=False)
class Assign(Stmt):
    target: TExpr
    value: TExpr


@dataclass(frozen=True, eq=False)
class Spawn(Stmt):
    target: TExpr | None
    template: str
    args: tuple[TExpr, ...]
    parent: bool = True  # False for the threads that exist at start


@dataclass(frozen=True, eq=False)
class Let(Stmt):
    var: Bound
    value: TExpr


@dataclass(frozen=True, eq=False)
class If(Stmt):
    cond: TExpr
    then: tuple[Stmt, ...]
    other: tuple[Stmt, ...]


@dataclass(frozen=True, eq=False)
class Await(Stmt):
    cond: TExpr


@dataclass(frozen=True, eq=False)
class Assert(Stmt):
    prop: str
    cond: TExpr
    message: str


@dataclass(frozen=True, eq=False)
class Either(Stmt):
    blocks: tuple[tuple[Stmt, ...], ...]
    names: tuple[str | None, ...]


@dataclass(frozen=True, eq=False)
class Choose(Stmt):
    var: Bound
    domain: Domain
    where: TExpr | None
    body: tuple[Stmt, ...]


@dataclass(frozen=True, eq=False)
class Goto(Stmt):
    label: str
    pc: int


@dataclass(frozen=True, eq=False)
class Exit(Stmt):
    free: bool = False  # `free self;`: the thread object is gone too


@dataclass(frozen=True, eq=False)
class Free(Stmt):
    """Destroy the object of a finished thread; its id may still be held by others."""

    thread: TExpr


@dataclass(frozen=True, eq=False)
class Fork(Stmt):
    """Copy the running thread; the parent's target gets the child's id, the child's none."""

    target: TExpr | None


@dataclass(frozen=True, eq=False)
class SigOp(Stmt):
    op: str      # install, uninstall, mask, unmask, on_exit
    index: int   # handler or destructor number (its bit in the thread's masks)


# --------------------------------------------------------------------- model


def branches(stmts: tuple[Stmt, ...]) -> bool:
    """Whether a block can take more than one path: an `either` or `choose`, directly or in
    an `if`. Both back ends treat steps without one as straight-line code."""
    for st in stmts:
        if isinstance(st, (Either, Choose)):
            return True
        if isinstance(st, If) and (branches(st.then) or branches(st.other)):
            return True
    return False


@dataclass(eq=False)
class Var:
    name: str
    type: Type
    offset: int
    init: TExpr | None  # with `choice`: the set of allowed values, None for every value
    choice: bool
    pos: Pos


@dataclass(eq=False)
class Local:
    name: str
    type: Type
    slot: int
    init: TExpr | None  # None for parameters
    pos: Pos
    choices: Domain | None = None  # `var x: T in S;`: init is set by initial.with_choices


@dataclass(eq=False)
class Step:
    label: str
    pc: int
    body: tuple[Stmt, ...]
    pos: Pos


@dataclass(eq=False)
class Template:
    """A thread template, or a signal handler (kind "handler": steps only, run on any thread)."""

    name: str
    params: list[Local]
    locals: list[Local]
    steps: list[Step]
    pos: Pos
    kind: str = "thread"
    index: int = 0  # handler number


@dataclass(eq=False)
class Destructor:
    name: str
    index: int
    body: tuple[Stmt, ...]
    pos: Pos


@dataclass(eq=False)
class Def:
    name: str
    params: list[Bound]
    body: TExpr


@dataclass(frozen=True)
class Property:
    name: str
    kind: str  # invariant, assertion, deadlock, bounds
    pos: Pos
    description: str = ""


@dataclass(eq=False)
class Invariant:
    name: str
    expr: TExpr
    pos: Pos
    lemma: bool = False  # a helper for `mcheck prove`; searched like any invariant


# Thread status lives in the pc slot: 0 the id was never used, 1 finished, 2 finished and
# its thread object freed, 3 running its exit destructors, >= FIRST_PC waiting at that step.
PC_UNUSED = 0
PC_DONE = 1
PC_FREED = 2
PC_EXITING = 3
FIRST_PC = 4
PC_RETURN = -1  # as a "next pc": return from a signal handler
FREE_BIT = 1 << 62  # in the destructor mask: free the thread object after the destructors


@dataclass
class ThreadLayout:
    """Slots of one thread's block: [pc, parent, runtime slots..., thread-locals, locals].

    Runtime slots exist only when the spec uses the feature, so specs without
    destructors or signal handlers pay nothing for them.
    """

    dtors: int | None = None      # bitmask of registered destructors (+ FREE_BIT)
    installed: int | None = None  # bitmask of installed handlers
    masked: int | None = None     # bitmask of masked handlers
    active: int | None = None     # bitmask of handlers running now
    depth: int | None = None      # signal nesting depth
    saved: int | None = None      # first of `max_depth` slots of interrupted pcs
    max_depth: int = 0
    tls: dict[str, tuple[int, Type]] = field(default_factory=dict)
    locals_start: int = 2
    stride: int = 2


@dataclass(eq=False)
class Model:
    name: str
    variant: str
    variants: list[str]
    variant_type: EnumType
    consts: dict[str, Any]
    vars: list[Var]
    defs: dict[str, Def]
    templates: dict[str, Template]
    starts: list[Spawn]
    pool: int
    thread_base: int
    thread_stride: int
    invariants: list[Invariant]
    properties: list[Property]
    expected_violations: dict[str, frozenset[str]]
    check_deadlock: bool
    steps_by_pc: dict[int, tuple[Template, Step]] = field(default_factory=dict)
    layout: ThreadLayout = field(default_factory=ThreadLayout)
    thread_locals: list[Local] = field(default_factory=list)
    destructors: list[Destructor] = field(default_factory=list)
    handlers: list[Template] = field(default_factory=list)
    symmetric: list[TidType] = field(default_factory=list)  # interchangeable id types
    initial_conditions: list[Await] = field(default_factory=list)  # `init P;`
    constraints: list[Await] = field(default_factory=list)  # `constraint P;` (TLC's)
    temporal: Temporal | None = None  # liveness properties and fairness, if any

    @property
    def width(self) -> int:
        return self.thread_base + self.pool * self.thread_stride

    @property
    def has_expectations(self) -> bool:
        return bool(self.expected_violations)

    def expected(self, variant: str | None = None) -> frozenset[str]:
        return self.expected_violations.get(variant or self.variant, frozenset())
