"""Terminal output: a summary per variant, then each shortest trace as diffs."""

from __future__ import annotations

from rich.text import Text

from ..backends.base import TransitionSystem
from ..engine.trace import Counterexample, TraceStep
from ..engine.verdict import Verdict
from ..ir.model import Model
from ..ir.values import flat_view, view_changes
from ..symbolic.certify import CertificationError

VERDICT = {"met": "ok", "unmet": "UNEXPECTED", "open": "incomplete"}  # by v.expectation


def found(v: Verdict) -> str:
    """What the search found, against the `expect` line (none: nothing is expected to fail)."""
    what = ("violates " + ", ".join(sorted(v.violated)) if v.violated
            else "holds" if v.result == "holds" else "no violation found")
    if v.expectation == "met":
        return what + (", as expected" if v.declares_expectations else "")
    if v.expectation == "unmet":
        wanted = "violates " + ", ".join(sorted(v.expected)) if v.expected else "holds"
        return f"{what}; expected: {wanted}"
    return f"{what} so far ({v.incomplete[0] if v.incomplete else 'not every property decided'})"


def summary(v: Verdict) -> str:
    s = v.stats
    lines = [f"{v.spec}  variant {v.variant}: {VERDICT[v.expectation]}: {found(v)}",
             f"  {s.distinct_states:,} distinct states, {s.transitions:,} transitions, "
             f"depth {s.depth}, {s.seconds:.2f} s ({s.states_per_second:,.0f} states/s)"]
    lines.append(f"  engine: {v.engine}; store {s.bytes_per_state:,.1f} bytes a state")
    if v.constrained:
        lines.append(f"  constraint: {s.outside:,} of the states outside it, checked but not "
                     f"expanded ({s.distinct_states - s.outside:,} inside, TLC's count)")
    if v.symmetry is not None:
        r = v.symmetry
        lines.append(f"  symmetry: {r.states:,} states ({'' if r.exact else 'at most '}"
                     f"{r.without:,} without, from orbit sizes"
                     f"{'' if r.exact else '; --no-symmetry counts them'})")
    width = max(len(p.name) for p in v.properties)
    for p in v.properties:
        status = p.status
        if p.status == "violated":
            status = f"VIOLATED in {p.trace_length} step{'s' if p.trace_length != 1 else ''}"
        lines.append(f"  {p.name:<{width}}  {p.kind:<9}  {status}")
    if v.liveness is not None:
        live = v.liveness
        lines.append(f"  liveness under {live.semantics}" + (
            f"; graph {live.edges:,} edges, {live.graph_bytes:,} bytes, {live.seconds:.2f} s"
            if live.edges else ""))
    for reason in v.incomplete:
        lines.append(f"  incomplete: {reason}")
    kinds: dict[str, list[str]] = {}
    for lint in v.lints:
        at = f"{lint.pos.line}:{lint.pos.col}: " if lint.pos and lint.pos.line else ""
        kinds.setdefault(lint.kind, []).append(f"    {at}{lint.message}")
    for kind, items in kinds.items():
        lines += [f"  lint {kind}:", *items]
    return "\n".join(lines)


def bottom_line(verdicts: list[Verdict], not_run: list[tuple[str, str]]) -> str:
    """One line per variant (its verdict against its expectation), then one line for all:
    what a person reads first, so it comes last."""
    names = [v.variant for v in verdicts] + [name for name, _ in not_run]
    width = max(len(n) for n in names)
    lines = [f"{v.variant:<{width}}  {VERDICT[v.expectation]:<10}  {found(v)}" for v in verdicts]
    lines += [f"{name:<{width}}  {'not run':<10}  {why}" for name, why in not_run]
    counts = {word: sum(VERDICT[v.expectation] == word for v in verdicts)
              for word in ("ok", "UNEXPECTED", "incomplete")}
    counts["not run"] = len(not_run)
    total = len(names)
    noun = "variant" if total == 1 else "variants"
    if counts["ok"] == total:
        lines.append(f"{total} {noun}, " + ("as expected" if total == 1 else "all as expected"))
    else:
        parts = [f"{n} {'as expected' if word == 'ok' else word}" for word, n in counts.items()
                 if n]
        lines.append(f"{total} {noun}: " + ", ".join(parts))
    return "\n".join(lines)


