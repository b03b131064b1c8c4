"""Liveness properties and fairness in the checked model.

A liveness property is kept as one of five patterns over state predicates rather than as
a formula: each pattern's negation is a two-mode automaton the engine builds directly
(`engine/liveness.py`). A property quantified `for t in D` is checked one instance per
value of D, with t folded into the predicates as a constant, so no consumer needs
bound variables at the top of a predicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lang.errors import Pos
from .model import Bound, TExpr

PATTERNS = {
    "eventually": "eventually P",
    "always_eventually": "always eventually P",
    "eventually_always": "eventually always P",
    "leads_to": "P ~> Q",
    "termination": "every run ends with every thread finished",
}


@dataclass(eq=False)
class LivenessInstance:
    """One property for one value of its binder ("" when it has none)."""

    name: str
    pattern: str
    exprs: tuple[TExpr, ...]  # P; or P, Q for leads_to; () for termination
    instance: str
    pos: Pos


@dataclass(frozen=True, eq=False)
class Action:
    """One action of a step, as `fairness ... t.s.branch per c where P` names it: the
    step's results through `either` branch `branch` (any, if None) whose chosen values
    satisfy `where` (over the state before and the chosen variables it reads, `reads`, by
    name: a result whose path chose none of one is no step of the action), one unit per
    value of the chosen variables `per`. A result equal to its state is
    no step of the action (TLA+'s <<A>>_vars)."""

    branch: str | None
    per: tuple[str, ...]
    where: TExpr | None
    reads: tuple[Bound, ...]


@dataclass(frozen=True)
class Fairness:
    """Every thread id is one fairness unit per declaration: weak (a move enabled in every
    state from some point on is taken infinitely often) or strong (enabled infinitely
    often, taken infinitely often). A move is one of the thread's steps at a pc in `pcs`,
    or any step of the thread when `pcs` is None."""

    strength: str
    pcs: frozenset[int] | None
    what: str  # as declared: "weak", "strong worker", "weak worker.take"
    action: Action | None = None  # only some results of the step at `pcs` (`Action`)


@dataclass
class Temporal:
    """What the liveness check needs of a model. `stutter`: any state may repeat forever
    (TLA+), instead of only those where no step can run (SPIN)."""

    properties: list[LivenessInstance] = field(default_factory=list)
    fairness: list[Fairness] = field(default_factory=list)
    stutter: bool = False

    def semantics(self) -> str:
        """The run semantics and fairness a verdict holds under, for the summary."""
        runs = "TLA+ runs (any state may stutter forever)" if self.stutter else \
            "SPIN runs (only a state with no step repeats forever)"
        fair = ", ".join(f.what for f in self.fairness) or "none"
        return f"{runs}; fairness: {fair}"
