"""Expressions about other threads' control state: the step a thread waits at, its locals.

They read a thread's block as the back ends lay it out (`ir.model.ThreadLayout`): the pc
slot, and the slots a template gives its parameters and locals. Kept apart from
`ir.model` because they are the only expressions that look into another thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import TExpr


@dataclass(frozen=True, eq=False)
class AtStep(TExpr):
    """Thread `thread` waits at a step whose pc is in first..last: one step (`t at w.cs`) or
    every step of a template or handler (`t at w`). A thread inside a signal handler stands
    at the handler's step; a finished or unused one at none."""

    thread: TExpr
    template: str
    label: str | None
    first: int
    last: int


@dataclass(frozen=True, eq=False)
class LocalOf(TExpr):
    """`t.name`: a parameter or local of thread `thread`, at `slot` of its block. It exists only
    while the thread waits at a step of `template` (pcs first..last); anywhere else reading
    it is an evaluation error, as `none` used as a value is."""

    thread: TExpr
    template: str
    name: str
    slot: int
    first: int
    last: int

    @property
    def missing(self) -> str:
        """The evaluation error's message, with `{}` where the thread's id goes."""
        return (f"thread {{}} has no '{self.name}': it is not at a step of "
                f"{self.template}")
