"""Which inferred lemmas a proof for every number of threads needs, read from z3's cores.

Inference keeps the lemmas a fixed-pool proof uses (`Houdini.needed`), but a proof over
concrete ids can lean on facts that name them (thread 0 is the loader), and the unbounded
encoding then needs other lemmas of the same survivors. Proving every survivor there is
too slow (SaBRe sb6: 571 lemmas, one query each, minutes), and Houdini over all of them
at once makes z3 give up. Asking, for one goal at a time, whether a step from a state
satisfying every survivor can break it is quick (the lemmas as selector literals: the
unsat core names the ones the step uses); the lemmas named are then asked for in turn,
until no new lemma is needed. Only the selection is read from these queries: the proof
itself is `prove_all`'s, so a wrong core could cost a proof, never make one.
"""

from __future__ import annotations

import itertools
import time

import z3

from .instantiation import Grounder, ground_terms
from .keyboard import INTERRUPTED
from .proof_encodings import ProofEncoding


def needed_lemmas(enc: ProofEncoding, goals: list[str], timeout: float) -> set[str] | None:
    """The names of the INFERRED lemmas the step cases of `goals` (and of those lemmas)
    use; None when some query is not unsat (the lemmas do not suffice, or z3 gave up) or
    the whole selection takes longer than `timeout` (one query's limit: a second try must
    not cost more than the first proof's slowest query)."""
    deadline = time.monotonic() + timeout
    by_name = {g.name: g for g in enc.goals([])}
    lemmas = [n for n in by_name if n.startswith("INFERRED-")]
    s, t = enc.state("needed0."), enc.state("needed1.")
    # ground instances (`instantiation`): every goal's broken witness has the same names, so
    # the lemmas are instantiated once, at the ids of the step and of any one goal
    g = Grounder()
    base = [g.skolemise(f) for f in (enc.typed(s), enc.trans(s, t), enc.typed(t))]
    broken = {n: g.skolemise(z3.And(goal.holds(s), goal.defined(s),
                                    z3.Not(z3.And(goal.holds(t), goal.defined(t)))),
                             names=(f"needed.witness{k}" for k in itertools.count()))
              for n, goal in by_name.items()}
    g.terms = ground_terms(base + list(broken.values()))
    solver = z3.Solver()
    solver.set("core.minimize", True)
    solver.add(*[g.instantiate(f) for f in base])
    sel = {f"needed.sel.{n}": n for n in lemmas}
    literals = [z3.Bool(f"needed.sel.{n}") for n in lemmas]
    solver.add(*[z3.Implies(b, g.instantiate(by_name[n].holds(s)))
                 for b, n in zip(literals, lemmas)])
    seen: set[str] = set()
    todo = [name for name in goals if name in by_name]
    while todo:
        if time.monotonic() > deadline:
            return None
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        solver.push()
        solver.add(g.instantiate(broken[name]))
        solver.set("timeout", max(1, int((deadline - time.monotonic()) * 1000)))
        result = solver.check(*literals)
        if result == z3.unknown and solver.reason_unknown() == INTERRUPTED:
            raise KeyboardInterrupt
        core = [sel[str(c)] for c in solver.unsat_core()] if result == z3.unsat else None
        solver.pop()
        if core is None:
            return None
        todo += [n for n in core if n not in seen]
    return {n for n in seen if n.startswith("INFERRED-")}
