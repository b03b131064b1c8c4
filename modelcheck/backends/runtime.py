"""What a compiled step hands back, whatever back end compiled it.

A step yields successor states (tuples), `Failure`s (an assertion or a bound broken
on the way), `BOUND` (it needed a thread id and the pool was empty), or raises
`EvalError` (an expression could not be evaluated). The searches, trace replay, lints
and reports read only these, so a second code generator fills the same contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..lang.errors import NOWHERE, Pos


class EvalError(Exception):
    """A spec expression could not be evaluated (none used, index out of range, / by 0).

    `at` is the expression's (line, col) as the generated code passes it (a constant
    tuple costs nothing until it is raised); `pos` reads it back."""

    def __init__(self, message: str, at: tuple[int, int] = (0, 0)):
        super().__init__(message)
        self.message = message
        self.at = at

    @property
    def pos(self) -> Pos:
        return Pos(*self.at) if self.at[0] else NOWHERE


@dataclass(frozen=True)
class Failure:
    """A step that ends in an error: an assertion or a bounds violation."""

    prop: str
    message: str
    state: tuple


BOUND = object()  # a step needed a new thread id and the pool was empty


def results(r: Any) -> Any:
    """What a compiled step returned, as an iterable of results: a straight step returns
    its one successor state (a tuple), None when it is disabled, or a list."""
    return (r,) if type(r) is tuple else () if r is None else r
