"""The verdicts and traces as Markdown: for issue trackers and chats that refuse `.html`.

A table of properties and a fenced block per trace (the terminal's plain layout, which
keeps its columns in any Markdown renderer). No times or rates: the text depends only on
the spec and the options, so it can be compared with an earlier paste.
"""

from __future__ import annotations

from ..backends.base import TransitionSystem
from ..engine.verdict import Verdict
from .text import VERDICT, found, trace


def markdown(checked: list[tuple[TransitionSystem, Verdict]]) -> str:
    return "\n".join(_variant(ts, v) for ts, v in checked)


def _variant(ts: TransitionSystem, v: Verdict) -> str:
    s = v.stats
    lines = [f"## `{v.spec}` variant `{v.variant}`: {VERDICT[v.expectation]}", "",
             f"{found(v)}. {s.distinct_states:,} distinct states, {s.transitions:,} "
             f"transitions, depth {s.depth}."
             + (f" {s.outside:,} of the states are outside the constraint (checked, not expanded)."
                if v.constrained else ""), "",
             "| property | kind | verdict |", "|---|---|---|"]
    for p in v.properties:
        status = p.status
        if p.status == "violated" and p.trace_length is not None:
            status = f"**violated** in {p.trace_length} step{'s' if p.trace_length != 1 else ''}"
        lines.append(f"| `{p.name}` | {p.kind} | {status} |")
    lines.append("")
    lines += [f"- incomplete: {reason}" for reason in v.incomplete]
    lines += [f"- lint {lint.kind}: {lint.message}" for lint in v.lints]
    if v.incomplete or v.lints:
        lines.append("")
    for ce in v.counterexamples:
        lines += [f"### {ce.prop}", "", "```", trace(ts, ce).lstrip("\n"), "```", ""]
    return "\n".join(lines)
