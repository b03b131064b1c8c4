"""What `pdr` does not take on Spacer's word: its invariant is checked by three z3 queries of
our own, and its counterexample replayed in the explicit engine.

The checks use `Bounded.trans` (one flag per step, each equal to its formula), not the
plain disjunction the Horn clauses were given, and a fresh solver per query, so a slip in
how the clauses were stated or how the invariant was read back (which argument a bound
variable stands for) shows up as a failed check instead of a proof.
"""

from __future__ import annotations

from typing import Any

import z3

from ..backends.base import TransitionSystem
from ..backends.runtime import EvalError, Failure
from ..ir import model as M
from .induction import Trace
from .keyboard import check
from .proof_encodings import Bounded, Goal


def inductive(enc: Bounded, inv: z3.BoolRef, goal: Goal, lemmas: list[Goal],
              timeout: float) -> str | None:
    """Why `inv` (a formula over the slots of `enc.state("pdr0.")`) is not an inductive
    invariant implying the goal under the structural facts and lemmas, or None."""
    s, t = enc.state("pdr0."), enc.state("pdr1.")
    at_t = z3.substitute(inv, *zip(s.slots, t.slots))
    known = [enc.typed(s)] + [g.holds(s) for g in lemmas]
    obligations = [
        ("it does not hold in every initial state", [enc.init(s), enc.typed(s), z3.Not(inv)]),
        ("a step does not keep it", [inv, *known, enc.trans(s, t), enc.typed(t),
                                     z3.Not(at_t)]),
        (f"it does not imply {goal.name}",
         [inv, *known, z3.Not(z3.And(goal.holds(s), goal.defined(s)))]),
    ]
    for what, facts in obligations:
        solver = z3.Solver()
        solver.set("timeout", max(1, int(timeout * 1000)))
        solver.add(*facts)
        answer = check(solver, timed=True)
        if answer != z3.unsat:
            return what if answer == z3.sat else f"z3 could not tell whether {what} " \
                f"({solver.reason_unknown()})"
    return None


def replayed(ts: TransitionSystem, trace: Trace, goal: Goal) -> str | None:
    """What the explicit engine disagrees with in a counterexample, or None: the first state
    is initial, every next state a successor of the one before, and the last one breaks the
    property (an invariant false or not evaluable there, an assertion failed by a step)."""
    states = trace.concrete or []
    if not states:
        return "it has no states to replay"
    if states[0] not in {x for x in ts.init() if type(x) is tuple}:
        return "its first state is not initial"
    for n, (a, b) in enumerate(zip(states, states[1:]), 1):
        inside = ts.within is None or _true(ts.within, a)
        if not inside or b not in set(ts.successors(a)):
            return f"state {n} is not a successor of state {n - 1}"
    last = states[-1]
    if goal.kind == "assertion":
        fails = any(isinstance(r, Failure) and r.prop == goal.name
                    for me in range(ts.model.pool) for r in _step(ts, last, me))
        return None if fails else f"no step from the last state fails {goal.name}"
    check_fn = dict(ts.invariants).get(goal.name)
    if check_fn is None:
        return f"the explicit engine has no invariant {goal.name}"
    return None if not _true(check_fn, last) else f"{goal.name} holds in the last state"


def _true(fn: Any, state: tuple) -> bool:
    try:
        return bool(fn(state))
    except EvalError:
        return False


def _step(ts: TransitionSystem, state: tuple, me: int) -> list[Any]:
    """A thread's results, none when it is not running or its step cannot be evaluated."""
    if state[ts.pc_offsets[me]] < M.PC_EXITING:
        return []
    try:
        return list(ts.step(state, me))
    except EvalError:
        return []

