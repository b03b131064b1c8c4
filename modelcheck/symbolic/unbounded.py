"""A z3 encoding of a checked model in which thread ids are an uninterpreted sort.

The explicit engine and the fixed-pool encoding (`encoding.py`) fix the thread
pool; here a state has as many thread ids as z3's model wants, so an inductive
proof over this encoding holds for every number of threads. Per-thread state is
an array indexed by the sort (`pc`, `parent`, each local), and `ancestor` is a
relation kept in the state and updated at every spawn, the way Ivy keeps
transitive closures first-order (`unbounded_state`). Only what thread protocols
like OSv need is supported; anything else is refused with its location, never
approximated silently.

Thread ids of `start` lines are distinct constants, so `self == 0` still names
the first started thread. `free_threads()` is an unconstrained natural number:
any finite pool's behaviours are behaviours of this encoding, which is what
makes the proof hold for every pool size. This module holds the formulas a
proof asks for; steps are executed by `unbounded_steps` over the expressions
of `unbounded_expressions`.
"""

from __future__ import annotations

import itertools

import z3

from ..ir import model as M
from ..ir.typesys import TidType, strip_optional
from ..lang.errors import NOWHERE, Pos
from .encoder import Unsupported
from .pool_slots import leaves
from .unbounded_expressions import Definedness, UnboundedExpressions
from .unbounded_prune import prune
from .unbounded_signals import Action, actions
from .unbounded_slice import slice_dead
from .unbounded_state import (
    Ctx,
    Failure,
    State,
    check_type,
    eq,
    new_state,
    not_supported,
    read_local,
    read_tls,
    tid_sort,
    typed_value,
    where,
)
from .unbounded_steps import UnboundedSteps

Took = tuple[str, z3.ExprRef, z3.BoolRef]  # step name, acting thread, formula or flag


