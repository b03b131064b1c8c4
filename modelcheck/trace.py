"""Counterexample reconstruction: from a violating state back to readable steps.

The search stores only parent links. Here each link is replayed with the
labelled step functions to find which thread, step and choices produced it;
that costs one state expansion per trace step, and only when reporting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .codegen import BOUND, Failure
from .model import PC_EXITING
from .search import Outcome, Violation
from .system import TransitionSystem
from .typesys import Type
from .values import decode, show, state_dict


@dataclass
class TraceStep:
    thread: int | None      # None for the initial state
    template: str | None
    label: str              # step label, or "init"
    choices: list[str]
    state: tuple
    failed: bool = False    # the step that broke an assertion or a bound

    @property
    def action(self) -> str:
        return "init" if self.template is None else f"{self.template}.{self.label}"


@dataclass
class Counterexample:
    prop: str
    kind: str
    message: str
    steps: list[TraceStep]
    certified: bool = False  # z3 has checked it (certify.py)

    @property
    def length(self) -> int:
        return len(self.steps) - 1


def counterexample(ts: TransitionSystem, outcome: Outcome, v: Violation) -> Counterexample:
    kinds = {p.name: p.kind for p in ts.model.properties}
    store = outcome.store
    path = store.path(v.state) if v.state >= 0 else []
    steps: list[TraceStep] = []
    if path:
        first = store.state(path[0])
        steps.append(TraceStep(None, None, "init", _init_choices(ts, first), first))
    for a, b in zip(path, path[1:]):
        steps.append(_find_step(ts, store.state(a), store.state(b)))
    if v.final is not None:
        if v.thread is None:  # failure while building an initial state
            steps.append(TraceStep(None, None, "init", [], v.final, failed=True))
        else:
            pre = store.state(v.state)
            raw, final = _failure_replay(ts, pre, v)
            template, step = ts.model.steps_by_pc[_acting_pc(v.pc, raw)]  # type: ignore[arg-type]
            steps.append(TraceStep(v.thread, template.name, step.label, _describe(ts, raw),
                                   final, failed=True))
    return Counterexample(v.prop, kinds.get(v.prop, "bounds"), v.message, steps)


def _describe(ts: TransitionSystem, choices: tuple) -> list[str]:
    out = []
    for name, value, uid in choices:
        if name == "enter":
            out.append("signal")
        elif name == "destructor":
            out.append(f"destructor {value}")
        elif name == "either":
            label = uid[value - 1] if uid is not None else None
            out.append(label or f"branch {value}")
        else:
            t: Type | None = ts.bound_types.get(uid)
            shown = show(decode(t, [value])) if t is not None else repr(value)
            out.append(f"{name} = {shown}")
    return out


def _init_choices(ts: TransitionSystem, state: tuple) -> list[str]:
    for r, choices in ts.labelled_init():
        if r == state:
            return _describe(ts, choices)
    return []


def _find_step(ts: TransitionSystem, pre: tuple, post: tuple) -> TraceStep:
    for me, off in enumerate(ts.pc_offsets):
        pc = pre[off]
        if pc < PC_EXITING:
            continue
        for r, choices in ts.labelled_steps[pc](pre, me):
            if r is not BOUND and not isinstance(r, Failure) and r == post:
                template, step = ts.model.steps_by_pc[_acting_pc(pc, choices)]
                return TraceStep(me, template.name, step.label, _describe(ts, choices), post)
    raise AssertionError("stored transition cannot be replayed")  # engine invariant


def _acting_pc(pc: int, choices: tuple) -> int:
    """The step that ran: the thread's own, or the first step of a handler it entered."""
    return choices[0][1] if choices and choices[0][0] == "enter" else pc


def _failure_replay(ts: TransitionSystem, pre: tuple, v: Violation) -> tuple[tuple, tuple]:
    """Choices and state of the failing step; an evaluation error's state is where it stopped."""
    found: list[tuple[tuple, tuple]] = []
    for r, choices in ts.labelled_steps[v.pc](pre, v.thread):  # type: ignore[index]
        if isinstance(r, Failure) and r.prop == v.prop and r.message == v.message:
            if r.state == v.final:
                return choices, r.state
            found.append((choices, r.state))
    return found[0] if found else ((), v.final)  # type: ignore[return-value]


def json_steps(ts: TransitionSystem, ce: Counterexample) -> list[dict[str, Any]]:
    return [{"thread": st.thread, "action": st.action, "choices": st.choices,
             "failed": st.failed, "state": state_dict(ts.model, st.state)} for st in ce.steps]
