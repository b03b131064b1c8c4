"""Bounded model checking: a symbolic search for the shortest violation up to K steps.

One incremental solver holds the unrolled path init(s0), trans(s0, s1), ...;
at each depth every property not yet violated is asked for separately (under
push/pop), so each gets its own shortest depth, as in the explicit search:
an invariant (or deadlock) is violated at depth d when s_d breaks it, an
assertion or a bound when a step from s_{d-1} fails it (a trace of d steps,
the last one failing), and initialisation failures have depth 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from .keyboard import check, passes_interrupts
from .proof_encodings import ProofEncoding

VIOLATED, CLEAR, UNKNOWN = "violated", "no violation", "unknown"
# a liveness property is a statement about infinite runs, which a bounded path cannot show
NOT_CHECKED = "not checked: bounded model checking covers safety properties only"
STOPPED = "stopped"  # the search's reason when Ctrl-C, a signal or the time limit ended it


@dataclass
class Found:
    prop: str
    kind: str
    status: str                 # violated, no violation (within the depth), unknown
    length: int | None = None   # steps of the shortest trace
    states: list[dict[str, Any]] | None = None
    steps: list[tuple[str, str]] | None = None
    concrete: list[tuple] | None = None   # the states as tuples, when the encoding has them

    def json(self) -> dict[str, Any]:
        return {"name": self.prop, "kind": self.kind, "status": self.status,
                "length": self.length,
                "counterexample": None if self.states is None else {
                    "length": self.length, "states": self.states,
                    "steps": [{"thread": t, "action": a} for t, a in self.steps or []]}}


def bmc(enc: ProofEncoding, k: int, timeout: float) -> tuple[list[Found], int, str | None]:
    """Per property what depths 0..k show; the depth fully searched; z3's reason if it gave up,
    or STOPPED when interrupted: the violations found and the depths searched before the
    interrupt are kept, since a shorter search's answers stay true."""
    searched = [-1]
    found: dict[str, Found] = {}
    try:
        why = _search(enc, k, timeout, found, searched)
    except KeyboardInterrupt:
        why = STOPPED
    return _report(enc.m, found), searched[0], why


@passes_interrupts
def _search(enc: ProofEncoding, k: int, timeout: float, found: dict[str, Found],
            searched: list[int]) -> str | None:
    """Deepen to k, recording in `searched` each depth done; z3's reason if it gave up."""
    m = enc.m
    kinds = {p.name: p.kind for p in m.properties}
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout * 1000)))
    states = [enc.state("b0.")]
    solver.add(enc.init(states[0]), enc.typed(states[0]))
    goals = {g.name: g for g in enc.goals([]) if g.kind != "assertion"}

    def ask(name: str, condition: z3.BoolRef, length: int, path: list[Any]) -> bool:
        """Whether z3 decided (sat or unsat) whether the condition can hold at this depth."""
        solver.push()
        solver.add(condition)
        result = check(solver, timed=True)
        if result == z3.sat:
            zm = solver.model()
            steps = [enc.step_taken(zm, a, b) for a, b in zip(path, path[1:])]
            if length == len(path) and path:  # a failing step ends the trace
                steps.append(enc.failing_step(zm, path[-1], name))
            found[name] = Found(name, kinds.get(name, "bounds"), VIOLATED, length,
                                [enc.readable(zm, s) for s in path], steps,
                                enc.tuples(zm, path))
        solver.pop()
        return result != z3.unknown

    for name, cond in enc.init_failures().items():
        if not ask(name, cond, 0, []):
            return solver.reason_unknown()
    for depth in range(k + 1):
        s = states[depth]
        asks = [(g.name, z3.Not(z3.And(g.holds(s), g.defined(s))), depth)
                for g in goals.values() if g.name not in found]
        deadlock = enc.deadlocked(s)
        if deadlock is not None and "deadlock" in kinds and "deadlock" not in found:
            asks.append(("deadlock", deadlock, depth))
        if depth < k:
            asks += [(name, cond, depth + 1) for name, cond in enc.failures(s).items()
                     if name in kinds and name not in found]
        for name, cond, length in asks:
            if not ask(name, cond, length, states[:depth + 1]):
                return solver.reason_unknown()
        searched[0] = depth
        if depth < k:
            states.append(enc.state(f"b{depth + 1}."))
            # typed: a step out of a declared range fails `bounds` and has no successor
            solver.add(enc.trans(s, states[depth + 1]), enc.typed(states[depth + 1]))
    return None


def _report(m: Any, found: dict[str, Found]) -> list[Found]:
    return [found.get(p.name, Found(p.name, p.kind,
                                    UNKNOWN if p.kind == "liveness" else CLEAR))
            for p in m.properties]
