"""z3's check of a lasso: a liveness counterexample is a real, fair, violating run.

Every claim of the explicit engine's lasso is asked again of the symbolic encoding:
the first state is initial; each step is a transition of its thread, and a step where
the state stays is allowed (with stuttering, always; otherwise only where z3 finds no
transition at all); the last state is the state at the loop index; every fairness unit
is satisfied on the loop (taken there, or, for weak fairness, disabled in some loop state
and, for strong, in every loop state, "enabled" meaning z3 finds a successor by that
thread's step from a state inside the constraint; a unit for a signal's delivery that the
loop does not take, and an action's units, are left to the explicit engine, see `_fair`);
and the property's
predicates, evaluated by the encoding, break the pattern on this run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import z3

from ..engine.trace import Counterexample
from ..ir.model import PC_EXITING
from ..ir.temporal import Fairness, LivenessInstance
from .pool_folds import term
from .pool_paths import Ctx, Path

if TYPE_CHECKING:
    from .certify import Certifier


def lasso_failure(c: Certifier, ce: Counterexample) -> tuple[int, str] | None:
    """(step, reason) of the first claim z3 rejects, or None when it accepts them all."""
    temporal, enc, steps = c.model.temporal, c.enc, ce.steps
    loop = ce.loop
    assert temporal is not None and loop is not None
    for k in range(1, len(steps)):
        if steps[k].thread is not None:
            c.transition(ce, k)
        elif steps[k].state != steps[k - 1].state:
            return k, "a step that keeps the state changes it"
        elif not temporal.stutter and c.holds(enc.trans(enc.fixed(steps[k].state), c.post)):
            return k, "the state repeats, but z3 finds a step that can run"
    if not loop < len(steps) - 1 or steps[-1].state != steps[loop].state:
        return len(steps) - 1, f"the last state is not the state of step {loop}"
    for f in temporal.fairness:
        for me in range(c.model.pool):
            if not _fair(c, ce, f, me):
                return len(steps) - 1, f"the loop is unfair to thread {me} ({f.what})"
    instances = [p for p in temporal.properties if p.name == ce.prop]
    if not any(_violates(c, ce, p) for p in instances):
        return len(steps) - 1, f"z3 finds {ce.prop} satisfied on this run"
    return None


def _fair(c: Certifier, ce: Counterexample, f: Fairness, me: int) -> bool:
    """A step takes the unit if its thread is `me` and the step it ran (a handler's first
    step for a signal's delivery) is one of the unit's. The encoding tells a thread's
    successors only by the step it waits at, deliveries included, so a unit that names a
    handler's first step and is not taken on the loop is left to the explicit engine."""
    assert ce.loop is not None
    if f.action is not None:  # the encoding does not tell a move's branch and choices
        return True           # apart either: an action's units are the explicit engine's
    base = c.enc.base(me)
    loop = ce.steps[ce.loop:]
    ran = {(t.name, s.label): pc for pc, (t, s) in c.model.steps_by_pc.items()}
    if any(st.thread == me and (f.pcs is None or ran.get((st.template or "", st.label)) in f.pcs)
           for st in loop[1:]):
        return True
    entries = {h.steps[0].pc for h in c.model.handlers}
    if f.pcs is not None and f.pcs & entries:
        return True

    def enabled(state: tuple) -> bool:  # outside the constraint, no step is
        pc, s = state[base], c.enc.fixed(state)
        return pc >= PC_EXITING and (f.pcs is None or pc in f.pcs) and \
            c.holds(c.enc.within(s), c.enc.moves(s, c.post, me, pc))

    now = [enabled(st.state) for st in loop[:-1]]
    return not any(now) if f.strength == "strong" else not all(now)


def _violates(c: Certifier, ce: Counterexample, live: LivenessInstance) -> bool:
    states = [st.state for st in ce.steps]
    k = ce.loop
    assert k is not None
    if live.pattern == "termination":
        offsets = [c.enc.base(me) for me in range(c.model.pool)]
        return all(any(s[o] >= PC_EXITING for o in offsets) for s in states)
    p = [_value(c, live.exprs[0], s) for s in states]
    if live.pattern == "eventually":
        return not any(p)
    if live.pattern == "always_eventually":
        return not any(p[k:])
    if live.pattern == "eventually_always":
        return not all(p[k:])
    q = [_value(c, live.exprs[1], s) for s in states]
    return any(p[i] and not any(q[min(i, k):]) for i in range(len(states)))


def _value(c: Certifier, expr: object, state: tuple) -> bool:
    """The predicate in a concrete state, as the encoding evaluates it; a predicate that
    cannot be evaluated there counts as true (it decides nothing against the lasso)."""
    s = c.enc.fixed(state)
    value, error = c.enc.exprs.visit(expr, Path((), list(s.slots), {}), Ctx(None, None))
    return not c.holds(z3.Not(term(value))) or c.holds(term(error))