HEADINGS = ("step", "thread", "action", "line", "choices")


def step_lines(model: Model) -> dict[str, int]:
    """The spec line of each step, by its action name (`template.label`): where to read
    what a trace step did, as SPIN prints for each of its steps."""
    return {f"{t.name}.{st.label}": st.pos.line for t, st in model.steps_by_pc.values()
            if st.pos.line > 0}


def trace(ts: TransitionSystem, ce: Counterexample) -> str:
    """The trace as plain text, for files and for terminals without colour."""
    return trace_text(ts, ce).plain


def trace_text(ts: TransitionSystem, ce: Counterexample) -> Text:
    """The trace as styled text: one aligned row per step, then what that step changed.

    The styles only matter when the caller prints to a colour terminal; `.plain` is the
    same layout without them.
    """
    model = ts.model
    out = Text()
    out.append(f"Counterexample for {ce.prop} ({ce.kind}): {ce.message}; "
               f"{ce.length} step{'s' if ce.length != 1 else ''}"
               + (f"; a loop back to step {ce.loop}" if ce.loop is not None else "")
               + ("; certified by z3" if ce.certified else ""), "bold")
    for line in ce.located.splitlines():  # a runtime error: where, with a caret
        _line(out, [("  " + line, "red")])
    lines = step_lines(model)
    rows = [(str(n), "" if st.thread is None else str(st.thread), _action(st),
             str(lines.get(st.action, "")) if st.thread is not None else "",
             ", ".join(st.choices)) for n, st in enumerate(ce.steps)]
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(HEADINGS)]
    indent = " " * (2 + widths[0] + 2 + widths[1] + 2 + 2)  # under the action
    _line(out, [("  ", ""), *_cells(HEADINGS, widths, "dim")])
    prev: dict[str, str] | None = None
    last = len(ce.steps) - 1
    for n, (st, row) in enumerate(zip(ce.steps, rows)):
        cells = _cells(row, widths, None)
        if st.failed:
            cells.append((f"  <-- {ce.message}", "bold red"))
        if ce.loop is not None and n in (ce.loop, last):
            cells.append(("  <-- the loop starts here" if n == ce.loop and n != last
                          else f"  --> back to step {ce.loop}", "bold red"))
        _line(out, [("  ", ""), *cells])
        view = flat_view(model, st.state)
        if prev is None:
            _values(out, indent, view)
        else:
            changes = view_changes(prev, view)
            name_w = max((len(k) for k, _, _ in changes), default=0)
            for k, old, new in changes:
                _line(out, [(indent, ""), (f"{k:<{name_w}}  ", ""), (old, "red"),
                            (" -> ", "dim"), (new, "green")])
        prev = view
    if prev is not None and len(ce.steps) > 1:
        _line(out, [("  final state:", "bold")])
        _values(out, indent, prev)
    return out


def _action(st: TraceStep) -> str:
    if st.thread is not None:
        return st.action
    if st.label == "stays":
        return "(the state repeats)"
    return "initialisation fails" if st.failed else "initial state"


_STYLES = {"step": "cyan", "thread": "magenta", "action": "bold", "line": "dim",
           "choices": "yellow"}


def _cells(values: tuple[str, ...], widths: list[int],
           style: str | None) -> list[tuple[str, str]]:
    """Padded columns; a row's cells take each column's style, the heading one style."""
    return [(f"{v:>{w}}  " if k == 0 else f"{v:<{w}}  ",
             style if style is not None else _STYLES[HEADINGS[k]])
            for k, (v, w) in enumerate(zip(values, widths))]


def _values(out: Text, indent: str, view: dict[str, str]) -> None:
    width = max((len(k) for k in view), default=0)
    for k, val in view.items():
        _line(out, [(indent, ""), (f"{k:<{width}} = ", ""), (val, "green")])


def _line(out: Text, parts: list[tuple[str, str]]) -> None:
    line = Text()
    for text, style in parts:
        line.append(text, style)
    line.rstrip()
    out.append("\n")
    out.append_text(line)


def certification_failure(e: CertificationError) -> str:
    """Both views of a trace z3 rejects: an internal error, never a result."""
    return "\n".join([f"mcheck: {e}", "what the explicit engine claims:",
                      trace(e.system, e.ce), f"what z3 says: step {e.step}: {e.reason}"])
