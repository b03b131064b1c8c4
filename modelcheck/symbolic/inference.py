"""Invariant inference for `mcheck prove`: lemmas mined from the reachable states of the
spec's pool (`lemma_mining`), filtered by Houdini (`houdini`) together with the spec's
own properties, so that a property and the lemmas it needs are proved at once.

What survives Houdini is inductive as a whole, so every property among the survivors
is proved (1-inductive, assuming the survivors), and the survivors are sound lemmas for
proving the rest by k-induction. Only the lemmas some proof uses (unsat cores) are
printed, in spec syntax (`a at w.cs` for a pc); a lemma that reads a local's raw slot
(`a.x` is an evaluation error while a runs another template, so it is not the same
formula) or the destructor pc is printed as a comment.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import z3

from ..ir import model as M
from ..lang.errors import Pos
from .houdini import Candidate, Houdini
from .lemma_atoms import VARS, Naming
from .lemma_mining import Clause, mine
from .pool_folds import and_, not_, or_, term
from .proof_encodings import Goal


@dataclass
class Inferred:
    """What inference found for one variant."""

    proved: set[str] = field(default_factory=set)     # properties Houdini kept
    lemmas: list[Goal] = field(default_factory=list)  # every surviving mined clause
    shown: list[str] = field(default_factory=list)    # the ones the proofs use, as text
    printable: list[str] = field(default_factory=list)  # every survivor the language says
    mined: int = 0
    states: int = 0                                    # the states mined from
    rounds: int = 0
    note: str = ""                                     # why nothing was inferred


def clause_formula(naming: Naming, clause: Clause, s: Any) -> z3.BoolRef:
    """The clause for every assignment of distinct pool ids to its variables."""
    n = clause.vars()
    return term(and_(*(or_(*(naming.z3(a, s, ids) if pos else not_(naming.z3(a, s, ids))
                              for a, pos in clause.literals))
                       for ids in itertools.permutations(range(naming.m.pool), n))))


def clause_text(naming: Naming, clause: Clause, name: str) -> str:
    """A `lemma` declaration; commented out when the language cannot say a literal."""
    lits = clause.literals
    said = [naming.text(a, pos) for a, pos in lits]
    body = " || ".join(text for text, _ in said)
    negative = [k for k, (_, pos) in enumerate(lits) if not pos]
    if len(said) > 1 and negative:  # `!p || q || r` reads better as `p -> q || r`
        # a pc premise first: the other literals may read that template's locals
        guards = [k for k in negative if naming.guard(*lits[k]) is not None]
        k = (guards or negative)[0]
        atom = lits[k][0]
        within = naming.guard(*lits[k])
        for j, (other, pos) in enumerate(lits):
            if j != k and other.vars() == {atom.var}:  # only the thread the premise names
                said[j] = naming.text(other, pos, within)
        rest = " || ".join(text for j, (text, _) in enumerate(said) if j != k)
        body = f"{naming.text(atom, True)[0]} -> {rest if len(said) == 2 else f'({rest})'}"
    n = clause.vars()
    if n == 2:
        body = f"{VARS[0]} != {VARS[1]} -> ({body})" if len(said) > 1 else \
            f"{VARS[0]} != {VARS[1]} -> {body}"
    for v in reversed(VARS[:n]):
        body = f"forall {v} in tid : {body}"
    scope = f" for {naming.m.variant}" if len(naming.m.variants) > 1 else ""
    text = f"lemma {name}{scope}: {body};"
    return text if all(ok for _, ok in said) else \
        f"// {text}  (a local's slot or a destructor's pc, which lemmas cannot name)"


MINE_STATES = 20_000  # the shallowest states mined from (stop_world's 257,547 took minutes)


def infer(m: M.Model, enc: Any, states: list[tuple], goals: list[Goal]) -> Inferred:
    """Mine candidates from `states` (the first `MINE_STATES` in breadth-first order: a
    candidate only they satisfy is dropped by Houdini like any other non-invariant), keep
    the inductive ones with the goals among them."""
    naming = Naming(m)
    states = states[:MINE_STATES]
    clauses = mine(m, states)
    cands = [Candidate(f"inferred.{k}", lambda s, c=c: clause_formula(naming, c, s))
             for k, c in enumerate(clauses)]
    cands += [Candidate(g.name, g.holds) for g in goals]
    h = Houdini(enc, cands)
    alive = h.run()
    out = Inferred(mined=len(clauses), states=len(states), rounds=h.rounds)
    if alive is None:
        out.note = f"Houdini gave up after {h.rounds} rounds (z3's resource limit or the " \
            "round limit)"
        return out
    first_goal = len(clauses)
    out.proved = {cands[k].name for k in alive if k >= first_goal}
    kept = [k for k in alive if k < first_goal]
    out.lemmas = [Goal(f"inferred lemma {n}", "inferred", Pos(0, 0), cands[k].holds,
                       lambda s: z3.BoolVal(True), lambda zm, s: [])
                  for n, k in enumerate(kept, 1)]
    used = h.needed(alive, [k for k in alive if k >= first_goal])
    out.shown = [clause_text(naming, clauses[k], f"INFERRED-{n}")
                 for n, k in enumerate((k for k in used if k < first_goal), 1)]
    out.printable = [t for t in (clause_text(naming, clauses[k], f"INFERRED-{n}")
                                 for n, k in enumerate(kept, 1)) if not t.startswith("//")]
    return out
