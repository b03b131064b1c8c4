"""Syntax of what TLA+ and PlusCal users write first (see `expr_rules`, `stmt_rules`): where
another thread stands, subsets as a domain, a bounded loop inside a step, an array given
by a function of its index, bounded sequences."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Pos
from .syntax import Expr, Stmt, TypeExpr


@dataclass(frozen=True)
class AtStep(Expr):
    """`t at worker.cs` (thread t waits at step cs of worker), `t at worker` (at any of its
    steps)."""

    thread: Expr
    template: str
    label: str | None


@dataclass(frozen=True)
class SubsetDomain(Expr):
    """`subset T`: every subset of the set T (TLA+'s SUBSET), as a domain."""

    of: Expr


@dataclass(frozen=True)
class For(Stmt):
    """`for x in D { ... }`: the body once for each value of D, in the domain's order."""

    var: str
    domain: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class ArrayFor(Expr):
    """`[e for x in D]`: the array whose element at index x is e (TLA+'s `[x \\in D |-> e]`);
    D is the array's index type."""

    item: Expr
    var: str
    domain: Expr


@dataclass(frozen=True)
class SeqTypeExpr(TypeExpr):
    """`seq[K] of T`: sequences of at most K values of T (TLA+'s Seq(T), bounded)."""

    capacity: Expr
    elem: TypeExpr


@dataclass(frozen=True)
class ActionFairnessDecl:
    """`fairness weak t.s.branch per c where P;`: fairness for one action of step s, TLA+'s
    `\\A c : WF_vars(A(c, ...))` (see `check/action_fairness.py`). Kept in the spec's
    fairness list beside `temporal_syntax.FairnessDecl`."""

    strength: str
    template: str
    label: str
    branch: str | None
    per: tuple[tuple[str, Pos], ...]
    where: Expr | None
    pos: Pos
    variants: tuple[tuple[str, Pos], ...] = ()
