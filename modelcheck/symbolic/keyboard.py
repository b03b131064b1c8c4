"""z3 takes Ctrl-C for itself while it solves: the query ends "unknown", the run never sees
the signal and would go on (or report a proof as undecided). `check` passes it on."""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import z3

# z3's reason_unknown after a SIGINT; "canceled" also follows its own timeout
INTERRUPTED = "interrupted from keyboard"
CANCELED = "canceled"


def check(solver: z3.Solver, timed: bool) -> z3.CheckSatResult:
    """`solver.check`, raising KeyboardInterrupt when z3 stopped for Ctrl-C (`timed`: the
    solver has a timeout, so "canceled" may be that instead)."""
    result = solver.check()
    if result == z3.unknown:
        reason = solver.reason_unknown()
        if reason == INTERRUPTED or (reason == CANCELED and not timed):
            raise KeyboardInterrupt
    return result


P = ParamSpec("P")
R = TypeVar("R")


def passes_interrupts(fn: Callable[P, R]) -> Callable[P, R]:
    """A Ctrl-C that lands while ctypes converts the arguments of a z3 call reaches Python
    as ctypes.ArgumentError ("argument 1: KeyboardInterrupt"), which no stage treats as an
    interrupt; the z3 entry points wrapped here raise it as the KeyboardInterrupt it is."""
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ctypes.ArgumentError as e:
            if "KeyboardInterrupt" in str(e):
                raise KeyboardInterrupt from e
            raise
    return wrapper
