"""The liveness check after a complete safety search: its graph, its verdicts, its lassos.

It reads the states the search stored, whichever engine stored them (the Python exact
store or the native one), and rebuilds their edges through the Python back end
(`graph.build_graph`), so the cycle search is the same for both engines. A search that
was cut off decides no liveness property: a missing state could close or break any
loop, so the properties stay "unknown" (the verdict stage says so).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..backends.base import TransitionSystem
from ..ir.temporal import PATTERNS, LivenessInstance
from .graph import MissingState, build_graph
from .liveness import Lasso, Undecided, check_liveness
from .outcome import Outcome
from .store import StoredStates

MESSAGES = {
    "eventually": "P never holds on this run",
    "always_eventually": "from the loop on, P never holds again",
    "eventually_always": "P is false on the loop, so infinitely often",
    "leads_to": "P holds without Q, and Q never holds after it",
    "termination": "this run never gets there",
}


FINGERPRINTS = "liveness needs the states, and this search kept only fingerprints"


def refusal(ts: TransitionSystem, fingerprints: bool) -> str | None:
    """Why the liveness properties of ts cannot be checked by this run, if they cannot.

    Symmetry: a loop of canonical states need not be a loop of one run, and fairness
    names thread ids that a renaming permutes. Fingerprints: the graph's edges are
    recomputed from the stored states."""
    if ts.model.temporal is None:
        return None
    if ts.canon is not None:
        return ("liveness properties are not checked under symmetry reduction "
                "(it could merge the states of a fair loop); run with --no-symmetry")
    if fingerprints:
        return "liveness properties need the exact store (--store exact)"
    return None


@dataclass
class LivenessReport:
    """What the liveness check adds to a run: a lasso per violated property, and what it
    cost (the graph's edges and bytes, seconds)."""

    lassos: dict[str, Lasso] = field(default_factory=dict)
    semantics: str = ""
    edges: int = 0
    graph_bytes: int = 0
    seconds: float = 0.0


def message(live: LivenessInstance) -> str:
    text = f"{PATTERNS[live.pattern]}, but {MESSAGES[live.pattern]}"
    return f"for {live.instance}: {text}" if live.instance else text


def check_run(ts: TransitionSystem, outcome: Outcome) -> LivenessReport | None:
    """None when the model states no liveness property. Undecidable instances (a predicate
    that cannot be evaluated, a state missing from the store) make the outcome incomplete."""
    temporal = ts.model.temporal
    if temporal is None:
        return None
    report = LivenessReport(semantics=temporal.semantics())
    if not outcome.complete:
        return report
    store = outcome.store
    if not isinstance(store, StoredStates):  # Python workers keep fingerprints
        outcome.incomplete.append(FINGERPRINTS)
        return report
    began = time.monotonic()
    states = getattr(store, "states", None) or list(store)
    try:
        g = build_graph(ts, states, ts.initial_states(), temporal.stutter,
                        getattr(store, "index", None))
    except MissingState:
        outcome.incomplete.append("liveness: a successor is missing from the store")
        return report
    for result in check_liveness(ts, g):
        if isinstance(result, Undecided):
            outcome.incomplete.append(f"{result.instance.name}: {result.reason}")
        elif result is not None and result.instance.name not in report.lassos:
            report.lassos[result.instance.name] = result
    report.edges, report.graph_bytes = len(g.dst), g.nbytes()
    report.seconds = time.monotonic() - began
    return report
