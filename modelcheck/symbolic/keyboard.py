"""z3 takes Ctrl-C for itself while it solves: the query ends "unknown", the run never sees
the signal and would go on (or report a proof as undecided). `check` passes it on."""

from __future__ import annotations

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
