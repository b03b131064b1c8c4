"""Houdini: the largest subset of candidate lemmas (and properties) that is inductive.

Every candidate is assumed in a state s, and z3 is asked for a step to t that breaks one
of them; each candidate false in t is dropped, and the query is asked again, until no
step breaks any (the rest is inductive, together with the structural invariants that
`Bounded.typed` assumes and `Prover.wellformed` checks) or z3 gives up (then nothing is
kept: unknown is never a proof). Candidates false in some initial state go first, so the
survivors are invariants however they were mined. One incremental solver serves every
round: a candidate is assumed through a selector literal, so dropping it drops the
assumption without rebuilding the transition relation.

`needed` then reads unsat cores to keep only the candidates a property's proof uses,
and those that these use in turn: the lemmas printed are the ones that matter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import z3

RLIMIT = 400_000_000  # z3's work units for one Houdini query (tens of seconds at most)


@dataclass
class Candidate:
    """A lemma or property as a formula over a state."""

    name: str
    holds: Callable[[Any], z3.BoolRef]


class Houdini:
    def __init__(self, enc: Any, candidates: list[Candidate]):
        self.enc = enc
        self.cands = candidates
        self.s, self.t = enc.state("h0."), enc.state("h1.")
        self.pre = [c.holds(self.s) for c in candidates]
        self.post = [c.holds(self.t) for c in candidates]
        self.sel = [z3.Bool(f"houdini.sel.{k}") for k in range(len(candidates))]
        self.solver = z3.Solver()
        self.solver.set("rlimit", RLIMIT)
        self.solver.set("core.minimize", True)
        self.solver.add(enc.typed(self.s), enc.trans(self.s, self.t))
        self.solver.add(*[z3.Implies(a, f) for a, f in zip(self.sel, self.pre)])
        self.rounds = 0

    def run(self) -> list[int] | None:
        """Indices of the surviving candidates, or None when z3 gave up."""
        alive = self._initially()
        if alive is None:
            return None
        while alive:
            self.rounds += 1
            goal = z3.Bool(f"houdini.round.{self.rounds}")
            self.solver.add(z3.Implies(goal, z3.Or([z3.Not(self.post[k]) for k in alive])))
            result = self.solver.check(goal, *[self.sel[k] for k in alive])
            if result == z3.unsat:
                return alive
            if result != z3.sat:
                return None
            zm = self.solver.model()
            alive = [k for k in alive
                     if not z3.is_false(zm.eval(self.post[k], model_completion=True))]
        return alive

    def _initially(self) -> list[int] | None:
        solver = z3.Solver()
        solver.set("rlimit", RLIMIT)
        solver.add(self.enc.init(self.s))
        alive = list(range(len(self.cands)))
        while alive:
            result = solver.check(z3.Or([z3.Not(self.pre[k]) for k in alive]))
            if result == z3.unsat:
                return alive
            if result != z3.sat:
                return None
            zm = solver.model()
            alive = [k for k in alive
                     if not z3.is_false(zm.eval(self.pre[k], model_completion=True))]
        return alive

    def needed(self, alive: list[int], goals: list[int]) -> list[int]:
        """The survivors the goals' consecution uses, closed under what those use (read from
        unsat cores: smaller than the survivors, still inductive together)."""
        keep, work = set(goals), list(goals)
        sel = [self.sel[k] for k in alive]
        index = {str(x): k for x, k in zip(sel, alive)}
        while work:
            k = work.pop()
            query = z3.Bool(f"houdini.need.{k}")
            self.solver.add(z3.Implies(query, z3.Not(self.post[k])))
            if self.solver.check(query, *sel) != z3.unsat:
                return alive  # z3 gave up on the smaller set: keep every survivor
            used = {index[str(x)] for x in self.solver.unsat_core() if str(x) in index}
            work += sorted(used - keep)
            keep |= used
        return sorted(keep)
