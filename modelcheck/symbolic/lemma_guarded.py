"""Three-literal candidates: a two-literal clause about thread `a` that holds only while `a`
stands at one step (`a at thr.glibc_exit -> (L1 !in using@a || refcount@a == 2)`).

Every three-literal clause would be millions of candidates; most facts a proof needs
beyond two literals are of this shape, a relation between a thread's variables that its
step makes true, so the third literal is always a step of `a`. The clauses are mined like
the two-literal ones (`lemma_mining`), on the rows where `a` is at that step, and kept only
when no clause of one or two literals already says as much.
"""

from __future__ import annotations

import numpy as np

from ..ir import model as M
from .lemma_atoms import Atom

MAX_PER_STEP = 64   # a step with more guarded pairs than this gets none (noise, not facts)


def guarded(m: M.Model, found: list[Atom], table: np.ndarray, both: np.ndarray
            ) -> list[tuple[tuple[Atom, bool], ...]]:
    """(step literal, literal, literal) for each step of a thread template; `table` holds the
    distinct rows of atom values, `both[x, y]` the rows where literals x and y (x < n: atom
    x true; else atom x - n false) are both true, over every row."""
    n = len(found)
    own = [x for x, a in enumerate(found) if a.kind in ("t", "ga", "cmp") and a.var == 0
           and a.vars() == {0} and not (a.kind == "t" and a.slot == 0)]
    steps = [x for x, a in enumerate(found) if a.kind == "t" and a.var == 0 and a.slot == 0
             and a.value in m.steps_by_pc and m.steps_by_pc[a.value][0] in m.templates.values()]
    lits = own + [x + n for x in own]  # literal indices as in `both`
    out = []
    for p in steps:
        at = table[table[:, p]]
        if not len(at):
            continue
        truth = np.concatenate([at[:, own], ~at[:, own]], axis=1).astype(np.float32)
        together = truth.T @ truth
        never = np.diag(together) == 0  # a literal false at the step: a two-literal clause
        found_here = []
        for i, j in zip(*np.nonzero(together == 0)):
            x, y = lits[i], lits[j]
            if i < j and not never[i] and not never[j] and both[x, y] != 0 \
                    and (found[x % n].kind != "cmp" or found[y % n].kind != "cmp"):
                found_here.append(((found[p], False), _negated(found, x), _negated(found, y)))
        if len(found_here) <= MAX_PER_STEP:
            out += found_here
    return out


def _negated(found: list[Atom], x: int) -> tuple[Atom, bool]:
    """The clause literal that literal x never being true with the others makes true."""
    n = len(found)
    return (found[x], False) if x < n else (found[x - n], True)
