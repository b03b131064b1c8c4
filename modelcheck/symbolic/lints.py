"""Vacuity lints z3 decides: invariants true of every well-formed state, awaits never true.

The search's own lints (`engine.lints`) read stored states; these ask z3 about the
model alone, each query bounded by a resource limit that, when hit, claims nothing: a
count of z3's work, not a timeout, so that a loaded machine does not change what a run
reports.
"""

from __future__ import annotations

from typing import Any

import z3

from ..engine.lints import Lint
from ..ir import model as M
from ..lang.errors import Pos
from .keyboard import passes_interrupts

Z3_RLIMIT = 1_000_000  # z3's work units per query: 0.1 to 0.5 s, the same on any machine

@passes_interrupts
def z3_lints(m: M.Model, holding: set[str]) -> list[Lint]:
    """Invariants true of every well-formed state; awaits that no such state satisfies.

    Only invariants that hold are asked about (a violated one is not valid).
    Invariants are asked of the fixed-pool encoding (`encoding.py`), which covers
    every construct. Awaits are asked of the unbounded encoding, which knows where
    each await stands; for a spec it refuses, or keeps arrays and records in
    (`unbounded_compound.large_state`), that lint is not computed (and nothing is
    claimed).
    """

    from ..symbolic.encoder import Unsupported  # z3 loads only here
    from ..symbolic.encoding import encode
    from ..symbolic.instantiation import ground
    from ..symbolic.keyboard import check
    from ..symbolic.unbounded import encode_unbounded
    from ..symbolic.unbounded_compound import large_state

    def answer(*facts: Any) -> z3.CheckSatResult:
        solver = z3.Solver()
        solver.set("rlimit", Z3_RLIMIT)
        solver.add(*facts)
        return check(solver, timed=True)  # the rlimit ends a query as a timeout does

    def unsat(*facts: Any) -> bool:
        return answer(*facts) == z3.unsat

    def never(*facts: Any) -> bool:
        """Unsatisfiable, asked first of the ground instances of the thread quantifiers
        (`instantiation.py`: unsat there is unsat; quantifier-free, so a tenth of the
        work); only z3's unknown there goes on to the quantified query."""
        first = answer(*ground(list(facts)).facts)
        return first == z3.unsat or (first == z3.unknown and unsat(*facts))

    out = []
    try:
        enc = encode(m)
        s = enc.state("lint")
        typed = enc.typed(s)
        out += [Lint("valid-invariant", f"{inv.name} is true in every well-formed state (z3), "
                     "so it says nothing about what the protocol does", inv.pos)
                for inv in m.invariants if inv.name in holding
                and unsat(typed, z3.Not(enc.invariant(inv.name, s)))]
    except Unsupported:
        pass
    if large_state(m):
        return out
    try:
        unbounded = encode_unbounded(m, "", cut=False)
        u = unbounded.state("lint.")
        guards = unbounded.await_guards(u)
        typed = unbounded.typed(u)
    except Unsupported:
        return out
    ways: dict[Pos, list[z3.BoolRef]] = {}  # an await reached by several paths (an `if`
    for pos, cond in guards:                # before it) holds if it holds on one of them
        ways.setdefault(pos, []).append(cond)
    out += [Lint("await-never-holds", "this await can never hold where it stands "
                 "(z3: unsatisfiable in every well-formed state)", pos)
            for pos, conds in ways.items() if never(typed, z3.Or(conds))]
    return out
