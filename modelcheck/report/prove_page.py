"""The HTML page of `mcheck prove`: each property's outcome, and every trace z3 produced.

A counterexample to induction is hard to read as two dumps of a dozen
variables: what matters is which values the step changed and which conjunct it
broke. So the page lays the states of a trace side by side, one row per
variable, and marks each value that differs from the state before. It shares
the frame, styles and the `explain` chain with the explicit-state report
(`html_page.py`); `explain` runs only where the encoding gives explicit state
tuples (the bounded one), since an unbounded state has no tuple to evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backends.runtime import EvalError
from ..symbolic.bmc import NOT_CHECKED, UNKNOWN, VIOLATED, Found
from ..symbolic.induction import Step, Trace, flat
from ..symbolic.pdr import Strengthening
from ..symbolic.proof_encodings import ProofEncoding
from ..symbolic.proving import Proof
from .evaluate import holds
from .explain import Explanation, explain
from .html_page import environment
from .proof_text import conjunct_text, conjunct_values, invariant_text

# an outcome as a badge: its css class (the report's palette) and its words
OUTCOMES = {"proved": "holds", "refuted": "violated", "unknown": "unknown",
            VIOLATED: "violated"}


@dataclass
class PropertyRow:
    name: str
    kind: str
    outcome: str
    badge: str                     # css class of the outcome
    line: int | None
    detail: str
    outside_epr: list[str] = field(default_factory=list)
    trace: str | None = None       # the anchor of its trace on the page


@dataclass
class TraceView:
    anchor: str
    title: str
    prop: str
    note: str                      # what the last state (or step) means
    headers: list[tuple[str, Step | None]]   # per state: its name, the step into it
    rows: list[tuple[str, list[tuple[str, bool]]]]  # variable -> per state (value, changed)
    broken: list[tuple[dict[str, Any], str, list[str]]]  # (where, conjunct text, its values)
    why: Explanation | None
    invariant: str | None = None   # the property's whole text
    reachable: str = ""            # what the explicit search says of a CTI's first state


def write_prove_html(path: Path, enc: ProofEncoding, k: int, unbounded: bool,
                     proof: Proof) -> None:
    _write(path, prove_html(enc, k, unbounded, proof))


def write_bmc_html(path: Path, enc: ProofEncoding, k: int, found: list[Found], depth: int,
                   gave_up: str | None) -> None:
    _write(path, bmc_html(enc, k, found, depth, gave_up))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def prove_html(enc: ProofEncoding, k: int, unbounded: bool, proof: Proof) -> str:
    results = proof.results
    lines = {p.name: p.pos.line for p in enc.m.properties}
    lemmas = [r.name for r in results if r.kind == "lemma"]
    rows, traces = [], []
    for r in results:
        row = PropertyRow(r.name, r.kind, r.outcome, OUTCOMES[r.outcome], lines.get(r.name),
                          r.reason, r.outside_epr)
        if r.counterexample is not None:
            row.trace = f"trace-{r.name}"
            traces.append(_view(enc, row.trace, f"{r.name} {r.outcome}: {r.reason}", r.name,
                                r.counterexample, "the last state is outside "
                                f"{r.name}" if r.kind != "assertion" else
                                "a step from the last state fails the assertion"))
        elif r.cti is not None:
            row.trace = f"cti-{r.name}"
            steps = len(r.cti.states) - 1
            view = _view(enc, row.trace, f"Counterexample to induction for {r.name} "
                         f"(k = {r.k})", r.name, r.cti,
                         f"{steps} step{'s' if steps != 1 else ''} inside {r.name}"
                         + (" and the lemmas" if lemmas or proof.inferred else "") + ", then "
                         + ("a step out of it" if r.kind != "assertion"
                            else "a step from the last state fails it"))
            view.reachable = r.reachable
            traces.append(view)
        rows.append(row)
    outcomes = {r.outcome for r in results}
    overall = "refuted" if "refuted" in outcomes else "unknown" if "unknown" in outcomes \
        else "proved"
    how = f"k-induction, k ≤ {k}, {enc.scope}" + (" (thread ids an uninterpreted sort)"
                                                   if unbounded else "")
    inferred = proof.inferred.shown if proof.inferred else []
    return _page(enc, "prove", how, overall, rows, traces, inferred, proof.strengthened)


def bmc_html(enc: ProofEncoding, k: int, found: list[Found], depth: int,
             gave_up: str | None) -> str:
    lines = {p.name: p.pos.line for p in enc.m.properties}
    rows, traces = [], []
    for f in found:
        violated = f.status == VIOLATED
        detail = f"violated in {f.length} step{'s' if f.length != 1 else ''}" if violated \
            else NOT_CHECKED if f.status == UNKNOWN \
            else f"no violation within {depth} steps (this proves nothing beyond them)"
        row = PropertyRow(f.prop, f.kind, f.status, OUTCOMES.get(f.status, "unknown"),
                          lines.get(f.prop), detail)
        if f.states is not None:
            row.trace = f"trace-{f.prop}"
            steps = [Step(*s) for s in f.steps or []]
            last = f"then thread {steps[-1].thread}: {steps[-1].action} fails {f.prop}" \
                if len(steps) == len(f.states) and steps else f"the last state breaks {f.prop}"
            traces.append(_view(enc, row.trace, f"{f.prop} violated in {f.length} step"
                                f"{'s' if f.length != 1 else ''}", f.prop,
                                Trace(f.states, steps[:len(f.states) - 1],
                                      concrete=f.concrete), last))
        rows.append(row)
    overall = "violated" if any(f.status == VIOLATED for f in found) else "unknown"
    how = f"bounded model checking to depth {k}, {enc.scope}" + \
        (f"; z3 gave up after depth {depth} ({gave_up})" if gave_up is not None else "")
    return _page(enc, "bmc", how, overall, rows, traces)


def _page(enc: ProofEncoding, mode: str, how: str, overall: str, rows: list[PropertyRow],
          traces: list[TraceView], inferred: list[str] | None = None,
          strengthened: list[Strengthening] | None = None) -> str:
    return environment().get_template("prove.html.j2").render(
        spec=enc.spec.path, variant=enc.m.variant, mode=mode, how=how, overall=overall,
        badge=OUTCOMES.get(overall, "unknown"), rows=rows, traces=traces,
        inferred=inferred or [], strengthened=strengthened or [])


def _view(enc: ProofEncoding, anchor: str, title: str, prop: str, t: Trace,
          note: str) -> TraceView:
    views = [flat(s, enc.m) for s in t.states]
    names = list(dict.fromkeys(name for v in views for name in v))
    rows = [(name, [(v.get(name, "-"), n > 0 and views[n - 1].get(name, "-") != v.get(name, "-"))
                    for n, v in enumerate(views)]) for name in names]
    headers = [(f"state {n}", t.steps[n - 1] if 0 < n <= len(t.steps) else None)
               for n in range(len(views))]
    broken = [(b, conjunct_text(enc, b), conjunct_values(enc, b, t)) for b in t.broken]
    return TraceView(anchor, title, prop, note, headers, rows, broken, _why(enc, prop, t),
                     invariant_text(enc, prop))


def _why(enc: ProofEncoding, prop: str, t: Trace) -> Explanation | None:
    """The false sub-expression of an invariant in the last state, when that state is a tuple."""
    inv = next((i for i in enc.m.invariants if i.name == prop), None)
    if inv is None or not t.concrete:
        return None
    try:
        if holds(enc.m, inv.expr, t.concrete[-1]):
            return None
        return explain(enc.m, prop, inv.expr, t.concrete[-1])
    except EvalError:  # not evaluable there: the broken conjuncts say so
        return None
