"""The checked model as z3 formulas over the explicit engine's own state layout.

A second, independent reading of `model.Model`: nothing here imports the
explicit engine (codegen, system, search, store, trace), so the two can check
each other. Every slot of the flat state tuple is one z3 constant and values
sit in it exactly as `typesys` encodes them (`pool_slots`), so an explicit
state maps 1:1 to an assignment. Steps are executed symbolically, path by
path, in the order `codegen` runs them (`pool_statements`, over
`pool_expressions` and the thread table `pool_threads`); `pool_runs` says what
each thread may do from a state. This module turns those runs into the
formulas below.

Interface (stable; `prove` builds on it):

    enc = encode(model)
    s = enc.state("s")                 # SymState: one fresh z3 constant per slot
    enc.typed(s)                       # every slot in its type's domain (+ layout facts)
    enc.init(s); enc.init_failure()    # initial states; {prop: can initialisation fail}
    enc.trans(s, t)                    # some thread takes one step
    enc.steps(s, t)                    # the disjuncts: [Disjunct(thread, pc, formula, what)]
    enc.moves(s, t, thread, pc)        # what the explicit engine's STEPS[pc](s, thread) yields
    enc.invariant(name, s)             # the invariant holds (and can be evaluated) in s
    enc.within(s)                      # s satisfies the `constraint`s (true without any)
    enc.defined(name, s)               # the invariant can be evaluated in s
    enc.failure(s, thread=None, pc=None)  # {prop: some step from s fails prop}
    enc.blocked(s)                     # some step needs a thread id and none is left
    enc.deadlocked(s)                  # a thread is unfinished and nothing can run
    enc.fixed(state_tuple) -> SymState # a concrete state: formulas over it fold to values
    enc.evaluate(state_tuple, thread)  # Evaluation(successors, failures, bound) of its step
    enc.equals(s, state_tuple); enc.concrete(z3_model, s) -> state_tuple
    enc.at(formula, (s, state_tuple), ...)  # a formula with states substituted, simplified
    enc.base(thread)                   # slot of the thread's pc (its block starts there)

Every formula is a z3 BoolRef. Formulas are built lazily and cached on the
SymState, so build s and t once and reuse them. A construct the encoding does
not know raises `encoder.Unsupported` (a SpecError) rather than being
approximated.

The explicit engine abandons the rest of a step's successors once an
expression raises (and marks the search incomplete); here every path is kept,
so in such states the explicit successors are a subset of z3's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import z3

from ..ir import model as M
from .pool_expressions import Expressions
from .pool_folds import and_, cmp, decide, eq, known, not_, or_, term
from .pool_paths import Ctx, Outcome, Path, Run
from .pool_runs import Runs
from .pool_slots import Slots, SymState, decode
from .pool_statements import Statements
from .pool_threads import Threads


@dataclass
class Evaluation:
    successors: set[tuple]
    failures: set[str]   # properties some path fails
    bound: bool          # some path needs a thread id and none is left


class Disjunct(NamedTuple):
    thread: int
    pc: int          # the step's pc; a handler entry names the handler's first step
    formula: z3.BoolRef
    what: str        # "step", "signal" or "destructor"


class Encoding(Slots):
    """The formulas of one model, over states laid out as `Slots` says."""

    def __init__(self, model: M.Model):
        super().__init__(model)
        self.invariants = {inv.name: inv for inv in model.invariants}
        self.threads = Threads(self)
        self.exprs = Expressions(self, self.threads)
        self.stmts = Statements(self, self.threads, self.exprs)
        self.runs = Runs(self, self.threads, self.exprs, self.stmts)

    def typed(self, s: SymState) -> z3.BoolRef:
        return self.threads.typed(s)

    def init(self, s: SymState) -> z3.BoolRef:
        return term(or_(*(and_(o.guard, self.same(s, o.v)) for o in self.runs.init().outcomes
                          if o.kind == "next")))

    def init_failure(self) -> dict[str, z3.BoolRef]:
        return _failures(self.runs.init().outcomes)

    def invariant(self, name: str, s: SymState) -> z3.BoolRef:
        return term(and_(self.defined(name, s), self._invariant(name, s)[0]))

    def defined(self, name: str, s: SymState) -> z3.BoolRef:
        """The invariant can be evaluated in s (no `none` used as a value, no index out of
        range): a proof asks first for a CTI that makes it false rather than unevaluable."""
        return term(not_(self._invariant(name, s)[1]))

    def _invariant(self, name: str, s: SymState) -> tuple[Any, Any]:
        """(value, error) of the invariant in s."""
        key = ("inv", name)
        if key not in s.cache:
            ctx = Ctx(None, None)
            p = Path((), list(s.slots), {})
            s.cache[key] = self.exprs.visit(self.invariants[name].expr, p, ctx)
        return s.cache[key]

    def within(self, s: SymState) -> z3.BoolRef:
        """s lies inside the spec's `constraint`s (each true and evaluable there). Outside,
        the explicit search expands nothing, so `steps`, `failure` and `deadlocked` hold only
        of states inside; `moves` and `evaluate` mirror one step function, which does not
        look at the constraint."""
        key = ("within",)
        if key not in s.cache:
            p = Path((), list(s.slots), {})
            parts = [self.exprs.visit(c.cond, p, Ctx(None, None)) for c in self.m.constraints]
            s.cache[key] = and_(*(and_(not_(error), value) for value, error in parts))
        return term(s.cache[key])

    def _succ(self, runs: list[tuple[z3.BoolRef, Run]], t: SymState) -> z3.BoolRef:
        return or_(*(and_(g, o.guard, self.same(t, o.v)) for g, r in runs
                     for o in r.outcomes if o.kind == "next"))

    def steps(self, s: SymState, t: SymState) -> list[Disjunct]:
        inside = self.within(s)
        return [Disjunct(th, p, term(and_(inside, self._succ([(g, r)], t))), what)
                for th in range(self.m.pool) for p, what, g, r in self.runs.sources(s, th)]

    def trans(self, s: SymState, t: SymState) -> z3.BoolRef:
        return term(or_(*(d.formula for d in self.steps(s, t))))

    def moves(self, s: SymState, t: SymState, thread: int, pc: int) -> z3.BoolRef:
        """The successors the explicit engine's step function for `pc` yields for `thread`."""
        pc_is = eq(s[self.base(thread)], pc)
        runs = [(and_(pc_is, g), r) for _, _, g, r in self.runs.sources(s, thread, pc)]
        return term(self._succ(runs, t))

    def failure(self, s: SymState, thread: int | None = None,
                pc: int | None = None) -> dict[str, z3.BoolRef]:
        outs = []
        inside = self.within(s)
        for th in range(self.m.pool) if thread is None else [thread]:
            pc_is = inside if pc is None else and_(inside, eq(s[self.base(th)], pc))
            for _, _, g, r in self.runs.sources(s, th, pc):
                outs += [Outcome(o.kind, and_(pc_is, g, o.guard), prop=o.prop)
                         for o in r.outcomes]
        return _failures(outs)

    def evaluate(self, state: tuple, thread: int) -> Evaluation:
        """What the explicit engine's step function yields for `thread` in a concrete state,
        computed from the encoding alone (the formulas fold to values; z3 decides any rest)."""
        s = self.fixed(state)
        pc = state[self.base(thread)]
        out = Evaluation(set(), set(), False)
        for _, _, g, r in self.runs.sources(s, thread, pc):
            for o in r.outcomes:
                if not decide(and_(eq(s[self.base(thread)], pc), g, o.guard)):
                    continue
                if o.kind == "next":
                    out.successors.add(tuple(decode(k, z3.simplify(term(x)) if not known(x)
                                                    else x) for k, x in zip(self.kinds, o.v)))
                elif o.kind == "fail":
                    out.failures.add(o.prop)
                else:
                    out.bound = True
        return out

    def blocked(self, s: SymState) -> z3.BoolRef:
        return term(or_(*(and_(g, o.guard) for th in range(self.m.pool)
                          for _, _, g, r in self.runs.sources(s, th) for o in r.outcomes
                          if o.kind == "bound")))

    def enabled(self, s: SymState) -> z3.BoolRef:
        """Some step of some thread yields something (a successor, a failure, no thread id)."""
        return term(or_(*(and_(g, o.guard) for th in range(self.m.pool)
                          for _, _, g, r in self.runs.sources(s, th) for o in r.outcomes)))

    def deadlocked(self, s: SymState) -> z3.BoolRef:
        unfinished = or_(*(cmp(">=", s[self.base(th)], M.PC_EXITING)
                           for th in range(self.m.pool)))
        return term(and_(self.within(s), unfinished, not_(self.enabled(s))))


def _failures(outcomes: list[Outcome]) -> dict[str, z3.BoolRef]:
    out: dict[str, list[z3.BoolRef]] = {}
    for o in outcomes:
        if o.kind == "fail":
            out.setdefault(o.prop, []).append(o.guard)
    return {p: term(or_(*gs)) for p, gs in out.items()}


def encode(model: M.Model) -> Encoding:
    return Encoding(model)
