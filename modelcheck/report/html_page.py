"""The HTML report: one self-contained file a reviewer can open anywhere, offline.

Everything the page needs (styles, the little script, the state graph as SVG)
is inside the file, so it can be attached to a CI run or mailed and still
work with no network. The layout is a jinja2 template; this module only turns
a verdict into plain data for it: swimlanes per counterexample, the reason a
property is false (`explain`), step counts, and the state graph for small
models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from ..backends.base import TransitionSystem
from ..backends.runtime import EvalError
from ..engine.trace import Counterexample, TraceStep
from ..engine.verdict import Verdict
from ..ir.model import PC_DONE, PC_EXITING, PC_FREED, PC_UNUSED, Model
from ..ir.values import flat_view
from .explain import Explanation, explain, explain_assertion
from .provenance import Invocation, provenance
from .render import render
from .state_graph import LIMIT, draw
from .text import step_lines

COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]


@dataclass
class Change:
    name: str
    old: str
    new: str


@dataclass
class Row:
    n: int
    thread: int | None
    action: str
    line: int | None                       # the step's line in the spec
    choices: list[str]
    failed: bool
    cells: dict[int, list[str]]            # thread id -> lifecycle events in this step
    thread_changes: dict[int, list[Change]]  # thread id -> its own variables that changed
    changes: list[Change]                  # shared variables that changed
    state: list[tuple[str, str, bool]]     # the full state: name, value, changed here


@dataclass
class TraceView:
    index: int
    ce: Counterexample
    colour: str
    threads: list[tuple[int, str]]          # (id, what it runs) for every column
    rows: list[Row]
    why: Explanation | None
    where: str                             # what the last row means for the property
    positions: list[str] = field(default_factory=list)  # deadlock: where each thread waits
    shared: int = 0                        # its first rows are those of trace `shared_with`
    shared_with: int | None = None


def write_html(ts: TransitionSystem, v: Verdict, path: Path,
               run: Invocation | None = None) -> None:
    """Write the report of one (spec, variant) run to `path`, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html(ts, v, run), encoding="utf-8")


def html(ts: TransitionSystem, v: Verdict, run: Invocation | None = None) -> str:
    m = ts.model
    traces = [_trace_view(ts, k, ce) for k, ce in enumerate(v.counterexamples)]
    _share_prefixes(traces)
    drawing = draw(ts, v.counterexamples) if v.stats.distinct_states <= LIMIT else None
    first_trace = {t.ce.prop: t for t in traces}
    return environment().get_template("report.html.j2").render(
        v=v, model=m, traces=traces, first_trace=first_trace, fired=_fired(m, v),
        drawing=drawing, limit=LIMIT, colours=COLOURS, provenance=provenance(v, run),
        positions={p.name: p.pos.line for p in m.properties},
        formulas={inv.name: render(inv.expr) for inv in m.invariants})


