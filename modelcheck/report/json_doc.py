"""The --json document; its schema is documented in README.md ("JSON output")."""

from __future__ import annotations

from typing import Any

from ..backends.base import TransitionSystem
from ..engine.trace import json_steps
from ..engine.verdict import Verdict


def verdict_json(ts: TransitionSystem | None, v: Verdict) -> dict[str, Any]:
    traces = [{"property": ce.prop, "kind": ce.kind, "message": ce.message,
               "length": ce.length, "certified": ce.certified, "loop": ce.loop,
               **({"location": {"line": ce.pos.line, "column": ce.pos.col},
                   "located": ce.located} if ce.located else {}),
               "steps": json_steps(ts, ce)}
              for ce in v.counterexamples] if ts is not None else []
    return {
        "spec": v.spec,
        "variant": v.variant,
        "result": v.result,
        "engine": v.engine,
        "properties": [{"name": p.name, "kind": p.kind, "status": p.status,
                        "trace_length": p.trace_length} for p in v.properties],
        "expected_violations": sorted(v.expected),
        "expectation": v.expectation,
        "incomplete_reasons": v.incomplete,
        "stats": {"distinct_states": v.stats.distinct_states,
                  "transitions": v.stats.transitions, "depth": v.stats.depth,
                  "seconds": round(v.stats.seconds, 4), "store_bytes": v.stats.store_bytes,
                  **({"outside_constraint": v.stats.outside} if v.constrained else {})},
        "symmetry": None if v.symmetry is None else {
            "states": v.symmetry.states, "without": v.symmetry.without,
            "exact": v.symmetry.exact},
        "counterexample": traces[0] if traces else None,
        "counterexamples": traces,
        "lints": [lint.json(v.spec) for lint in v.lints],
    }
