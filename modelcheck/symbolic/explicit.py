"""The explicit engine's view of the fixed pool, for `mcheck prove`: every reachable state
(without symmetry reduction, so that a z3 state is compared slot for slot), which
properties the search finds violated, and the trace to any stored state.

Proofs use it three ways: a counterexample to induction is looked up here (reachable: a
real counterexample, with its trace; unreachable: said plainly), a property the search
finds violated is refuted with the search's own trace, and the reachable states are
what candidate lemmas are mined from.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..backends.base import TransitionSystem
from ..backends.python.system import build
from ..engine.outcome import Limits, Outcome, Violation
from ..engine.search import search
from ..engine.store import StateStore
from ..engine.trace import counterexample
from ..ir import model as M
from ..ir.values import state_dict
from .induction import Step, Trace

MAX_STATES = 500_000  # beyond, CTIs are not judged and mining sees part of the states


@dataclass
class Reachable:
    model: M.Model
    ts: TransitionSystem
    outcome: Outcome
    store: StateStore

    @property
    def complete(self) -> bool:
        """Every reachable state is stored: no limit hit, nothing left unevaluated, and the
        search did not stop early because every property was already violated."""
        return not self.outcome.incomplete and \
            len(self.outcome.violations) < len(self.model.properties)

    def states(self) -> list[tuple]:
        return self.store.states

    def violated(self) -> set[str]:
        return set(self.outcome.violations)

    def counterexample(self, prop: str) -> Trace:
        """The search's trace to the first violation of prop."""
        return self._trace(self.outcome.violations[prop])

    def stored(self, state: tuple) -> bool:
        return state in self.store.index

    def trace_to(self, state: tuple) -> Trace | None:
        """The shortest path the search found to a state, or None when it is not stored."""
        i = self.store.index.get(state)
        return None if i is None else self._trace(Violation("", "", i, 0))

    def _trace(self, v: Violation) -> Trace:
        ce = counterexample(self.ts, self.outcome, v)
        states = [s.state for s in ce.steps]
        return Trace([state_dict(self.model, s) for s in states],
                     [Step(str(s.thread), s.action) for s in ce.steps[1:]], concrete=states)


def explore(model: M.Model) -> Reachable:
    """Every state the fixed pool reaches (a partial set beyond `MAX_STATES`)."""
    ts = build(model, symmetry=False)
    outcome = search(ts, Limits(max_states=MAX_STATES))
    if "interrupted" in outcome.incomplete:  # the search keeps Ctrl-C; the proof stops too
        raise KeyboardInterrupt
    assert isinstance(outcome.store, StateStore)  # the exact search stores states
    return Reachable(model, ts, outcome, outcome.store)