def environment() -> jinja2.Environment:
    """The templates of every mcheck page (they share `base.html.j2` and `macros.html.j2`)."""
    return jinja2.Environment(loader=jinja2.PackageLoader("modelcheck.report", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def _trace_view(ts: TransitionSystem, k: int, ce: Counterexample) -> TraceView:
    m = ts.model
    ids = sorted({t for st in ce.steps for t in range(m.pool) if _pc(m, st.state, t) != PC_UNUSED})
    threads = [(t, _runs(m, ce.steps, t)) for t in ids]
    lines = step_lines(m)
    rows: list[Row] = []
    prev_view: dict[str, str] | None = None
    prev_state: tuple | None = None
    for n, st in enumerate(ce.steps):
        view = flat_view(m, st.state)
        old = prev_view or {}
        changed = [Change(key, old.get(key, "-"), val) for key, val in view.items()
                   if prev_view is not None and old.get(key) != val]
        changed += [Change(key, old[key], "gone") for key in old if key not in view]
        mine: dict[int, list[Change]] = {t: [] for t in ids}
        shared = []
        for c in changed:
            owner = _thread_of(c.name)
            if owner is None:
                shared.append(c)
            elif c.name != f"thread {owner}":  # its status line is told as an event instead
                mine[owner].append(Change(c.name.partition(".")[2], c.old, c.new))
        names = {c.name for c in changed}
        rows.append(Row(n, st.thread, _action(st), lines.get(st.action), st.choices, st.failed,
                        {t: _events(m, prev_state, st.state, t) for t in ids}, mine, shared,
                        [(key, val, key in names) for key, val in view.items()]))
        prev_view, prev_state = view, st.state
    why, where = _why(m, ce)
    positions = []
    if ce.kind == "deadlock":
        last = flat_view(m, ce.steps[-1].state)
        positions = [f"{key}: {val}" for key, val in last.items()
                     if key.startswith("thread ") and "." not in key]
    return TraceView(k, ce, COLOURS[k % len(COLOURS)], threads, rows, why, where, positions)


def _share_prefixes(traces: list[TraceView]) -> None:
    """Show steps several traces begin with once: each trace after the first starts where
    it leaves the earlier trace it shares most steps with (at least the initial state and
    one step), and says so. The traces of one run often share tens of steps."""
    for t in traces[1:]:
        best, other = max((_common(t.ce.steps, o.ce.steps), -o.index) for o in traces[:t.index])
        if t.ce.loop is not None:  # a lasso's loop is shown whole
            best = min(best, t.ce.loop)
        if best >= 2:
            t.shared, t.shared_with = best, -other


def _common(a: list[TraceStep], b: list[TraceStep]) -> int:
    """How many steps two traces begin with alike (the last step of each is left out: it
    is where a trace fails, which its own rows must show)."""
    n = 0
    for x, y in zip(a[:-1], b[:-1]):
        if x != y:
            break
        n += 1
    return n


def _why(m: Model, ce: Counterexample) -> tuple[Explanation | None, str]:
    last = ce.steps[-1]
    if ce.kind == "invariant":
        inv = next(i for i in m.invariants if i.name == ce.prop)
        try:
            return explain(m, ce.prop, inv.expr, last.state), \
                f"{ce.prop} is false in the state after step {ce.length}"
        except EvalError as e:  # the violation message says the same
            return None, f"{ce.prop} cannot be evaluated after step {ce.length}: {e}"
    if ce.kind == "runtime" and not last.failed:  # an invariant that raised
        return None, f"after step {ce.length}: {ce.located.splitlines()[0]}"
    if ce.kind == "assertion" and last.failed and last.thread is not None:
        return explain_assertion(m, last.template or "", last.label, ce.prop, last.state,
                                 last.thread), \
            f"step {ce.length} fails the assertion {ce.prop}: {ce.message}"
    if ce.kind == "deadlock":
        return None, f"after step {ce.length} no thread can move: {ce.message}"
    if ce.loop is not None:
        return None, (f"steps {ce.loop + 1} to {ce.length} (highlighted) repeat for ever: "
                      f"{ce.message}")
    if ce.located:
        return None, f"step {ce.length}: {ce.located.splitlines()[0]}"
    return None, f"step {ce.length}: {ce.message}"


def _pc(m: Model, state: tuple, t: int) -> int:
    return state[m.thread_base + t * m.thread_stride]


def _thread_of(name: str) -> int | None:
    if not name.startswith("thread "):
        return None
    return int(name[len("thread "):].partition(".")[0])


def _runs(m: Model, steps: list[TraceStep], t: int) -> str:
    """The template a thread runs, from the first state where it is at a step."""
    for st in steps:
        pc = _pc(m, st.state, t)
        if pc > PC_EXITING:
            return m.steps_by_pc[pc][0].name
    return ""


def _action(st: TraceStep) -> str:
    if st.label == "stays":
        return "(the state repeats)"
    if st.thread is None:
        return "initialisation fails" if st.failed else "initial state"
    return st.action


def _events(m: Model, before: tuple | None, after: tuple, t: int) -> list[str]:
    """Lifecycle changes of thread t in one step: started, spawned, exiting, exited, freed."""
    new = _pc(m, after, t)
    old = PC_UNUSED if before is None else _pc(m, before, t)
    if old == new or (old >= PC_EXITING and new > PC_EXITING) or new == PC_UNUSED:
        return []
    if old == PC_UNUSED:
        parent = after[m.thread_base + t * m.thread_stride + 1]
        made = "started" if parent is None else f"created by thread {parent}"
        return [made if new != -1 else f"forked by thread {parent}"]
    if old == -1:  # a fork child is finished at the end of its parent's step
        return []
    return {PC_EXITING: ["runs its exit destructors"], PC_DONE: ["exited"],
            PC_FREED: ["exited, object freed" if old != PC_DONE else "object freed"]}[new]


def _fired(m: Model, v: Verdict) -> list[dict[str, Any]]:
    """One row per step of every template and handler: how many successors it produced."""
    counts = v.stats.fired
    entries = {h.steps[0].pc for h in m.handlers}
    rows = []
    for pc, (template, step) in sorted(m.steps_by_pc.items()):
        n = counts[pc] if pc < len(counts) else 0
        what = "exit destructors" if pc == PC_EXITING else f"{template.name}.{step.label}"
        rows.append({"step": what, "kind": "handler" if template.kind == "handler" else
                     ("destructors" if pc == PC_EXITING else "thread"), "line": step.pos.line,
                     "count": n, "entry": pc in entries,
                     "never": n == 0 and pc not in entries and bool(counts)})
    return rows
