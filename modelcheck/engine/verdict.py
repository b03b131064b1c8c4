"""From a search outcome to per-property verdicts and an overall result.

`result` is "violated" if any property is, else "incomplete" if the search
did not cover the whole state space, else "holds". The expectation check
compares the set of violated properties with the spec's `expect` line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir.model import Model
from .lints import Lint
from .liveness_run import LivenessReport
from .outcome import Outcome, Stats
from .symmetry import Reduction
from .trace import Counterexample


@dataclass
class PropertyVerdict:
    name: str
    kind: str
    status: str               # holds, violated, unknown
    message: str = ""
    trace_length: int | None = None


@dataclass
class Verdict:
    spec: str
    variant: str
    result: str               # holds, violated, incomplete (spec errors never get this far)
    properties: list[PropertyVerdict]
    stats: Stats
    counterexamples: list[Counterexample] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    expected: frozenset[str] = frozenset()
    declares_expectations: bool = False
    symmetry: Reduction | None = None  # set when the search was reduced by symmetry
    lints: list[Lint] = field(default_factory=list)
    engine: str = "python"             # which engine searched, and why (`engine.run.Engine`)
    fingerprints: bool = False         # the store kept fingerprints, not states
    liveness: LivenessReport | None = None  # the liveness check's cost and semantics
    constrained: bool = False          # the spec has a `constraint` (`stats.outside` counts)

    @property
    def violated(self) -> frozenset[str]:
        return frozenset(p.name for p in self.properties if p.status == "violated")

    @property
    def expectation(self) -> str:
        """'met', 'unmet', or 'open' when an incomplete search has not contradicted it yet."""
        if not self.violated <= self.expected:
            return "unmet"
        if self.violated == self.expected and all(p.status != "unknown" for p in self.properties):
            return "met"
        return "open" if self.result == "incomplete" or any(
            p.status == "unknown" for p in self.properties) else "unmet"

    @property
    def exit_code(self) -> int:
        return {"holds": 0, "violated": 1, "incomplete": 3}[self.result]


def verdict(spec: str, model: Model, outcome: Outcome, counterexamples: list[Counterexample],
            undecided: dict[str, str] | None = None) -> Verdict:
    """`undecided`: properties a complete search still leaves unknown (liveness that this
    run could not check), with the reason, which makes the result incomplete."""
    undecided = undecided or {}
    props = []
    lengths = {ce.prop: ce.length for ce in counterexamples}
    for p in model.properties:
        v = outcome.violations.get(p.name)
        if v is not None:
            props.append(PropertyVerdict(p.name, p.kind, "violated", v.message,
                                         lengths.get(p.name)))
        else:
            decided = outcome.complete and p.name not in undecided
            props.append(PropertyVerdict(p.name, p.kind, "holds" if decided else "unknown"))
    reasons = [*outcome.incomplete, *dict.fromkeys(undecided.values())]
    if outcome.violations:
        result = "violated"
    elif not reasons:
        result = "holds"
    else:
        result = "incomplete"
    return Verdict(spec, model.variant, result, props, outcome.stats, counterexamples,
                   reasons, model.expected(), model.has_expectations,
                   constrained=bool(model.constraints))
