"""Why a query of the unbounded encoding is outside EPR, where z3 may not terminate.

Over an uninterpreted sort of thread ids, z3 decides a query for sure only in
the effectively propositional fragment. `mcheck prove --unbounded` reports,
for each query it asks, whether it leaves the fragment and how, so that an
`unknown` answer (or a slow one) comes with a reason a spec author can act on.
"""

from __future__ import annotations

import z3

from .unbounded_state import tid_sort


def leaves_epr(assumed: z3.BoolRef) -> list[str]:
    """Why a query (the conjunction `assumed`, checked for satisfiability) is outside EPR.

    EPR needs no existential under a universal once Skolemised (else a Skolem function
    over thread ids appears), and no thread-valued function applied to a universally
    bound id. Empty when the query is inside the fragment.
    """
    reasons: list[str] = []
    seen: set[tuple[int, bool, bool]] = set()

    def walk(e: z3.ExprRef, positive: bool, under_forall: bool) -> None:
        key = (e.get_id(), positive, under_forall)
        if key in seen:
            return
        seen.add(key)
        if z3.is_quantifier(e):
            if e.is_lambda():
                walk(e.body(), positive, True)
                return
            universal = e.is_forall() == positive
            if not universal and under_forall:
                reasons.append("a quantifier alternation (forall-exists)")
            walk(e.body(), positive, under_forall or universal)
            return
        if z3.is_app(e):
            if z3.is_select(e) and e.sort() == tid_sort() and any(
                    z3.is_var(a) for a in e.children()[1:]):
                reasons.append("a thread-valued function (parent) applied to a quantified id")
            kind = e.decl().kind()
            kids = e.children()
            if kind == z3.Z3_OP_NOT:
                walk(kids[0], not positive, under_forall)
            elif kind == z3.Z3_OP_IMPLIES:
                walk(kids[0], not positive, under_forall)
                walk(kids[1], positive, under_forall)
            elif kind in (z3.Z3_OP_AND, z3.Z3_OP_OR):
                for k in kids:
                    walk(k, positive, under_forall)
            else:
                for k in kids:  # both polarities: iff, ite, equality of booleans
                    walk(k, positive, under_forall)
                    if z3.is_bool(k):
                        walk(k, not positive, under_forall)

    walk(assumed, True, False)
    return sorted(set(reasons))
