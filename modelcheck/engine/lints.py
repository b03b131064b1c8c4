"""Vacuity lints: signs that a "holds" may hold for the wrong reason.

Computed after the search from the stored states, so the search loop pays
nothing: steps (and `either` branches) that never fired, `await` conditions
that never held where they were reached, or that z3 shows can never hold,
invariants z3 proves true of every well-formed state (true without any
reachability), and properties that hold while none of the variables they read
ever changed. Each costs at most one pass over the stored states; re-running
step functions stops at the first firing, and stops for good after a budget of
calls, saying that it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..backends.base import TransitionSystem
from ..backends.runtime import BOUND, Failure
from ..ir import model as M
from ..ir.control import AtStep, LocalOf
from ..ir.walk import model_bodies, statements
from ..lang.errors import Pos
from .outcome import Outcome, outside_constraint
from .store import StoredStates

REPLAY_BUDGET = 200_000   # step-function calls spent looking for steps that fire
ENTRY_BUDGET = 20_000     # replays after which a handler not seen entered is left undecided


@dataclass(frozen=True)
class Lint:
    kind: str       # never-fired, await-never-holds, valid-invariant, unchanged-variables,
                    # not-computed
    message: str
    pos: Pos | None = None

    def json(self, path: str) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message,
                "at": f"{path}:{self.pos.line}:{self.pos.col}" if self.pos and self.pos.line
                else None}


def lints(ts: TransitionSystem, outcome: Outcome, holding: set[str]) -> list[Lint]:
    """The lints read off the search for one variant; `holding` names the properties that
    hold. (z3's lints are `symbolic.lints`.)"""
    store = outcome.store
    if not isinstance(store, StoredStates):
        return [Lint("not-computed", "steps that never fired and properties over unchanged "
                     "variables are looked for in the stored states; a fingerprint store "
                     "keeps none (use --store exact)")]
    # a complete search expanded every stored state, so its successor counts are exact
    fired = outcome.stats.fired if outcome.complete else None
    return _never_fired(ts, store, fired) + _unchanged(ts.model, store, holding)


# ------------------------------------------------------------- never fired
def _branches(step: M.Step) -> list[tuple[str, tuple[M.Stmt, ...]]]:
    """The branches of the step's top-level `either`, named as traces name them."""
    eithers = [s for s in step.body if isinstance(s, M.Either)]
    if len(eithers) != 1:
        return []
    e = eithers[0]
    return [(name or f"branch {k}", block) for k, (name, block)
            in enumerate(zip(e.names, e.blocks), 1)]


def _never_fired(ts: TransitionSystem, states: StoredStates,
                 fired: list[int] | None) -> list[Lint]:
    """Steps and branches no stored state fired. The search's successor counts (`fired`,
    when exact) decide a step with none (it never fired) and, without signal handlers
    (whose entries count at the interrupted step), a step with some and no branches;
    the rest are replayed on the stored states where they wait (inside the constraint,
    if any: the search expanded no other). A handler's first step
    runs as part of its entry, so no thread ever waits there: it fired if some replayed
    step was interrupted by that entry."""
    m = ts.model
    steps = {pc: (t, s) for pc, (t, s) in m.steps_by_pc.items() if pc >= M.FIRST_PC}
    wanted: dict[int, set[int | None]] = {}
    for pc, (_, step) in steps.items():
        wanted[pc] = {None} | {k for k in range(1, len(_branches(step)) + 1)}
        if fired is not None and fired[pc] and not m.handlers and len(wanted[pc]) == 1:
            wanted[pc].clear()
    offsets = ts.pc_offsets
    counts = states.pc_counts(offsets, len(ts.pc_counters()))
    reached = {pc: counts[pc] for pc in steps}
    firsts = {h.steps[0].pc for h in m.handlers if h.steps}
    entered: set[int] = set()  # first steps of handlers seen running through their entry
    budget = REPLAY_BUDGET
    unsure: set[int] = set()   # handlers' first steps given up on
    live = {pc for pc, w in wanted.items()  # pcs still to be seen firing
            if w and reached[pc] and (fired is None or fired[pc])}
    if firsts:  # an entry may interrupt any step
        live |= {pc for pc in steps if reached[pc]}
    for state in states.scan(offsets, live):
        if budget <= 0 or not live:
            break
        if outside_constraint(ts.within, state, lambda _: None):
            continue  # the search did not expand it, so nothing fired there
        for me, off in enumerate(offsets):
            pc = state[off]
            if pc not in live:
                continue
            budget -= 1
            for r, choices in ts.labelled_step(state, me):
                if r is BOUND or isinstance(r, Failure):
                    continue
                ran = choices[0][1] if choices and choices[0][0] == "enter" else pc
                if ran != pc:
                    entered.add(ran)
                wanted[ran].discard(None)
                wanted[ran].discard(next((c[1] for c in choices if c[0] == "either"), None))
            if firsts <= entered or REPLAY_BUDGET - budget >= ENTRY_BUDGET:
                unsure = firsts - entered  # handlers not seen entered: stop watching
                live -= {p for p in live if not wanted[p]}  # in place: `scan` reads it
    out = []
    if budget <= 0:
        unsure |= firsts - entered
    unreached = {pc for pc in steps if not reached[pc]} - entered - unsure
    if unreached:
        out.append(Lint("never-fired", "no thread ever reached, so these steps never fired: "
                        + ", ".join(_names(steps, unreached))))
    if unsure:
        out.append(Lint("never-fired", "not decided (no entry seen in "
                        f"{ENTRY_BUDGET:,} step replays) for the signal handler steps: "
                        + ", ".join(_names(steps, unsure))))
    if budget <= 0:
        return out + [Lint("never-fired", "not decided (the lint budget of "
                           f"{REPLAY_BUDGET:,} step replays ran out) for: "
                           + ", ".join(_names(steps, {pc for pc in steps
                                                      if wanted[pc] and reached[pc]})))]
    inside = " (states outside the constraint are not expanded)" if ts.within else ""
    for pc, missing in wanted.items():
        template, step = steps[pc]
        name = f"{template.name}.{step.label}"
        if not missing or not reached[pc]:
            continue
        if None in missing:
            blocks = [(f"step {name}", step.body)]
        else:
            branches = _branches(step)
            blocks = [(f"{name} [{branches[k - 1][0]}]", branches[k - 1][1])
                      for k in sorted(missing)]  # type: ignore[type-var]
        for label, block in blocks:
            out.append(Lint("never-fired", f"{label} never fired in the {reached[pc]:,} "
                            f"reached states with a thread at {name}{inside}", step.pos))
            out += [Lint("await-never-holds", f"await in {label} never held in a reached "
                         f"state with a thread at that step{inside}", aw.pos)
                    for aw in statements(block) if isinstance(aw, M.Await)]
    return out


def _names(steps: dict[int, tuple[M.Template, M.Step]], pcs: set[int]) -> list[str]:
    return [f"{t.name}.{st.label}" for pc, (t, st) in steps.items() if pc in pcs]


# ------------------------------------------------------------- unchanged
def _slots(e: Any, m: M.Model, seen: set[str]) -> tuple[set[int], set[int]]:
    """(global slots, per-thread block slots) that an expression reads."""
    glob: set[int] = set()
    thread: set[int] = set()

    def walk(x: Any) -> None:
        if isinstance(x, M.GlobalPlace):
            glob.update(range(x.offset, x.offset + _width(m, x.name)))
            return
        if isinstance(x, (M.LocalPlace, M.TlsPlace, LocalOf)):
            thread.add(x.slot)
        if isinstance(x, (AtStep, LocalOf)):
            thread.add(0)  # the pc
        if isinstance(x, M.Builtin):
            thread.update((0, 1))  # pc (status) and parent slots
            if x.name == "free_threads":
                thread.add(0)
        if isinstance(x, M.DefCall) and x.name not in seen:
            seen.add(x.name)
            walk(m.defs[x.name].body)
        for v in vars(x).values() if hasattr(x, "__dict__") else ():
            if isinstance(v, M.TExpr):
                walk(v)
            elif isinstance(v, tuple):
                for item in v:
                    if isinstance(item, (M.TExpr, M.Stmt)):
                        walk(item)
            elif isinstance(v, M.Domain) and v.set_expr is not None:
                walk(v.set_expr)

    walk(e)
    return glob, thread


def _width(m: M.Model, name: str) -> int:
    return next(v.type.width() for v in m.vars if v.name == name)


def _unchanged(m: M.Model, states: StoredStates, holding: set[str]) -> list[Lint]:
    if len(states) < 2:
        return []

    reads: dict[str, list[Any]] = {}
    for inv in m.invariants:
        reads.setdefault(inv.name, []).append(inv.expr)
    for body in model_bodies(m):
        for a in statements(body):
            if isinstance(a, M.Assert):
                reads.setdefault(a.prop, []).append(a.cond)
    out = []
    for p in m.properties:
        if p.name not in holding or p.name not in reads:
            continue
        glob: set[int] = set()
        thread: set[int] = set()
        for e in reads[p.name]:
            g, t = _slots(e, m, set())
            glob |= g
            thread |= t
        slots = glob | {m.thread_base + k * m.thread_stride + s
                        for k in range(m.pool) for s in thread}
        if slots and not any(states.changed(s) for s in sorted(slots)):
            out.append(Lint("unchanged-variables", f"{p.name} holds, but nothing it reads ever "
                            f"changed in the {len(states):,} reached states", p.pos))
    return out
