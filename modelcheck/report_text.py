"""Terminal output: a summary per variant, then each shortest trace as diffs."""

from __future__ import annotations

from .system import TransitionSystem
from .trace import Counterexample
from .values import flat_view
from .verdict import Verdict


def summary(v: Verdict) -> str:
    s = v.stats
    lines = [f"{v.spec}  variant {v.variant}: {v.result.upper()}",
             f"  {s.distinct_states:,} distinct states, {s.transitions:,} transitions, "
             f"depth {s.depth}, {s.seconds:.2f} s ({s.states_per_second:,.0f} states/s)"]
    width = max(len(p.name) for p in v.properties)
    for p in v.properties:
        status = p.status
        if p.status == "violated":
            status = f"VIOLATED in {p.trace_length} step{'s' if p.trace_length != 1 else ''}"
        lines.append(f"  {p.name:<{width}}  {p.kind:<9}  {status}")
    for reason in v.incomplete:
        lines.append(f"  incomplete: {reason}")
    for lint in v.lints:
        at = f"{lint.pos.line}:{lint.pos.col}: " if lint.pos and lint.pos.line else ""
        lines.append(f"  lint: {at}{lint.message}")
    if v.declares_expectations:
        exp = ", ".join(sorted(v.expected)) or "nothing"
        word = {"met": "as expected", "unmet": "NOT as expected", "open": "not yet decided"}
        lines.append(f"  expected to violate: {exp} ({word[v.expectation]})")
    return "\n".join(lines)


def trace(ts: TransitionSystem, ce: Counterexample) -> str:
    model = ts.model
    lines = [f"Counterexample for {ce.prop} ({ce.kind}): {ce.message}; "
             f"{ce.length} step{'s' if ce.length != 1 else ''}"
             + ("; certified by z3" if ce.certified else "")]
    prev: dict[str, str] | None = None
    for n, st in enumerate(ce.steps):
        view = flat_view(model, st.state)
        head = f"  {n:>3}. "
        if st.thread is None and not st.failed:
            head += "initial state"
        elif st.thread is None:
            head += "initialisation fails"
        else:
            head += f"thread {st.thread}: {st.action}"
        if st.choices:
            head += " [" + ", ".join(st.choices) + "]"
        if st.failed:
            head += f"  <-- {ce.message}"
        lines.append(head)
        if prev is None:
            lines += [f"         {k} = {val}" for k, val in view.items()]
        else:
            for k, val in view.items():
                if prev.get(k) != val:
                    lines.append(f"         {k}: {prev.get(k, '-')} -> {val}")
            lines += [f"         {k}: {prev[k]} -> gone" for k in prev if k not in view]
        prev = view
    if prev is not None and len(ce.steps) > 1:
        lines.append("  final state:")
        lines += [f"         {k} = {val}" for k, val in prev.items()]
    return "\n".join(lines)
