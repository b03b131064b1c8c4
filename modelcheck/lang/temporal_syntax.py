"""Syntax of liveness properties and fairness declarations (see `temporal_rules.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Pos
from .syntax import Expr


@dataclass(frozen=True)
class LivenessDecl:
    """A liveness property: one temporal pattern over state predicates (`exprs`: P, or P
    and Q for leads-to, none for termination), for every combination of its binders'
    values (TLA+'s `\\A c \\in C, r \\in R : P ~> Q`), once if it has none."""

    name: str
    pattern: str  # eventually, always_eventually, eventually_always, leads_to, termination
    exprs: tuple[Expr, ...]
    binders: tuple[tuple[str, Expr], ...]  # (name, domain), outermost first
    pos: Pos


@dataclass(frozen=True)
class FairnessDecl:
    """`fairness weak|strong [template[.step]] [for variants];`: which moves the scheduler
    may not starve (in the variants named, or in all)."""

    strength: str
    template: str | None
    label: str | None
    variants: tuple[tuple[str, Pos], ...]
    pos: Pos
