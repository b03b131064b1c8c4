"""Counterexample reconstruction: from a violating state back to readable steps.

The search stores only parent links. Here each link is replayed with the
labelled step functions to find which thread, step and choices produced it;
that costs one state expansion per trace step, and only when reporting.

Under symmetry reduction the stored states are canonical forms, which need not
be states of any one execution. The replay therefore runs the real system: from
the real predecessor it takes the successor whose canonical form is the stored
state, and goes on from that real successor, so a printed trace is always an
execution of the unreduced system.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..backends.base import TransitionSystem
from ..backends.runtime import Failure
from ..ir.model import PC_EXITING
from ..ir.typesys import Type
from ..ir.values import decode, spell, state_dict
from ..lang.errors import NOWHERE, Pos
from .outcome import RUNTIME, Outcome, Violation
from .store import NO_PARENT


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
        """`template.label`; "init", or "stays" for a state that repeats (a lasso's loop)."""
        return self.label if self.template is None else f"{self.template}.{self.label}"


@dataclass
class Counterexample:
    prop: str
    kind: str
    message: str
    steps: list[TraceStep]
    certified: bool = False  # z3 has checked it (certify.py)
    loop: int | None = None  # a lasso: the last state is the state of step `loop` again
    pos: Pos = NOWHERE       # a runtime violation: the expression that could not be evaluated
    located: str = ""        # ...and `file:line:col: message` with the line and a caret

    @property
    def length(self) -> int:
        return len(self.steps) - 1


def counterexample(ts: TransitionSystem, outcome: Outcome, v: Violation) -> Counterexample:
    kinds = {p.name: p.kind for p in ts.model.properties}
    path = outcome.store.states_on_path(v.state, ts) if v.state != NO_PARENT else []
    steps: list[TraceStep] = []
    pos = v.pos
    if v.retires is not None and not pos.line:
        pos = next(i.pos for i in ts.model.invariants if i.name == v.retires)
    if path:
        steps.append(_initial(ts, path[0]))
    for b in path[1:]:
        steps.append(_find_step(ts, steps[-1].state, b))
    if v.final is not None:
        if v.thread is None:  # failure while building an initial state
            steps.append(TraceStep(None, None, "init", [], v.final, failed=True))
        else:
            me, pc, raw, final = _failure_replay(ts, steps[-1].state, v)
            template, step = ts.model.steps_by_pc[_acting_pc(pc, raw)]
            steps.append(TraceStep(me, template.name, step.label, _describe(ts, raw),
                                   final, failed=True))
            pos = pos if pos.line or v.prop != RUNTIME else step.pos
    return Counterexample(v.prop, kinds.get(v.prop, "bounds"), v.message, steps, pos=pos)


def lasso(ts: TransitionSystem, prop: str, message: str, states: list[tuple],
          movers: list[int], loop: int) -> Counterexample:
    """A liveness counterexample: each step replayed by the thread that moved on the
    graph (`engine.graph`; REPEAT: the state stays), so a loop shows the moves that make
    it fair, not another thread's step to the same state."""
    steps = [_initial(ts, states[0])]
    for post, me in zip(states[1:], movers):
        steps.append(_find_step(ts, steps[-1].state, post, me) if me >= 0 else
                     TraceStep(None, None, "stays", [], steps[-1].state))
    return Counterexample(prop, "liveness", message, steps, loop=loop)


def _describe(ts: TransitionSystem, choices: tuple) -> list[str]:
    out = []
    for name, value, uid in choices:
        if name == "enter":
            out.append("signal")
        elif name == "destructor":
            out.append(f"destructor {value}")
        elif name == "either":
            label = uid[value - 1] if uid is not None else None
            if label != "":  # a branch named "" is the step itself (see check.memory_tso)
                out.append(label or f"branch {value}")
        else:
            t: Type | None = ts.bound_types.get(uid)
            shown = spell(t, decode(t, [value])) if t is not None else repr(value)
            out.append(f"{name} = {shown}")
    return out


def stored_form(ts: TransitionSystem, state: tuple) -> tuple:
    """The form in which a search stores `state` (its canonical form under symmetry)."""
    return state if ts.canon is None else ts.canon(state)


def _initial(ts: TransitionSystem, first: tuple) -> TraceStep:
    """`first` is the stored state (the exact store) or a real state with the stored form
    (a fingerprint store's replay); either way only its stored form matters."""
    stored = stored_form(ts, first)
    for r, choices in ts.labelled_init():
        if type(r) is tuple and stored_form(ts, r) == stored:
            return TraceStep(None, None, "init", _describe(ts, choices), r)
    raise AssertionError("stored initial state cannot be rebuilt")  # engine invariant


def _find_step(ts: TransitionSystem, pre: tuple, post: tuple, only: int = -1) -> TraceStep:
    """The step from the real state `pre` to a real state stored as `post` is (by thread
    `only` if given)."""
    post = stored_form(ts, post)
    for me, off in enumerate(ts.pc_offsets):
        pc = pre[off]
        if pc < PC_EXITING or only not in (-1, me):
            continue
        outs = list(ts.labelled_step(pre, me))
        if ts.model.symmetric and any(isinstance(r, Failure) for r, _ in outs):
            continue  # the search took no successor from a failing step (system._all_or_nothing)
        for r, choices in outs:
            if type(r) is tuple and stored_form(ts, r) == post:
                template, step = ts.model.steps_by_pc[_acting_pc(pc, choices)]
                return TraceStep(me, template.name, step.label, _describe(ts, choices), r)
    raise AssertionError("stored transition cannot be replayed")  # engine invariant


def _acting_pc(pc: int, choices: tuple) -> int:
    """The step that ran: the thread's own, or the first step of a handler it entered."""
    return choices[0][1] if choices and choices[0][0] == "enter" else pc


def _failure_replay(ts: TransitionSystem, pre: tuple,
                    v: Violation) -> tuple[int, int, tuple, tuple]:
    """Thread, pc, choices and state of the failing step from the real state `pre`.

    An evaluation error's state is where it stopped. Under symmetry `pre` is a
    renaming of the stored state the search failed from, so the failing thread
    may have another id here: every thread is tried, and the failure whose state
    is a renaming of the one the search saw is preferred.
    """
    threads = [(v.thread, v.pc)] if ts.canon is None else \
        [(me, pre[off]) for me, off in enumerate(ts.pc_offsets) if pre[off] >= PC_EXITING]
    found: list[tuple[int, int, tuple, tuple]] = []
    for me, pc in threads:
        for r, choices in ts.labelled_step(pre, me):
            if isinstance(r, Failure) and r.prop == v.prop and r.message == v.message:
                if r.state == v.final or (ts.canon is not None and _same_class(ts, r.state, v)):
                    return me, pc, choices, r.state  # type: ignore[return-value]
                found.append((me, pc, choices, r.state))  # type: ignore[arg-type]
    return found[0] if found else (v.thread, v.pc, (), v.final)  # type: ignore[return-value]


def _same_class(ts: TransitionSystem, state: tuple, v: Violation) -> bool:
    """Whether two failure states are renamings of each other (False if one is malformed)."""
    try:
        return stored_form(ts, state) == stored_form(ts, v.final)  # type: ignore[arg-type]
    except (IndexError, TypeError):  # a step stopped half-way: ids may be out of place
        return False


def json_steps(ts: TransitionSystem, ce: Counterexample) -> list[dict[str, Any]]:
    return [{"thread": st.thread, "action": st.action, "choices": st.choices,
             "failed": st.failed, "state": state_dict(ts.model, st.state)} for st in ce.steps]
