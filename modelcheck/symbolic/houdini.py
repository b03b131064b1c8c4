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
MASK_BITS = 1024     # candidates read from a model per bit-vector
MAX_ROUNDS = 120      # a candidate set still shrinking after this many rounds is given up


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
        n = len(candidates)
        self.sel = [z3.Bool(f"houdini.sel.{k}") for k in range(n)]
        # a model says which candidates it breaks through these literals, read a few at once
        # as bit-vectors: z3's Python API costs more per call than the solver per round
        # (and Python refuses to read a decimal of more than 4,300 digits: chunks of 1,024)
        self.broken = [z3.Bool(f"houdini.broken.{k}") for k in range(n)]
        bits = [z3.If(b, z3.BitVecVal(1, 1), z3.BitVecVal(0, 1)) for b in self.broken]
        chunks = [bits[lo:lo + MASK_BITS] for lo in range(0, n, MASK_BITS)]
        self.masks = [z3.Concat(*reversed(c)) if len(c) > 1 else c[0] for c in chunks]
        self.solver = z3.Solver()
        self.solver.set("rlimit", RLIMIT)
        self.solver.set("core.minimize", True)
        self.solver.add(enc.typed(self.s), enc.trans(self.s, self.t))
        self.solver.add(*[z3.Implies(a, f) for a, f in zip(self.sel, self.pre)])
        self.solver.add(*[b == z3.Not(f) for b, f in zip(self.broken, self.post)])
        self.rounds = 0

    def run(self) -> list[int] | None:
        """Indices of the surviving candidates, or None when z3 gave up or the candidates
        kept falling one by one for `MAX_ROUNDS` rounds (stop_world's 2,000 candidates took
        over 600 rounds and two minutes to prove nothing; where the shipped specs prove, Houdini
        needs at most about 80)."""
        alive = self._initially()
        if alive is None:
            return None
        while alive:
            if self.rounds == MAX_ROUNDS:
                return None
            self.rounds += 1
            goal = z3.Bool(f"houdini.round.{self.rounds}")
            self.solver.add(z3.Implies(goal, _any([self.broken[k] for k in alive])))
            result = _check(self.solver, [goal] + [self.sel[k] for k in alive])
            if result == z3.unsat:
                return alive
            if result != z3.sat:
                return None
            zm = self.solver.model()
            mask = sum(zm.eval(m, model_completion=True).as_long() << (MASK_BITS * c)
                       for c, m in enumerate(self.masks))
            alive = [k for k in alive if not mask >> k & 1]
        return alive

    def _initially(self) -> list[int] | None:
        solver = z3.Solver()
        solver.set("rlimit", RLIMIT)
        solver.add(self.enc.init(self.s))
        alive = list(range(len(self.cands)))
        while alive:
            result = solver.check(_any([z3.Not(self.pre[k]) for k in alive]))
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
        unsat cores: smaller than the survivors, still inductive together). One query per
        layer of the closure, not per lemma: each core costs a minimisation (0.3 s on
        SaBRe's 4,000 survivors), and a layer's lemmas share most of what they use."""
        keep, layer = set(goals), list(goals)
        sel = [self.sel[k] for k in alive]
        index = {str(x): k for x, k in zip(sel, alive)}
        while layer:
            query = z3.Bool(f"houdini.need.{min(layer)}.{len(keep)}")
            self.solver.add(z3.Implies(query, _any([self.broken[k] for k in layer])))
            if _check(self.solver, [query, *sel]) != z3.unsat:
                return alive  # z3 gave up on the smaller set: keep every survivor
            used = {index[str(x)] for x in self.solver.unsat_core() if str(x) in index}
            layer = sorted(used - keep)
            keep |= used
        return sorted(keep)


def _check(solver: z3.Solver, assumptions: list[z3.BoolRef]) -> z3.CheckSatResult:
    """solver.check(*assumptions) without coercing each assumption again every round."""
    args = (z3.Ast * len(assumptions))(*[a.as_ast() for a in assumptions])
    return z3.CheckSatResult(z3.Z3_solver_check_assumptions(
        solver.ctx.ref(), solver.solver, len(assumptions), args))


def _any(terms: list[z3.BoolRef]) -> z3.BoolRef:
    """z3.Or without its per-argument coercion, which dominated Houdini's rounds."""
    ctx = terms[0].ctx
    args = (z3.Ast * len(terms))(*[t.as_ast() for t in terms])
    return z3.BoolRef(z3.Z3_mk_or(ctx.ref(), len(terms), args), ctx)
