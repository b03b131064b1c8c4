"""Bounded model checking: a symbolic search for the shortest violation up to K steps.

One incremental solver holds the unrolled path init(s0), trans(s0, s1), ...;
at each depth every property not yet violated is asked for separately (under
push/pop), so each gets its own shortest depth, as in the explicit search. An
invariant is violated at depth d when s_d breaks it; an assertion when a step
from s_{d-1} fails it (a trace of d steps, the last one failing). Deadlock and
bounds are left to the explicit search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from . import model as M


@dataclass
class Found:
    prop: str
    depth: int          # steps in the shortest trace
    model: Any          # the z3 model of the path
    states: list[Any]   # s0 .. s_depth; for an assertion s0 .. s_{depth-1}, then the failing step


@dataclass
class BmcOutcome:
    found: dict[str, Found]
    depth: int                     # deepest depth fully checked
    gave_up: str | None = None     # z3's reason when it answered unknown


def bmc(enc: Any, model: M.Model, k: int, timeout_ms: int,
        props: list[str] | None = None) -> BmcOutcome:
    """Search depths 0..k; `enc` is an encoding with state/init/trans/invariant/failures."""
    invariants = [i for i in model.invariants if props is None or i.name in props]
    asserts = {p.name for p in model.properties if p.kind == "assertion"
               and (props is None or p.name in props)}
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    states = [enc.state("b0.")]
    solver.add(enc.init(states[0]))
    found: dict[str, Found] = {}
    for depth in range(k + 1):
        s = states[depth]
        goals: list[tuple[str, z3.BoolRef, int]] = []
        goals += [(inv.name, z3.Not(enc.invariant(inv, s)), depth)
                  for inv in invariants if inv.name not in found]
        if depth < k:  # a step from s_depth that fails: a trace of depth + 1 steps
            goals += [(name, cond, depth + 1) for name, cond in enc.failures(s).items()
                      if name in asserts and name not in found]
        for name, goal, length in goals:
            solver.push()
            solver.add(goal)
            result = solver.check()
            if result == z3.sat:
                found[name] = Found(name, length, solver.model(), states[:depth + 1])
            solver.pop()
            if result == z3.unknown:
                return BmcOutcome(found, depth - 1, solver.reason_unknown())
        if depth == k or (len(found) == len(invariants) + len(asserts)):
            return BmcOutcome(found, depth)
        states.append(enc.state(f"b{depth + 1}."))
        solver.add(enc.trans(s, states[depth + 1]))
    return BmcOutcome(found, k)
