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
from ..ir.temporal import PATTERNS, LivenessInstance, Temporal
from .fingerprint_graph import fingerprint_graph
from .graph import MissingState, build_graph
from .liveness import Lasso, Undecided, check_liveness
from .native import NativeStates
from .native_graph import native_graph
from .outcome import Outcome
from .store import StoredStates, collision_probability

MESSAGES = {
    "eventually": "P never holds on this run",
    "always_eventually": "from the loop on, P never holds again",
    "eventually_always": "P is false on the loop, so infinitely often",
    "leads_to": "P holds without Q, and Q never holds after it",
    "termination": "this run never gets there",
}


WORKERS = ("liveness not checked with --workers above 1: the shares keep fingerprints "
           "and no edges, and numbering the states again would be one more search in a "
           "single process; run with --workers 1 (--store fingerprint works)")
DISABLED = "liveness not checked (--no-liveness)"


def symmetry_refusal(live: LivenessInstance, temporal: Temporal) -> str:
    """Why this property is not checked on the quotient, as specifically as the model
    allows: the reduction renames thread ids from one state to the next, so a loop of
    canonical states may be a run only up to a renaming of the threads."""
    why = []
    if live.instance:
        why.append(f"it is stated per thread ({live.instance}), and the quotient merges "
                   "that thread with the ids it permutes")
    if temporal.fairness:
        why.append("its fairness is per thread id (" + ", ".join(
            f.what for f in temporal.fairness) + "), and a loop of canonical states fair to "
                   "every id may be a run that starves one thread under another id")
    if not why:
        why.append("a loop of canonical states need not be a loop of one run")
    return (f"{live.name} not checked under symmetry reduction: {'; '.join(why)}; "
            "run with --no-symmetry")


def _fair_to_handlers(ts: TransitionSystem) -> bool:
    """Whether some fairness names a handler's first step, so that the graph must tell a
    signal's delivery from the interrupted thread's own step. (Not under `symmetric`
    declarations: see `graph._acting`.)"""
    if ts.model.symmetric:
        return False
    firsts = {h.steps[0].pc for h in ts.model.handlers}
    temporal = ts.model.temporal
    return temporal is not None and any(f.pcs and f.pcs & firsts for f in temporal.fairness)


@dataclass
class LivenessReport:
    """What the liveness check adds to a run: a lasso per violated property, and what it
    cost (the graph's edges and bytes, seconds)."""

    lassos: dict[str, Lasso] = field(default_factory=dict)
    undecided: dict[str, str] = field(default_factory=dict)  # property -> why
    semantics: str = ""
    edges: int = 0
    graph_bytes: int = 0
    seconds: float = 0.0


def message(live: LivenessInstance) -> str:
    text = f"{PATTERNS[live.pattern]}, but {MESSAGES[live.pattern]}"
    return f"for {live.instance}: {text}" if live.instance else text


def check_run(ts: TransitionSystem, outcome: Outcome, enabled: bool = True, workers: int = 1
              ) -> LivenessReport | None:
    """None when the model states no liveness property. A property this run cannot decide
    (not checked, a predicate that cannot be evaluated) is `undecided`, with the reason.
    A store of fingerprints is numbered again (`fingerprint_graph`), unless the search
    had several workers."""
    temporal = ts.model.temporal
    if temporal is None:
        return None
    report = LivenessReport(semantics=temporal.semantics())
    if not outcome.complete:
        return report  # every unviolated property is unknown anyway
    store = outcome.store
    exact = isinstance(store, StoredStates)
    why = DISABLED if not enabled else WORKERS if workers > 1 and not exact else None
    if why is not None or ts.canon is not None:
        for live in temporal.properties:
            report.undecided.setdefault(live.name, why or symmetry_refusal(live, temporal))
        return report
    began = time.monotonic()
    entries = _fair_to_handlers(ts)
    try:
        g = native_graph(ts, store, temporal.stutter, entries) \
            if isinstance(store, NativeStates) else None
        if g is None and not exact:
            g = fingerprint_graph(ts, temporal.stutter, entries)
            report.semantics += (f"; over fingerprints: exact unless two of the {len(g):,} "
                                 f"states share one (probability about "
                                 f"{collision_probability(len(g)):.1e})")
        elif g is None:
            g = build_graph(ts, getattr(store, "states", None) or list(store),
                            ts.initial_states(), temporal.stutter,
                            getattr(store, "index", None), entries)
    except MissingState:
        report.undecided = {live.name: "liveness not checked: a successor is missing from "
                            "the store" for live in temporal.properties}
        return report
    for result in check_liveness(ts, g):
        if isinstance(result, Undecided):
            report.undecided[result.instance.name] = f"{result.instance.name}: {result.reason}"
        elif result is not None and result.instance.name not in report.lassos:
            report.lassos[result.instance.name] = result
    for name in report.lassos:
        report.undecided.pop(name, None)  # one instance violated decides the property
    report.edges, report.graph_bytes = len(g.dst), g.nbytes()
    report.seconds = time.monotonic() - began
    return report