class UnboundedEncoding:
    """Build with `encode_unbounded(model)`; every method returns z3 terms."""

    def __init__(self, model: M.Model, path: str, cut: bool = True):
        if cut:  # never refuse what cannot matter (`unbounded_prune`, `unbounded_slice`)
            model = slice_dead(prune(model))
        self.m = model
        self.path = path
        counter = itertools.count()
        self._refuse_unsupported()
        self.starts = [z3.Const(f"start{k}", tid_sort()) for k in range(len(model.starts))]
        self.exprs = UnboundedExpressions(model, path, self.starts, counter)
        self.definedness = Definedness(self.exprs)
        self.stmts = UnboundedSteps(model, path, counter, self.exprs)
        self._steps: dict[tuple[str, str], list[Took]] = {}
        self._failures: dict[str, dict[str, z3.BoolRef]] = {}

    def _refuse(self, what: str, pos: Pos) -> Unsupported:
        return Unsupported(not_supported(what, self.path, pos))

    def _refuse_unsupported(self) -> None:
        m = self.m
        for v in m.vars:
            if v.choice and v.init is not None:  # `in any` is only a range
                raise self._refuse(f"a choice of initial values for '{v.name}'", v.pos)
            check_type(v.type, f"variable '{v.name}' {where(self.path, v.pos)}")
        for t in m.templates.values():
            for loc in t.params + t.locals:
                if loc.choices is not None:
                    raise self._refuse(f"a choice of initial values for '{loc.name}'", loc.pos)
                check_type(loc.type, f"local '{loc.name}' {where(self.path, loc.pos)}")
        for tl in m.thread_locals:
            if tl.pos == NOWHERE:  # the buffers a memory model adds: none has a place in the spec
                raise Unsupported("not supported in --unbounded: the buffers of the spec's "
                                  "memory model (use the fixed pool: prove without --unbounded)")
            if tl.choices is not None:
                raise self._refuse(f"a choice of initial values for '{tl.name}'", tl.pos)
            check_type(tl.type, f"thread_local '{tl.name}' {where(self.path, tl.pos)}")
            if any(isinstance(strip_optional(x), TidType) for x in leaves(tl.type)) \
                    and not m.starts:  # zeroed, it reads as thread 0
                raise self._refuse(f"thread_local '{tl.name}' of type tid with no start line",
                                   tl.pos)

    # ------------------------------------------------------------- states
    def state(self, prefix: str) -> State:
        return new_state(self.m, prefix)

    def typed(self, s: State) -> z3.BoolRef:
        return z3.And(self.ranges(s), self.wellformed(s))

    def ranges(self, s: State) -> z3.BoolRef:
        """Every value in its declared range, every pc a real one.

        A step that would leave a range fails `bounds` and has no successor, so
        reachable states satisfy this by the semantics, not by an argument.
        """
        x = z3.Const("x", tid_sort())
        out = [typed_value(v.type, s.globals[v.name]) for v in self.m.vars]
        pcs = [p for p in self.m.steps_by_pc] + [M.PC_UNUSED, M.PC_DONE, M.PC_FREED]
        pcs += [M.PC_EXITING] if self.m.destructors else []
        out.append(z3.ForAll([x], z3.Or([s.pc[x] == p for p in pcs])))
        for t in self.m.templates.values():
            for loc in t.params + t.locals:
                rng = typed_value(loc.type, read_local(s, t, loc, x))
                if not z3.is_true(rng):
                    out.append(z3.ForAll([x], rng))
        for tl in self.m.thread_locals:  # a finished or unused thread's copy is zeroed
            rng = typed_value(tl.type, read_tls(s, tl.name, x))
            if not z3.is_true(rng):
                out.append(z3.ForAll([x], z3.Implies(s.pc[x] >= M.PC_EXITING, rng)))
        return z3.And(out)

    def wellformed(self, s: State) -> z3.BoolRef:
        """What holds of thread ids by construction; `mcheck prove` checks it is inductive."""
        x, y = z3.Consts("x y", tid_sort())
        out = [z3.Distinct(*self.starts)] if len(self.starts) > 1 else []
        for c in self.starts:
            out += [s.pc[c] != M.PC_UNUSED, s.parent.none[c]]
        unused = s.pc[x] == M.PC_UNUSED
        # an id never used has no parent and is nobody's ancestor, nor has one
        out.append(z3.ForAll([x], z3.Implies(unused, s.parent.none[x])))
        out.append(z3.ForAll([x, y], z3.Implies(unused, z3.And(z3.Not(s.anc[x, y]),
                                                                z3.Not(s.anc[y, x])))))
        # the engines zero a thread's block until it starts and once it finishes
        out += [z3.ForAll([x], z3.Implies(s.pc[x] < M.PC_EXITING, c))
                for c in self.cleared_tls(s, x)]
        return z3.And(out + self.stmts.signals.wellformed(s))

    def cleared_tls(self, s: State, x: z3.ExprRef) -> list[z3.BoolRef]:
        """Thread x's thread_locals hold what a zeroed block reads as."""
        return [eq(read_tls(s, tl.name, x), self.stmts.zero(tl.type))
                for tl in self.m.thread_locals]

    def init(self, s: State) -> z3.BoolRef:
        m = self.m
        x = z3.Const("x", tid_sort())
        out = []
        for v in m.vars:
            out.append(typed_value(v.type, s.globals[v.name]) if v.init is None else
                       eq(s.globals[v.name], self.exprs.visit(v.init, Ctx(s, None, pos=v.pos))))
        # `init P;` (the explicit engine refuses a condition it cannot evaluate)
        out += [self.exprs.visit(c.cond, Ctx(s, None)) for c in m.initial_conditions]
        first = {k: m.templates[st.template].steps[0].pc for k, st in enumerate(m.starts)}
        pc_of = z3.IntVal(M.PC_UNUSED)
        for k, c in enumerate(self.starts):
            pc_of = z3.If(x == c, first[k], pc_of)
        out.append(z3.ForAll([x], s.pc[x] == pc_of))
        out += [z3.ForAll([x], z3.Implies(s.pc[x] == M.PC_UNUSED, c))
                for c in self.cleared_tls(s, x)]
        out.append(z3.ForAll([x], s.parent.none[x]))
        out += self.stmts.signals.initial(s)
        out += [z3.Distinct(*self.starts)] if len(self.starts) > 1 else []  # one id a line
        y = z3.Const("y", tid_sort())
        out.append(z3.ForAll([x, y], z3.Not(s.anc[x, y])))
        for st, c in zip(m.starts, self.starts):
            t = m.templates[st.template]
            ctx = Ctx(s, c)
            for p, a in zip(t.params, st.args):
                out.append(eq(read_local(s, t, p, c), self.exprs.visit(a, ctx)))
            for tl in m.thread_locals:
                assert tl.init is not None
                out.append(eq(read_tls(s, tl.name, c), self.exprs.visit(tl.init, ctx)))
            for loc in t.locals:
                assert loc.init is not None
                out.append(eq(read_local(s, t, loc, c), self.exprs.visit(loc.init, ctx)))
        return z3.And(out)

    def invariant(self, inv: M.Invariant, s: State,
                  universe: list[z3.ExprRef] | None = None) -> z3.BoolRef:
        """The invariant's value in state s; with a `universe`, quantifiers over ids range
        over it (a ground formula that a z3 model evaluates to true or false).

        Where the explicit engine would fail to evaluate it (`none` used as a value),
        the value is unconstrained: see `defined` for what a proof must also show.
        """
        return self.exprs.visit(inv.expr, Ctx(s, None, pos=inv.pos, universe=universe))

    def defined(self, inv: M.Invariant, s: State) -> z3.BoolRef:
        """The explicit engine can evaluate the invariant in s (see `Definedness`)."""
        return self.definedness.visit(inv.expr, Ctx(s, None))

    def within(self, s: State) -> z3.BoolRef:
        """s lies inside the spec's `constraint`s (each evaluable and true): only such
        states have steps (`steps`, `failures`), as in the explicit search."""
        ctx = Ctx(s, None)
        return z3.And([z3.And(self.definedness.visit(c.cond, ctx), self.exprs.visit(c.cond, ctx))
                       for c in self.m.constraints])

    # -------------------------------------------------------- transitions
    def steps(self, s: State, t: State) -> list[Took]:
        """(step name, acting thread, formula) for every action (`unbounded_signals`).

        Kept per pair of states, so a CTI is read back through the very formulas
        (and fresh constants) the solver saw.
        """
        key = (s.prefix, t.prefix)
        if key not in self._steps:
            me = z3.Const(f"{t.prefix}self", tid_sort())
            inside = self.within(s)
            self._steps[key] = [(a.name, me, z3.And(inside, self._step(a, s, t, me)))
                                for a in actions(self.m)]
        return self._steps[key]

    def trans(self, s: State, t: State) -> z3.BoolRef:
        """Some step leads from s to t; `took(s, t)` names which one in a z3 model."""
        took = self.took(s, t)
        return z3.And(z3.Or([b for _, _, b in took]),
                      *[b == f for (_, _, b), (_, _, f) in zip(took, self.steps(s, t))])

    def took(self, s: State, t: State) -> list[Took]:
        """(step name, acting thread, a boolean that is true when that step was taken)."""
        return [(name, me, z3.Bool(f"{t.prefix}took.{name}"))
                for name, me, _ in self.steps(s, t)]

    def failures(self, s: State) -> dict[str, z3.BoolRef]:
        """For each assertion, the states from which some step fails it (kept per state)."""
        if s.prefix not in self._failures:
            self._failures[s.prefix] = self._failures_of(s)
        return self._failures[s.prefix]

    def _failures_of(self, s: State) -> dict[str, z3.BoolRef]:
        out: dict[str, list[z3.BoolRef]] = {}
        scratch = self.state(f"{s.prefix}fail.")
        for a in actions(self.m):
            me = z3.Const(f"{s.prefix}fail.self", tid_sort())
            fails: list[Failure] = []
            self.stmts.paths(a, s, scratch, me, fails)
            for f in fails:
                out.setdefault(f.prop, []).append(f.cond)
        inside = self.within(s)
        return {p: z3.And(inside, z3.Or(c)) for p, c in out.items()}

    def await_guards(self, s: State) -> list[tuple[Pos, z3.BoolRef]]:
        """For every `await`: when a thread in state s reaches it and its condition holds."""
        log: list[tuple[Pos, z3.BoolRef]] = []
        self.stmts.await_log = log
        scratch = self.state(f"{s.prefix}await.")
        me = z3.Const(f"{s.prefix}await.self", tid_sort())
        try:
            for a in actions(self.m):
                self.stmts.paths(a, s, scratch, me, [])
            return log
        finally:
            self.stmts.await_log = None

    def _step(self, a: Action, s: State, t: State, me: z3.ExprRef) -> z3.BoolRef:
        return z3.Or([z3.And(g) for g in self.stmts.paths(a, s, t, me, [])] or
                     [z3.BoolVal(False)])


def encode_unbounded(model: M.Model, path: str, cut: bool = True) -> UnboundedEncoding:
    """`cut=False` encodes the spec as written: the z3 lints ask where each await stands,
    and a pruned model has awaits the spec does not (a constantly false one, an unreachable
    step's)."""
    return UnboundedEncoding(model, path, cut)
