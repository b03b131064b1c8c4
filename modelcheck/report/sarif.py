"""SARIF 2.1.0: violated properties as results located in the spec, for code review.

Code-scanning tools annotate the line a result points at, so a result points at the
property's declaration (the invariant, or the first `assert` of that name). The built-in
properties have no declaration: `bounds` points at the step that went out of range,
`runtime` at the expression that could not be evaluated, and `deadlock` at the step the
first stuck thread waits at. Each property is a rule (its id is
the property name). A violation the spec's `expect` line predicts is level "note", any
other "error", so a known-broken historical variant does not read as a new bug.

The trace is a codeFlow with one threadFlow per thread that acted; `executionOrder` (the
step number) gives the interleaving across them, each location points at the step's line
and its `state` holds the variables that step changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import __version__
from ..backends.base import TransitionSystem
from ..engine.trace import Counterexample, TraceStep
from ..engine.verdict import Verdict
from ..ir.model import Model
from ..ir.values import flat_view, state_dict, view_changes
from ..lang.errors import Pos

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


def sarif_document(checked: list[tuple[TransitionSystem, Verdict]]) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for ts, v in checked:
        for p in ts.model.properties:
            rules.setdefault(p.name, {
                "id": p.name,
                "shortDescription": {"text": f"{p.kind} {p.name}"},
                "fullDescription": {"text": p.description or f"the {p.kind} {p.name} holds"},
                "defaultConfiguration": {"level": "error"},
                "properties": {"kind": p.kind}})
        for ce in v.counterexamples:
            results.append(_result(ts, v, ce, list(rules).index(ce.prop)))
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "mcheck", "version": __version__,
                                "rules": list(rules.values())}},
            "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}},
            "results": results,
        }],
    }


def _result(ts: TransitionSystem, v: Verdict, ce: Counterexample, rule: int) -> dict[str, Any]:
    model = ts.model
    expected = ce.prop in v.expected
    text = (f"{ce.prop} ({ce.kind}) is violated in variant {v.variant}: "
            f"{ce.located.splitlines()[0] if ce.located else ce.message}; "
            f"shortest trace {ce.length} step{'s' if ce.length != 1 else ''}"
            + (" (as the spec's expect line says)" if expected else ""))
    result = {
        "ruleId": ce.prop,
        "ruleIndex": rule,
        "kind": "fail",
        "level": "note" if expected else "error",
        "message": {"text": text},
        "locations": [_location(v.spec, _property_pos(model, ce))],
        "properties": {"variant": v.variant, "traceLength": ce.length},
    }
    flow = _code_flow(model, v.spec, ce)
    if flow["threadFlows"]:  # SARIF wants at least one step; a 0-step trace has none
        result["codeFlows"] = [flow]
    return result


def _artifact(spec: str) -> dict[str, str]:
    """Relative to the working directory when the spec is under it, as code scanning wants."""
    p = Path(spec).resolve()
    try:
        return {"uri": p.relative_to(Path.cwd()).as_posix(), "uriBaseId": SRCROOT}
    except ValueError:
        return {"uri": p.as_uri()}


def _location(spec: str, pos: Pos | None, message: str | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(spec)}
    if pos is not None and pos.line > 0:
        physical["region"] = {"startLine": pos.line, "startColumn": max(pos.col, 1)}
    out: dict[str, Any] = {"physicalLocation": physical}
    if message is not None:
        out["message"] = {"text": message}
    return out


def _step_pos(model: Model, template: str | None, label: str) -> Pos | None:
    for t, s in model.steps_by_pc.values():
        if t.name == template and s.label == label:
            return s.pos
    return None


def _trace_step_pos(model: Model, st: TraceStep) -> Pos | None:
    """A destructor runs as the thread's exit step; point at the destructor's own body."""
    for choice in st.choices:
        if choice.startswith("destructor "):
            name = choice.removeprefix("destructor ")
            return next(d.pos for d in model.destructors if d.name == name)
    return _step_pos(model, st.template, st.label)


def _property_pos(model: Model, ce: Counterexample) -> Pos | None:
    declared = next(p.pos for p in model.properties if p.name == ce.prop)
    if declared.line > 0:
        return declared
    if ce.pos.line > 0:
        return ce.pos
    last = ce.steps[-1]
    if ce.kind == "deadlock":
        stuck = next((th for th in state_dict(model, last.state)["threads"]
                      if th["status"] == "alive"), None)
        return None if stuck is None else _step_pos(model, stuck["thread"], stuck["at"])
    return _trace_step_pos(model, last) if last.failed else None


def _describe(st: TraceStep) -> str:
    return f"thread {st.thread}: {st.action}" + (f" [{', '.join(st.choices)}]"
                                                  if st.choices else "")


def _code_flow(model: Model, spec: str, ce: Counterexample) -> dict[str, Any]:
    initial = flat_view(model, ce.steps[0].state)
    flows: dict[int, list[dict[str, Any]]] = {}
    prev = initial
    for n, st in enumerate(ce.steps[1:], start=1):
        view = flat_view(model, st.state)
        if st.thread is None:  # an initial state that fails to build: no thread ran
            continue
        loc: dict[str, Any] = {
            "executionOrder": n,
            "location": _location(spec, _trace_step_pos(model, st),
                                  _describe(st) + (f"  <-- {ce.message}" if st.failed else "")),
            "state": {k: {"text": new} for k, _, new in view_changes(prev, view)},
        }
        if n == ce.length:
            loc["importance"] = "essential"
        flows.setdefault(st.thread, []).append(loc)
        prev = view
    return {
        "message": {"text": f"shortest interleaving breaking {ce.prop}: {ce.length} steps"
                            + (f", then back to step {ce.loop} for ever"
                               if ce.loop is not None else "")},
        "threadFlows": [
            {"id": f"thread {tid}", "message": {"text": f"thread {tid}"},
             "initialState": {k: {"text": val} for k, val in initial.items()},
             "locations": locs}
            for tid, locs in sorted(flows.items())],
    }
