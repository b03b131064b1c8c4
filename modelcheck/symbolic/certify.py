"""Every counterexample of the explicit engine, checked again by z3.

The only module that sees both worlds: it reads the explicit engine's traces
and asks the independent symbolic encoding (`encoding.py`) whether they are
real. The first state must satisfy the initial condition, each step must be a
transition of the acting thread (its own step function's disjunct first, the
whole transition relation when that fails, to say more in the report), and
the last state must break the property: the invariant is false there, the
last step can fail the assertion or bound, or nothing can run while a thread
is unfinished. A lasso (a liveness counterexample) is checked by `certify_lasso`.
Each formula is the encoding instantiated at the trace's concrete pre-state, solved by
z3 against the concrete post-state.

A trace that fails is a bug in one of the two engines, never a result: the
caller reports both views and exits with its own code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from ..engine.trace import Counterexample
from ..ir.model import Model
from .certify_lasso import lasso_failure
from .encoding import Encoding, encode
from .keyboard import check, passes_interrupts

INTERNAL_ERROR = 4  # the exit code of a run whose counterexample z3 rejects


@dataclass
class CertificationError(Exception):
    """z3 disagrees with the explicit engine about a counterexample."""

    ce: Counterexample
    step: int      # index into ce.steps of the step z3 rejects
    reason: str
    system: Any = None  # the explicit transition system, to print the engine's view

    def __str__(self) -> str:
        return (f"internal error: the counterexample for {self.ce.prop} fails certification "
                f"at step {self.step}: {self.reason}")


class Certifier:
    """One encoding and one solver for all the traces of a variant."""

    def __init__(self, model: Model):
        self.model = model
        self.enc: Encoding = encode(model)
        self.solver = z3.Solver()
        self.post = self.enc.state("post")

    def holds(self, *formulas: z3.BoolRef) -> bool:
        self.solver.push()
        self.solver.add(*formulas)
        result = check(self.solver, timed=False)
        self.solver.pop()
        if result == z3.unknown:
            raise RuntimeError(f"z3 could not decide a certification query: "
                               f"{self.solver.reason_unknown()}")
        return result == z3.sat

    def certify(self, ce: Counterexample) -> None:
        """Mark ce certified, or raise CertificationError naming the step z3 rejects."""
        enc, steps = self.enc, ce.steps
        first = steps[0]
        if first.failed:  # initialisation itself fails
            cond = enc.init_failure().get(ce.prop)
            if cond is None or not self.holds(cond):
                raise CertificationError(ce, 0, f"z3 finds no initial state that fails {ce.prop}")
            ce.certified = True
            return
        if not self.holds(enc.init(self.post), enc.equals(self.post, first.state)):
            raise CertificationError(ce, 0, "the first state is not an initial state for z3")
        if ce.loop is not None:
            rejected = lasso_failure(self, ce)
            if rejected is not None:
                raise CertificationError(ce, *rejected)
            ce.certified = True
            return
        ends = len(steps) - (1 if steps[-1].failed else 0)
        for k in range(1, ends):
            self.transition(ce, k)
        last = steps[ends - 1].state
        if steps[-1].failed:
            thread = steps[-1].thread
            assert thread is not None
            pc = last[enc.base(thread)]
            cond = enc.failure(enc.fixed(last), thread, pc).get(ce.prop)
            if cond is None or not self.holds(cond):
                raise CertificationError(
                    ce, len(steps) - 1, f"z3 finds no way for thread {thread}'s step at pc {pc} "
                    f"to fail {ce.prop} from the state before it")
        elif ce.kind in ("invariant", "lemma"):  # a lemma is searched as an invariant
            if self.holds(enc.invariant(ce.prop, enc.fixed(last))):
                raise CertificationError(ce, ends - 1, f"z3 evaluates {ce.prop} to true in "
                                                       "the last state")
        elif ce.kind == "runtime":  # no failing step: an invariant cannot be evaluated
            s = enc.fixed(last)
            if not self.holds(z3.Or(*[z3.Not(enc.defined(name, s)) for name in enc.invariants])):
                raise CertificationError(ce, ends - 1, "z3 can evaluate every invariant in "
                                                       "the last state")
        elif ce.kind == "deadlock":
            if not self.holds(enc.deadlocked(enc.fixed(last))):
                raise CertificationError(ce, ends - 1, "z3 finds the last state not deadlocked: "
                                                       "some step can still run, or no thread "
                                                       "is unfinished")
        else:
            raise CertificationError(ce, ends - 1, f"no check for a property of kind {ce.kind}")
        ce.certified = True

    def transition(self, ce: Counterexample, k: int) -> None:
        enc = self.enc
        pre, step = ce.steps[k - 1].state, ce.steps[k]
        s = enc.fixed(pre)
        at_post = enc.equals(self.post, step.state)
        assert step.thread is not None
        pc = pre[enc.base(step.thread)]
        if not self.holds(enc.within(s)):
            raise CertificationError(ce, k, "the state before this step is outside the "
                                            "constraint, so z3 expands nothing from it")
        if self.holds(enc.moves(s, self.post, step.thread, pc), at_post):
            return
        if self.holds(enc.trans(s, self.post), at_post):
            why = (f"thread {step.thread} at pc {pc} cannot take this step, "
                   "though another thread can reach the same state")
        else:
            why = "no thread can take this step: the pair is not in z3's transition relation"
        raise CertificationError(ce, k, why)


@passes_interrupts
def certify(model: Model, traces: list[Counterexample]) -> None:
    """Certify every trace of one variant; raises on the first that z3 rejects."""
    if not traces:
        return
    checker = Certifier(model)
    for ce in traces:
        checker.certify(ce)
