"""A quantified query of the unbounded encoding, weakened to a ground one z3 decides quickly.

Over thread ids as an uninterpreted sort, z3 answers a query by instantiating its
quantifiers itself (E-matching, model-based instantiation); where the query leaves EPR
(a thread-valued local such as `fk` read at a quantified id) that search need not end,
and SaBRe sb6's step from the loader into client code ran past every time limit. Ivy's
way out is to instantiate the quantifiers on the finitely many ids the query names: the
acting thread, the start threads, the id a spawn takes, the witness of the broken
property, and the ids stored at those (a parent, a fork's child).

`ground` does that by polarity. A universal that is assumed (positive `forall`, negated
`exists`) becomes the conjunction of its instances over those ids, which the original
implies; an existential that is assumed outside every universal becomes a fresh
constant (a Skolem constant: the query keeps its satisfiability), and one inside an
instantiated universal gets a fresh constant per instance. Anything under an
equivalence, an `if` or a term is left to z3 as it was. So the ground query follows
from the original: when it is unsatisfiable, so is the original, and a proof found this
way is a proof. A model of it need not be one of the original (an instance left out may
be false there, at an id no term names), so `decide` keeps a model only after evaluating
the original query in it, each quantifier over the model's finitely many ids.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import z3

from .keyboard import check
from .unbounded_state import tid_sort

MAX_INSTANCES = 4096  # instances of one quantifier; a larger one is left to z3 whole


def ground(facts: list[z3.BoolRef]) -> Grounder:
    """`facts` with their thread quantifiers instantiated (see the module's text) in
    `Grounder.facts`; their conjunction is implied by that of `facts`, up to fresh
    constants."""
    g = Grounder()
    skolemised = [g.skolemise(f) for f in facts]
    g.terms = ground_terms(skolemised)
    g.facts = [g.instantiate(f) for f in skolemised]
    return g


def decide(facts: list[z3.BoolRef], rlimit: int, timeout_ms: int
           ) -> tuple[z3.CheckSatResult, z3.ModelRef | None] | None:
    """unsat when the ground query is; sat, with its model, when that model also satisfies
    the original facts, each quantifier evaluated over the model's finitely many thread
    ids (`holds_in`); unknown when the ground query is satisfiable but no model of the
    original was found that way (the original is then most likely satisfiable too); None
    when z3 gave up on the ground query."""
    g = ground(facts)
    solver = z3.Solver()
    solver.set("rlimit", rlimit)
    solver.set("timeout", timeout_ms)
    solver.add(*g.facts)
    result = check(solver, timed=True)
    if result == z3.unsat:
        return result, None
    if result == z3.unknown:
        return None
    # a model is sought whose ids are all named by the terms instantiated at: an instance
    # reads ids at others (a parent, a fork's child), which may be ids no instance was made at
    named = {x.get_id() for x in g.terms}
    solver.add(*[z3.Or([x == y for y in g.terms]) for x in ground_terms(g.facts)
                 if x.get_id() not in named])
    if check(solver, timed=True) != z3.sat:
        return z3.unknown, None
    zm = solver.model()
    universe = zm.get_universe(tid_sort()) or []
    if universe and all(holds_in(zm, f, universe) for f in facts):
        return z3.sat, zm
    return z3.unknown, None


def holds_in(zm: z3.ModelRef, e: z3.ExprRef, universe: list[z3.ExprRef]) -> bool:
    """e is true in zm, a thread quantifier read as a conjunction or disjunction over the
    model's ids and a spawn's `ancestor` lambda point by point (z3's evaluator decides
    neither); what the evaluator leaves undecided is not true."""
    return _value(zm, e, universe) is True


def _value(zm: z3.ModelRef, e: z3.ExprRef, universe: list[z3.ExprRef]) -> bool | None:
    """True, False, or None when undecided (then no connective above it is decided by it)."""
    if z3.is_quantifier(e) and _tid_only(e):
        values = [_value(zm, _opened(e, list(v)), universe)
                  for v in itertools.product(universe, repeat=e.num_vars())]
        return _all(values) if e.is_forall() else _not(_all([_not(v) for v in values]))
    if z3.is_app(e) and not z3.is_quantifier(e):
        kind, kids = e.decl().kind(), e.children()
        if kind == z3.Z3_OP_AND:
            return _all([_value(zm, k, universe) for k in kids])
        if kind == z3.Z3_OP_OR:
            return _not(_all([_not(_value(zm, k, universe)) for k in kids]))
        if kind == z3.Z3_OP_NOT:
            return _not(_value(zm, kids[0], universe))
        if kind == z3.Z3_OP_IMPLIES:
            return _not(_all([_value(zm, kids[0], universe),
                              _not(_value(zm, kids[1], universe))]))
        if z3.is_eq(e) and any(_tid_lambda(k) for k in kids):
            return _value(zm, _pointwise(e), universe)
        if z3.is_eq(e) and z3.is_bool(kids[0]):
            a, b = (_value(zm, k, universe) for k in kids)
            return None if a is None or b is None else a == b
    v = zm.eval(e, model_completion=True)
    return True if z3.is_true(v) else False if z3.is_false(v) else None


def _all(values: list[bool | None]) -> bool | None:
    if False in values:
        return False
    return None if None in values else True


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


def _tid_only(q: z3.QuantifierRef) -> bool:
    return not q.is_lambda() and all(q.var_sort(i) == tid_sort() for i in range(q.num_vars()))


def _opened(q: z3.QuantifierRef, values: list[z3.ExprRef]) -> z3.BoolRef:
    """q's body with its variables (in declaration order) replaced by `values`: z3 numbers
    bound variables from the innermost, so the last declared is Var(0)."""
    return z3.substitute_vars(q.body(), *reversed(values))


class Grounder:
    """One grounding, which several queries may share: `terms` are the ids instances are
    made at."""

    def __init__(self) -> None:
        self.fresh = itertools.count()
        # by id (the term kept, so z3 cannot reuse its id): no thread quantifier inside
        self.plain: dict[int, tuple[z3.ExprRef, bool]] = {}
        self.terms: list[z3.ExprRef] = []
        self.facts: list[z3.BoolRef] = []

    def constants(self, q: z3.QuantifierRef, names: Iterator[str] | None = None
                  ) -> list[z3.ExprRef]:
        return [z3.Const(next(names) if names else f"ground!{next(self.fresh)}", q.var_sort(i))
                for i in range(q.num_vars())]

    def quantifier_free(self, e: z3.ExprRef) -> bool:
        """No thread quantifier to ground in e (most instances: a lemma's body)."""
        key = e.get_id()
        if key not in self.plain:
            if z3.is_quantifier(e):
                free = not (_tid_only(e) or _tid_lambda(e))
            else:
                free = all(self.quantifier_free(k) for k in e.children()) \
                    if z3.is_app(e) and z3.is_bool(e) else True
            self.plain[key] = (e, free)
        return self.plain[key][1]

    def polar(self, e: z3.ExprRef, positive: bool, visit) -> z3.ExprRef | None:  # type: ignore[no-untyped-def]
        """e rebuilt with `visit(child, polarity)` through the connectives whose children
        have one polarity; None when e is none of them."""
        if not z3.is_app(e) or self.quantifier_free(e):
            return None
        kind = e.decl().kind()
        kids = e.children()
        if kind == z3.Z3_OP_AND:
            return z3.And([visit(k, positive) for k in kids])
        if kind == z3.Z3_OP_OR:
            return z3.Or([visit(k, positive) for k in kids])
        if kind == z3.Z3_OP_NOT:
            return z3.Not(visit(kids[0], not positive))
        if kind == z3.Z3_OP_IMPLIES:
            return z3.Implies(visit(kids[0], not positive), visit(kids[1], positive))
        if kind in (z3.Z3_OP_EQ, z3.Z3_OP_IFF) and z3.is_bool(kids[0]):  # `trans`' step flags
            a, b = kids
            return z3.And(z3.Implies(visit(a, not positive), visit(b, positive)),
                          z3.Implies(visit(b, not positive), visit(a, positive)))
        return None

    def skolemise(self, e: z3.ExprRef, positive: bool = True,
                  names: Iterator[str] | None = None) -> z3.ExprRef:
        """Existentials assumed outside every universal, replaced by fresh constants, or by
        constants of these `names` (queries that never hold two of them at once can then
        share the instances made at them)."""
        if z3.is_quantifier(e) and _tid_only(e) and e.is_forall() != positive:
            return self.skolemise(_opened(e, self.constants(e, names)), positive, names)
        rebuilt = self.polar(e, positive, lambda k, p: self.skolemise(k, p, names))
        return e if rebuilt is None else rebuilt

    def instantiate(self, e: z3.ExprRef, positive: bool = True) -> z3.ExprRef:
        """Assumed universals replaced by their instances over the ground terms, and the
        existentials they held by a fresh constant per instance."""
        if z3.is_quantifier(e) and _tid_only(e):
            n = e.num_vars()
            if e.is_forall() != positive:
                return self.instantiate(_opened(e, self.constants(e)), positive)
            if not self.terms or len(self.terms) ** n > MAX_INSTANCES:
                return e
            plain = self.quantifier_free(e.body())  # then so is every instance
            parts = [_opened(e, list(values)) if plain else
                     self.instantiate(_opened(e, list(values)), positive)
                     for values in itertools.product(self.terms, repeat=n)]
            return z3.And(parts) if positive else z3.Or(parts)
        if z3.is_eq(e) and any(_tid_lambda(k) for k in e.children()):
            return self.instantiate(_pointwise(e), positive)
        rebuilt = self.polar(e, positive, self.instantiate)
        return e if rebuilt is None else rebuilt


def _tid_lambda(e: z3.ExprRef) -> bool:
    return z3.is_quantifier(e) and e.is_lambda() and all(
        e.var_sort(i) == tid_sort() for i in range(e.num_vars()))


def _pointwise(e: z3.BoolRef) -> z3.BoolRef:
    """`a == lambda x, y: body` as `forall x, y: a[x, y] == body` (a spawn's `ancestor`):
    the same by extensionality, and a universal that grounding can instantiate, where z3
    answers "incomplete quantifiers" for the lambda even over a closed universe."""
    lam, other = e.children() if _tid_lambda(e.children()[0]) else reversed(e.children())
    xs = [z3.Const(f"x{i}", lam.var_sort(i)) for i in range(lam.num_vars())]
    return z3.ForAll(xs, z3.Select(other, *xs) == _opened(lam, xs))


def ground_terms(facts: list[z3.ExprRef]) -> list[z3.ExprRef]:
    """Every thread-valued term of the facts that names no bound variable."""
    out: dict[int, z3.ExprRef] = {}
    seen: set[int] = set()
    todo: list[z3.ExprRef] = list(facts)
    sort = tid_sort()
    while todo:
        e = todo.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        if z3.is_quantifier(e):
            todo.append(e.body())
            continue
        if z3.is_var(e):
            continue
        if e.sort() == sort and not _has_var(e):
            out[e.get_id()] = e
        todo.extend(e.children())
    return sorted(out.values(), key=str)


def _has_var(e: z3.ExprRef) -> bool:
    return any(z3.is_var(x) for x in _subterms(e))


def _subterms(e: z3.ExprRef) -> list[z3.ExprRef]:
    out, todo, seen = [], [e], set()
    while todo:
        x = todo.pop()
        if x.get_id() in seen:
            continue
        seen.add(x.get_id())
        out.append(x)
        if z3.is_quantifier(x):
            todo.append(x.body())
        elif z3.is_app(x):
            todo.extend(x.children())
    return out
