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
from .native import NativeStates
from .native_graph import native_graph
from .outcome import Outcome
from .store import StoredStates

MESSAGES = {
    "eventually": "P never holds on this run",
    "always_eventually": "from the loop on, P never holds again",
    "eventually_always": "P is false on the loop, so infinitely often",
    "leads_to": "P holds without Q, and Q never holds after it",
    "termination": "this run never gets there",
}


FINGERPRINTS = ("liveness not checked: it needs the stored states, and this search kept "
                "fingerprints (--store fingerprint, or --workers with the Python engine)")
SYMMETRY = ("liveness not checked under symmetry reduction (a loop of canonical states "
            "need not be a loop of one run, and fairness names the ids it permutes); "
            "run with --no-symmetry")
DISABLED = "liveness not checked (--no-liveness)"


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


def check_run(ts: TransitionSystem, outcome: Outcome, enabled: bool = True
              ) -> LivenessReport | None:
    """None when the model states no liveness property. A property this run cannot decide
    (not checked, a predicate that cannot be evaluated) is `undecided`, with the reason."""
    temporal = ts.model.temporal
    if temporal is None:
        return None
    report = LivenessReport(semantics=temporal.semantics())
    if not outcome.complete:
        return report  # every unviolated property is unknown anyway
    store = outcome.store
    why = DISABLED if not enabled else SYMMETRY if ts.canon is not None else \
        FINGERPRINTS if not isinstance(store, StoredStates) else None
    if why is not None:
        report.undecided = {live.name: why for live in temporal.properties}
        return report
    assert isinstance(store, StoredStates)
    began = time.monotonic()
    entries = _fair_to_handlers(ts)
    try:
        g = native_graph(ts, store, temporal.stutter, entries) \
            if isinstance(store, NativeStates) else None
        if g is None:
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
