"""The checked model as z3 formulas over the explicit engine's own state layout.

A second, independent reading of `model.Model`: nothing here imports the
explicit engine (codegen, system, search, store, trace), so the two can check
each other. Every slot of the flat state tuple is one z3 constant, and values
sit in it exactly as `typesys` encodes them, so an explicit state maps 1:1 to
an assignment:

- bool slots are z3 Bools; sets are bit-vectors as wide as their element type
  (bit i: the i-th value of the element type); everything else (ints, enum
  members, tids, pcs, parents, depths) is a z3 Int, with `none` as `NONE`.
- A thread's local slots are shared by the templates; where they disagree on
  the sort, the slot is an Int (bools as 0/1, sets as their mask).
- The destructor mask is 63 bits (bit 62 is `FREE_BIT`); the handler masks are
  as wide as there are handlers.

Steps are executed symbolically, path by path, in the order `codegen` runs
them: `either` and `choose` fork paths (choose over its finite domain, the
bound value a constant), deterministic `if`s fork and join again (their guards
are exclusive), `spawn`/`fork` fork once per possible child id (the lowest
unused one, as `_alloc` takes it) plus a pool-exhausted outcome. A path ends
in a successor, a failure (an assertion, or "bounds": an out-of-range
assignment, `none` unwrapped, an index out of range, division by zero, a bad
`free`), or "bound" (no thread id left; the explicit engine's `BOUND`).

Interface (stable; `prove` builds on it):

    enc = encode(model)
    s = enc.state("s")                 # SymState: one fresh z3 constant per slot
    enc.typed(s)                       # every slot in its type's domain (+ layout facts)
    enc.init(s); enc.init_failure()    # initial states; {prop: can initialisation fail}
    enc.trans(s, t)                    # some thread takes one step
    enc.steps(s, t)                    # the disjuncts: [Disjunct(thread, pc, formula, what)]
    enc.moves(s, t, thread, pc)        # what the explicit engine's STEPS[pc](s, thread) yields
    enc.invariant(name, s)             # the invariant holds (and can be evaluated) in s
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
not know raises `Unsupported` (a SpecError) rather than being approximated.
`typed` also says that an unused thread's block is all zero with no parent and
a finished thread's slots past its parent are zero; a thread-local or local
slot may hold 0 besides its type's values (a finished thread's copies read 0).

The explicit engine abandons the rest of a step's successors once an
expression raises (and marks the search incomplete); here every path is kept,
so in such states the explicit successors are a subset of z3's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import z3

from ..ir import model as M
from ..ir.typesys import (
    ArrayType,
    BoolType,
    EmptySetType,
    IntType,
    NoneType,
    OptionalType,
    RecordType,
    SetType,
    Type,
)
from ..lang.errors import SpecError

NONE = -(1 << 31)   # the Int value standing for `none`
DTOR_BITS = 63      # the destructor mask: 60 destructors at most, FREE_BIT is bit 62

Kind = Any  # "b" (Bool), "i" (Int) or ("v", width) (bit-vector)
Value = Any  # a z3 term, or a list of them for arrays and records


class Unsupported(SpecError):
    """A construct this encoding cannot express faithfully: never encoded approximately."""


# ---------------------------------------------------------------- small folds
# Values known at encoding time stay Python values (bool for Bool, int for Int,
# `Mask` for bit-vectors) and are folded here, so a formula over a concrete state
# costs little more than running the step; z3 terms appear only where a slot is
# symbolic. `_z` turns either into a z3 term.


class Mask(NamedTuple):
    """A bit-vector literal: a set's bitmask and its width."""

    value: int
    width: int


_LITERALS: dict[Any, Any] = {}


def _z(x: Any) -> Any:
    if not isinstance(x, (int, Mask)):
        return x
    key = (type(x), x)
    if key not in _LITERALS:
        _LITERALS[key] = z3.BoolVal(x) if isinstance(x, bool) else \
            z3.BitVecVal(x.value, x.width) if isinstance(x, Mask) else z3.IntVal(x)
    return _LITERALS[key]


def _and(*xs: Any) -> Any:
    out = []
    for x in xs:
        if x is False:
            return False
        if x is not True:
            out.append(x)
    return out[0] if len(out) == 1 else (_nary(z3.Z3_mk_and, out) if out else True)


def _or(*xs: Any) -> Any:
    out = []
    for x in xs:
        if x is True:
            return True
        if x is not False:
            out.append(x)
    return out[0] if len(out) == 1 else (_nary(z3.Z3_mk_or, out) if out else False)


def _nary(mk: Any, xs: list[z3.BoolRef]) -> z3.BoolRef:
    """z3.And/z3.Or without their per-argument checks, which dominate on wide states."""
    ctx = xs[0].ctx
    args = (z3.Ast * len(xs))(*[x.as_ast() for x in xs])
    return z3.BoolRef(mk(ctx.ref(), len(xs), args), ctx)


def _not(x: Any) -> Any:
    return (not x) if isinstance(x, bool) else z3.Not(x)


def _ite(c: Any, a: Any, b: Any) -> Any:
    if c is True or a is b:
        return a
    if c is False:
        return b
    if _known(a) and _known(b) and type(a) is type(b) and a == b:
        return a
    a, b = _z(a), _z(b)
    ctx = c.ctx  # z3.If without its coercions: the sorts agree by construction
    return z3.z3._to_expr_ref(z3.Z3_mk_ite(ctx.ref(), c.as_ast(), a.as_ast(), b.as_ast()), ctx)


def _known(x: Any) -> bool:
    return isinstance(x, (int, Mask))  # bool is an int


def _eq(a: Any, b: Any) -> Any:
    if isinstance(a, list):
        return _and(*(_eq(x, y) for x, y in zip(a, b)))
    if a is b:
        return True
    if isinstance(a, Mask) and isinstance(b, Mask):
        return a.value == b.value
    if _known(a) and _known(b):
        return a == b
    a, b = _z(_fit(a, b)), _z(_fit(b, a))
    ctx = a.ctx if isinstance(a, z3.ExprRef) else b.ctx
    return z3.BoolRef(z3.Z3_mk_eq(ctx.ref(), a.as_ast(), b.as_ast()), ctx)


def _fit(x: Any, other: Any) -> Any:
    """An untyped empty set takes the width of the set it meets."""
    if isinstance(x, Mask) and x.width == 0 and isinstance(other, z3.BitVecRef):
        return Mask(0, other.size())
    return x


def _cmp(op: str, a: Any, b: Any) -> Any:
    if _known(a) and _known(b):
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    a, b = _z(a), _z(b)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _arith(op: str, a: Any, b: Any) -> Any:
    if _known(a) and _known(b):
        return {"+": a + b, "-": a - b, "*": a * b}[op]
    a, b = _z(a), _z(b)
    return {"+": a + b, "-": a - b, "*": a * b}[op]


def _bvop(op: str, a: Any, b: Any) -> Any:
    """Set union, intersection and difference ("-": a and not b) on masks."""
    if isinstance(a, Mask) and isinstance(b, Mask):
        x = {"|": a.value | b.value, "&": a.value & b.value, "-": a.value & ~b.value}[op]
        return Mask(x, max(a.width, b.width))
    a, b = _z(_fit(a, b)), _z(_fit(b, a))
    return {"|": a | b, "&": a & b, "-": a & ~b}[op]


def _inside(x: Any, lo: int, hi: int) -> Any:
    return _and(_cmp(">=", x, lo), _cmp("<=", x, hi))


def _bit(mask: Any, k: int) -> Any:
    if isinstance(mask, Mask):
        return bool(mask.value >> k & 1)
    return z3.Extract(k, k, mask) == 1


def _mask_of(bits: list[Any]) -> Any:
    """The set whose bit k is bits[k]."""
    if all(isinstance(b, bool) for b in bits):
        return Mask(sum(1 << k for k, b in enumerate(bits) if b), len(bits))
    parts = [z3.If(_z(b), z3.BitVecVal(1, 1), z3.BitVecVal(0, 1)) for b in reversed(bits)]
    return z3.Concat(*parts) if len(parts) > 1 else parts[0]


def _count(tests: list[Any]) -> Any:
    known = sum(1 for t in tests if t is True)
    rest = [z3.If(t, z3.IntVal(1), z3.IntVal(0)) for t in tests if not isinstance(t, bool)]
    return _arith("+", known, z3.Sum(rest)) if rest else known


# ---------------------------------------------------------------- types and sorts

def kind_of(t: Type) -> Kind:
    if isinstance(t, BoolType):
        return "b"
    if isinstance(t, SetType):
        return ("v", max(1, len(t.elem.values())))
    if isinstance(t, (ArrayType, RecordType, EmptySetType)):
        raise AssertionError(t)
    return "i"


def leaves(t: Type) -> list[Type]:
    """The scalar type of each slot of a value of type t, in slot order."""
    if isinstance(t, ArrayType):
        return leaves(t.elem) * len(t.key.values())
    if isinstance(t, RecordType):
        return [x for _, ft in t.fields for x in leaves(ft)]
    return [t]


def _const(kind: Kind, v: Any) -> Any:
    if kind == "b":
        return bool(v)
    if kind == "i":
        return NONE if v is None else int(v)
    return Mask(int(v), kind[1])


def _value(t: Type, v: Any) -> Value:
    """A Const's encoded value (Python literals: see `_z`)."""
    if isinstance(t, (ArrayType, RecordType)):
        return [_const(kind_of(x), y) for x, y in zip(leaves(t), v)]
    if isinstance(t, EmptySetType):
        return Mask(0, 0)  # `{}` where no context gave it a type, as in size({})
    if isinstance(t, NoneType):
        return NONE
    return _const(kind_of(t), v)


def in_domain(t: Type, x: Any) -> z3.BoolRef:
    """x holds a value of scalar type t."""
    vals = t.values() if not isinstance(t, SetType) else None
    if vals is None:
        return True  # a bit-vector as wide as the element type: every mask is a set
    if isinstance(t, BoolType):
        return True
    if isinstance(t, OptionalType):
        return _or(_eq(x, NONE), in_domain(t.inner, x))
    return _inside(x, vals[0], vals[-1])


# ---------------------------------------------------------------- states

class SymState:
    """One z3 constant per slot of the state tuple."""

    def __init__(self, slots: list[Any]):
        self.slots = slots
        self.cache: dict[Any, Any] = {}
        self.eqs: dict[tuple[int, Any], Any] = {}

    def eq(self, j: int, value: Any) -> Any:
        """slot j == value; a state checked against many concrete ones reuses these terms."""
        x = self.slots[j]
        if _known(x):
            return _eq(x, value)
        key = (j, value) if _known(value) else (j, "ast", value.get_id())
        if key not in self.eqs:
            self.eqs[key] = _eq(x, value)
        return self.eqs[key]

    def __getitem__(self, i: int) -> Any:
        return self.slots[i]

    def __len__(self) -> int:
        return len(self.slots)


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


@dataclass
class Path:
    conds: tuple[z3.BoolRef, ...]
    v: list[Any]
    env: dict[int, Value]
    fk: tuple[tuple[int, int], ...] = ()

    def fork(self, *extra: z3.BoolRef) -> Path:
        return Path(self.conds + tuple(c for c in extra if c is not True),
                    list(self.v), dict(self.env), self.fk)

    @property
    def guard(self) -> z3.BoolRef:
        return _and(*self.conds)


@dataclass
class Outcome:
    kind: str                 # "next", "fail", "bound"
    guard: z3.BoolRef
    v: list[Any] | None = None
    prop: str = ""


@dataclass
class Ctx:
    me: int | None
    tb: int | None
    terminal: str = "step"     # "step", "init", "dtor"
    next_pc: int = M.PC_DONE
    handler: int | None = None


@dataclass
class Run:
    """The outcomes of one symbolic execution (a step, an entry, a destructor, init)."""

    outcomes: list[Outcome] = field(default_factory=list)


# ---------------------------------------------------------------- the encoding

class Encoding:
    def __init__(self, model: M.Model):
        self.m = model
        self.tb0 = model.thread_base
        self.stride = model.thread_stride
        self.kinds, self.types = self._slot_kinds()
        self.invariants = {inv.name: inv for inv in model.invariants}
        self._init: Run | None = None

    # ---- layout
    def _slot_kinds(self) -> tuple[list[Kind], list[list[Type]]]:
        """The sort of every slot, and the types that may sit in it (for `typed`)."""
        m, lay = self.m, self.m.layout
        kinds: list[Kind] = []
        types: list[list[Type]] = []
        for var in m.vars:
            for t in leaves(var.type):
                kinds.append(kind_of(t))
                types.append([t])
        block: list[Kind] = ["i", "i"] + [None] * (self.stride - 2)
        btypes: list[list[Type]] = [[], []] + [[] for _ in range(self.stride - 2)]
        nh = max(1, len(m.handlers))
        if lay.dtors is not None:
            block[lay.dtors] = ("v", DTOR_BITS)
        if lay.installed is not None:
            for slot in (lay.installed, lay.masked, lay.active):
                block[slot] = ("v", nh)
            block[lay.depth] = "i"  # type: ignore[index]
            for k in range(lay.max_depth):
                block[lay.saved + k] = "i"  # type: ignore[operator]
        for slot, t in lay.tls.values():
            block[slot] = kind_of(t)
            btypes[slot].append(t)
        for t in m.templates.values():
            for loc in t.params + t.locals:
                k = kind_of(loc.type)
                block[loc.slot] = k if block[loc.slot] in (None, k) else "i"
                btypes[loc.slot].append(loc.type)
        block = [k if k is not None else "i" for k in block]
        for _ in range(m.pool):
            kinds.extend(block)
            types.extend(btypes)
        return kinds, types

    def base(self, thread: int) -> int:
        return self.tb0 + thread * self.stride

    def fixed(self, state: tuple) -> SymState:
        """A concrete state as z3 literals: formulas over it fold to (almost) values."""
        return SymState(self.literals(state))

    def state(self, prefix: str) -> SymState:
        out = []
        for j, k in enumerate(self.kinds):
            name = f"{prefix}_{j}"
            out.append(z3.Bool(name) if k == "b" else z3.Int(name) if k == "i"
                       else z3.BitVec(name, k[1]))
        return SymState(out)

    def literals(self, state: tuple) -> list[Any]:
        """A concrete state's slots as encoding-time literals (see `_z`)."""
        return [_const(k, v) for k, v in zip(self.kinds, state)]

    def equals(self, s: SymState, state: tuple) -> z3.BoolRef:
        return _z(self._same(s, self.literals(state)))

    def at(self, formula: z3.ExprRef, *bindings: tuple[SymState, tuple]) -> z3.ExprRef:
        """The formula with symbolic states replaced by concrete ones, simplified by z3."""
        pairs = [(x, _z(y)) for s, state in bindings
                 for x, y in zip(s.slots, self.literals(state))]
        return z3.simplify(z3.substitute(formula, *pairs))

    def concrete(self, zm: z3.ModelRef, s: SymState) -> tuple:
        return tuple(_decode(k, zm.eval(x, model_completion=True))
                     for x, k in zip(s.slots, self.kinds))

    def typed(self, s: SymState) -> z3.BoolRef:
        m, lay = self.m, self.m.layout
        out = []
        max_pc = max([M.PC_EXITING, *m.steps_by_pc])
        for j, (x, k, ts) in enumerate(zip(s.slots, self.kinds, self.types)):
            if j < self.tb0:
                out.append(in_domain(ts[0], x))
            elif ts and k != "b" and not isinstance(k, tuple):
                out.append(_or(_eq(x, 0), *(in_domain(t, x) for t in ts)))
        for th in range(m.pool):
            b = self.base(th)
            pc = s[b]
            rest = _and(*(_eq(s[b + j], _const(self.kinds[b + j], 0))
                          for j in range(2, self.stride)))
            out.append(_inside(pc, 0, max_pc))
            out.append(_or(_eq(s[b + 1], NONE), _inside(s[b + 1], 0, m.pool - 1)))
            out.append(_or(_not(_eq(pc, M.PC_UNUSED)), _and(_eq(s[b + 1], NONE), rest)))
            out.append(_or(_not(_or(_eq(pc, M.PC_DONE), _eq(pc, M.PC_FREED))), rest))
            if lay.depth is not None:
                out.append(_inside(s[b + lay.depth], 0, lay.max_depth))
                for k in range(lay.max_depth):
                    out.append(_inside(s[b + lay.saved + k], 0, max_pc))  # type: ignore
        return _z(_and(*out))

    # ---- formulas
    def init(self, s: SymState) -> z3.BoolRef:
        return _z(_or(*(_and(o.guard, self._same(s, o.v)) for o in self._init_run().outcomes
                        if o.kind == "next")))

    def init_failure(self) -> dict[str, z3.BoolRef]:
        return self._failures(self._init_run().outcomes)

    def invariant(self, name: str, s: SymState) -> z3.BoolRef:
        key = ("inv", name)
        if key not in s.cache:
            ctx = Ctx(None, None)
            p = Path((), list(s.slots), {})
            val, err = self.ex(self.invariants[name].expr, p, ctx)
            s.cache[key] = _z(_and(_not(err), val))
        return s.cache[key]

    def _same(self, t: SymState, v: list[Any]) -> z3.BoolRef:
        return _and(*(t.eq(j, y) for j, y in enumerate(v)))

    def _succ(self, runs: list[tuple[z3.BoolRef, Run]], t: SymState) -> z3.BoolRef:
        return _or(*(_and(g, o.guard, self._same(t, o.v)) for g, r in runs
                     for o in r.outcomes if o.kind == "next"))

    def sources(self, s: SymState, thread: int,
                pc: int | None = None) -> list[tuple[int, str, z3.BoolRef, Run]]:
        """What `thread` may do from s (only what a thread at `pc` may do, when given):
        (pc, what, guard on the thread's pc, outcomes). Each is executed once per state."""
        m = self.m
        at = s[self.base(thread)]
        if _known(at):  # a concrete state: only what its pc can do
            if at < M.PC_EXITING or pc not in (None, at):
                return []
            pc = at
        out = []
        for p, (tmpl, step) in sorted(m.steps_by_pc.items()):
            if p != M.PC_EXITING and pc in (None, p):
                run = self._cached(s, ("step", thread, p), self._step, s, thread, tmpl, step)
                out.append((p, "step", _eq(at, p), run))
        for d in m.destructors if pc in (None, M.PC_EXITING) else []:
            run = self._cached(s, ("dtor", thread, d.index), self._dtor, s, thread, d)
            out.append((M.PC_EXITING, "destructor", _eq(at, M.PC_EXITING), run))
        for h in m.handlers:
            run = self._cached(s, ("irq", thread, h.index), self._entry, s, thread, h)
            out.append((h.steps[0].pc, "signal", _cmp(">=", at, M.PC_EXITING), run))
        return out

    @staticmethod
    def _cached(s: SymState, key: Any, make: Any, *args: Any) -> Run:
        if key not in s.cache:
            s.cache[key] = make(*args)
        return s.cache[key]

    def steps(self, s: SymState, t: SymState) -> list[Disjunct]:
        return [Disjunct(th, p, _z(self._succ([(g, r)], t)), what)
                for th in range(self.m.pool) for p, what, g, r in self.sources(s, th)]

    def trans(self, s: SymState, t: SymState) -> z3.BoolRef:
        return _z(_or(*(d.formula for d in self.steps(s, t))))

    def moves(self, s: SymState, t: SymState, thread: int, pc: int) -> z3.BoolRef:
        """The successors the explicit engine's step function for `pc` yields for `thread`."""
        pc_is = _eq(s[self.base(thread)], pc)
        runs = [(_and(pc_is, g), r) for _, _, g, r in self.sources(s, thread, pc)]
        return _z(self._succ(runs, t))

    def failure(self, s: SymState, thread: int | None = None,
                pc: int | None = None) -> dict[str, z3.BoolRef]:
        outs = []
        for th in range(self.m.pool) if thread is None else [thread]:
            pc_is = True if pc is None else _eq(s[self.base(th)], pc)
            for _, _, g, r in self.sources(s, th, pc):
                outs += [Outcome(o.kind, _and(pc_is, g, o.guard), prop=o.prop)
                         for o in r.outcomes]
        return self._failures(outs)

    def evaluate(self, state: tuple, thread: int) -> Evaluation:
        """What the explicit engine's step function yields for `thread` in a concrete state,
        computed from the encoding alone (the formulas fold to values; z3 decides any rest)."""
        s = self.fixed(state)
        pc = state[self.base(thread)]
        out = Evaluation(set(), set(), False)
        for _, _, g, r in self.sources(s, thread, pc):
            for o in r.outcomes:
                if not _decide(_and(_eq(s[self.base(thread)], pc), g, o.guard)):
                    continue
                if o.kind == "next":
                    out.successors.add(tuple(_decode(k, z3.simplify(_z(x)) if not _known(x)
                                                     else x) for k, x in zip(self.kinds, o.v)))
                elif o.kind == "fail":
                    out.failures.add(o.prop)
                else:
                    out.bound = True
        return out

    def blocked(self, s: SymState) -> z3.BoolRef:
        return _z(_or(*(_and(g, o.guard) for th in range(self.m.pool)
                        for _, _, g, r in self.sources(s, th) for o in r.outcomes
                        if o.kind == "bound")))

    def enabled(self, s: SymState) -> z3.BoolRef:
        """Some step of some thread yields something (a successor, a failure, no thread id)."""
        return _z(_or(*(_and(g, o.guard) for th in range(self.m.pool)
                        for _, _, g, r in self.sources(s, th) for o in r.outcomes)))

    def deadlocked(self, s: SymState) -> z3.BoolRef:
        unfinished = _or(*(_cmp(">=", s[self.base(th)], M.PC_EXITING)
                           for th in range(self.m.pool)))
        return _z(_and(unfinished, _not(self.enabled(s))))

    @staticmethod
    def _failures(outcomes: list[Outcome]) -> dict[str, z3.BoolRef]:
        out: dict[str, list[z3.BoolRef]] = {}
        for o in outcomes:
            if o.kind == "fail":
                out.setdefault(o.prop, []).append(o.guard)
        return {p: _z(_or(*gs)) for p, gs in out.items()}

    # ---- runs
    def _init_run(self) -> Run:
        if self._init is None:
            m = self.m
            unused = [0, None] + [0] * (self.stride - 2)
            default = [x for var in m.vars for x in var.type.default()] + unused * m.pool
            v = [_const(k, x) for k, x in zip(self.kinds, default)]
            run = Run()
            ctx = Ctx(None, None, terminal="init")
            paths = [Path((), v, {})]
            for var in m.vars:
                place = M.GlobalPlace(var.type, var.name, var.offset)
                if var.choice:
                    paths = [q for p in paths for q in self._initial_choices(var, place, p, run,
                                                                             ctx)]
                else:
                    paths = self.seq([M.Assign(var.pos, place, var.init)], paths, run, ctx)
            paths = self.seq(list(m.starts), paths, run, ctx)
            for p in paths:
                self.finish(p, run, ctx, None)
            self._init = run
        return self._init

    def _initial_choices(self, var: M.Var, place: M.TExpr, p: Path, run: Run,
                         ctx: Ctx) -> list[Path]:
        """`var x: T in S`: one initial state per member of S."""
        mask, err = self.ex(var.init, p, ctx)
        self.error(p, err, run)
        out = []
        for k, x in enumerate(var.type.values()):
            q = p.fork(_bit(mask, k))
            out += self.assign_value(place, _value(var.type, x), q, run, ctx)
        return out

    def _step(self, s: SymState, me: int, tmpl: M.Template, step: M.Step) -> Run:
        run = Run()
        steps = tmpl.steps
        i = steps.index(step)
        last = M.PC_RETURN if tmpl.kind == "handler" else M.PC_DONE
        nxt = steps[i + 1].pc if i + 1 < len(steps) else last
        ctx = Ctx(me, self.base(me), next_pc=nxt,
                  handler=tmpl.index if tmpl.kind == "handler" else None)
        self.body(step.body, Path((), list(s.slots), {}), run, ctx)
        return run

    def _entry(self, s: SymState, me: int, h: M.Template) -> Run:
        lay, tb = self.m.layout, self.base(me)
        run = Run()
        bit = 1 << h.index
        nh = max(1, len(self.m.handlers))
        v = list(s.slots)
        blocked = _or(_not(_bit(v[tb + lay.installed], h.index)),  # type: ignore[operator]
                      _bit(v[tb + lay.masked], h.index),  # type: ignore[operator]
                      _bit(v[tb + lay.active], h.index),  # type: ignore[operator]
                      _cmp(">=", v[tb + lay.depth], lay.max_depth))  # type: ignore
        p = Path((_not(blocked),), v, {})
        d = v[tb + lay.depth]  # type: ignore[operator]
        for k in range(lay.max_depth):
            slot = tb + lay.saved + k  # type: ignore[operator]
            v[slot] = _ite(_eq(d, k), v[tb], v[slot])
        v[tb + lay.depth] = _arith("+", d, 1)  # type: ignore[operator]
        j = tb + lay.active  # type: ignore[operator]
        v[j] = _bvop("|", v[j], Mask(bit, nh))
        nxt = h.steps[1].pc if len(h.steps) > 1 else M.PC_RETURN
        self.body(h.steps[0].body, p, run, Ctx(me, tb, next_pc=nxt, handler=h.index))
        return run

    def _dtor(self, s: SymState, me: int, d: M.Destructor) -> Run:
        dt, tb = self.m.layout.dtors, self.base(me)
        run = Run()
        v = list(s.slots)
        slot = tb + dt  # type: ignore[operator]
        p = Path((_bit(v[slot], d.index),), v, {})
        v[slot] = _bvop("-", v[slot], Mask(1 << d.index, DTOR_BITS))
        self.body(d.body, p, run, Ctx(me, tb, terminal="dtor"))
        return run

    def body(self, stmts: tuple[M.Stmt, ...], p: Path, run: Run, ctx: Ctx) -> None:
        for q in self.seq(list(stmts), [p], run, ctx):
            self.finish(q, run, ctx, None)

    # ---- statements
    def seq(self, stmts: list[M.Stmt], paths: list[Path], run: Run, ctx: Ctx) -> list[Path]:
        """Run stmts on each path; returns the paths still running at the end."""
        for st in stmts:
            nxt: list[Path] = []
            for p in paths:
                nxt += self.stmt(st, p, run, ctx)
            paths = nxt
            if not paths:
                break
        return paths

    def error(self, p: Path, err: z3.BoolRef, run: Run, prop: str = "bounds") -> bool:
        """A failure where err holds; the path goes on where it does not. False: path is dead."""
        if err is False:
            return True
        run.outcomes.append(Outcome("fail", _and(p.guard, err), prop=prop))
        if err is True:
            return False
        p.conds = p.conds + (_not(err),)
        return True

    def stmt(self, st: M.Stmt, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        if isinstance(st, M.Assign):
            val, err = self.ex(st.value, p, ctx)
            if not self.error(p, err, run):
                return []
            return self.assign_value(st.target, val, p, run, ctx)
        if isinstance(st, M.Let):
            val, err = self.ex(st.value, p, ctx)
            if not self.error(p, err, run):
                return []
            p.env[st.var.uid] = val
            return [p]
        if isinstance(st, (M.Await, M.Assert)):
            val, err = self.ex(st.cond, p, ctx)
            if not self.error(p, err, run):
                return []
            if isinstance(st, M.Assert) and not self.error(p, _not(val), run, st.prop):
                return []
            if isinstance(st, M.Await):
                if val is False:
                    return []
                p.conds = p.conds + ((val,) if val is not True else ())
            return [p]
        if isinstance(st, M.If):
            return self.if_(st, p, run, ctx)
        if isinstance(st, M.Either):
            return [q for block in st.blocks for q in self.seq(list(block), [p.fork()], run, ctx)]
        if isinstance(st, M.Choose):
            return self.choose(st, p, run, ctx)
        if isinstance(st, M.Goto):
            self.finish(p, run, ctx, st.pc)
            return []
        if isinstance(st, M.Exit):
            self.finish(p, run, ctx, M.PC_FREED if st.free else M.PC_DONE)
            return []
        if isinstance(st, M.Spawn):
            return self.spawn(st, p, run, ctx)
        if isinstance(st, M.Fork):
            return self.fork(st, p, run, ctx)
        if isinstance(st, M.Free):
            return self.free(st, p, run, ctx)
        if isinstance(st, M.SigOp):
            lay = self.m.layout
            slot = {"install": lay.installed, "uninstall": lay.installed, "mask": lay.masked,
                    "unmask": lay.masked, "on_exit": lay.dtors}[st.op]
            j = ctx.tb + slot  # type: ignore[operator]
            w = self.kinds[j][1]
            bit = Mask(1 << st.index, w)
            p.v[j] = _bvop("|" if st.op in ("install", "mask", "on_exit") else "-", p.v[j], bit)
            return [p]
        raise Unsupported(f"statement {type(st).__name__} at {st.pos}")

    def if_(self, st: M.If, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        c, err = self.ex(st.cond, p, ctx)
        if not self.error(p, err, run):
            return []
        out = []
        for cond, block in ((c, st.then), (_not(c), st.other)):
            if cond is not False:
                out += self.seq(list(block), [p.fork(cond)], run, ctx)
        if M.branches(st.then) or M.branches(st.other) or len(out) < 2 or \
                any(q.fk != out[0].fk for q in out):
            return out
        # a deterministic if: the surviving paths have exclusive guards, so join them
        n = len(p.conds)
        sel = [_and(*q.conds[n:]) for q in out]
        v = list(out[-1].v)
        for j in range(len(v)):
            for q, g in zip(out[-2::-1], sel[-2::-1]):
                v[j] = _ite(g, q.v[j], v[j])
        return [Path(p.conds + (_or(*sel),), v, p.env, out[0].fk)]

    def choose(self, st: M.Choose, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        out = []
        for member, x in self.members(st.domain, p, run, ctx):
            q = p.fork(member)
            q.env[st.var.uid] = x
            if st.where is not None:
                w, err = self.ex(st.where, q, ctx)
                if not self.error(q, err, run) or w is False:
                    continue
                q = q.fork(w)
            out += self.seq(list(st.body), [q], run, ctx)
        return out

    def members(self, d: M.Domain, p: Path, run: Run,
                ctx: Ctx) -> list[tuple[z3.BoolRef, Value]]:
        """(is a member, value) for each value of the domain's type, in iteration order."""
        values = d.type.values()
        if d.set_expr is None:
            return [(True, _value(d.type, x)) for x in values]
        mask, err = self.ex(d.set_expr, p, ctx)
        if not self.error(p, err, run):
            return []
        return [(_bit(mask, k), _value(d.type, x)) for k, x in enumerate(values)]

    def free(self, st: M.Free, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        t, err = self.ex(st.thread, p, ctx)
        if not self.error(p, err, run):
            return []
        cases = self.threads(t)
        bad = _or(*(_and(c, _not(_eq(p.v[self.base(k)], M.PC_DONE))) for c, k in cases))
        if not self.error(p, bad, run):
            return []
        for c, k in cases:
            j = self.base(k)
            p.v[j] = _ite(c, M.PC_FREED, p.v[j])
        return [p]

    def alloc(self, p: Path, run: Run) -> list[tuple[Path, int]]:
        """One path per id `_alloc` may take (the lowest unused), and "bound" when none is."""
        out = []
        before: list[z3.BoolRef] = []
        for k in range(self.m.pool):
            unused = _eq(p.v[self.base(k)], M.PC_UNUSED)
            c = _and(*before, unused)
            if c is not False:
                out.append((p.fork(*before, unused), k))
            before.append(_not(unused))
            if unused is True:
                return out
        none_left = _and(p.guard, *before)
        if none_left is not False:
            run.outcomes.append(Outcome("bound", none_left))
        return out

    def spawn(self, st: M.Spawn, p0: Path, run: Run, ctx: Ctx) -> list[Path]:
        t = self.m.templates[st.template]
        lay = self.m.layout
        out = []
        for p, child in self.alloc(p0, run):
            args = []
            for a in st.args:
                val, err = self.ex(a, p, ctx)
                if not self.error(p, err, run):
                    break
                args.append(val)
            else:
                base = self.base(child)
                p.v[base] = t.steps[0].pc
                p.v[base + 1] = ctx.me if st.parent else NONE  # type: ignore[arg-type]
                if st.parent and lay.installed is not None:
                    for slot in (lay.installed, lay.masked):
                        p.v[base + slot] = p.v[ctx.tb + slot]  # type: ignore[operator]
                alive = True
                for prm, val in zip(t.params, args):
                    alive = self.error(p, self.out_of_range(prm.type, val), run)
                    if not alive:
                        break
                    self.store(base + prm.slot, prm.type, val, p)
                if not alive:
                    continue
                child_ctx = Ctx(child, base)
                paths = [p]
                inits = [(M.TlsPlace(tl.type, tl.name, tl.slot, None), tl.init)
                         for tl in self.m.thread_locals]
                inits += [(M.LocalPlace(loc.type, loc.name, loc.slot), loc.init)
                          for loc in t.locals]
                for place, init in inits:
                    nxt = []
                    for q in paths:
                        val, err = self.ex(init, q, child_ctx)  # type: ignore[arg-type]
                        if self.error(q, err, run):
                            nxt += self.assign_value(place, val, q, run, child_ctx)
                    paths = nxt
                for q in paths:
                    out += self.set_target(st.target, child, q, run, ctx)
        return out

    def fork(self, st: M.Fork, p0: Path, run: Run, ctx: Ctx) -> list[Path]:
        out = []
        for p, child in self.alloc(p0, run):
            cb = self.base(child)
            p.v[cb] = -1
            p.v[cb + 1] = ctx.me  # type: ignore[arg-type]
            own = isinstance(st.target, M.LocalPlace) or (
                isinstance(st.target, M.TlsPlace) and st.target.thread is None)
            p.fk = p.fk + ((cb, st.target.slot if own else 0),)  # type: ignore[union-attr]
            out += self.set_target(st.target, child, p, run, ctx)
        return out

    def set_target(self, target: M.TExpr | None, child: Any, p: Path, run: Run,
                   ctx: Ctx) -> list[Path]:
        if isinstance(target, M.Bound):
            p.env[target.uid] = child
            return [p]
        if target is None:
            return [p]
        return self.assign_value(target, child, p, run, ctx, check=False)

    def out_of_range(self, t: Type, val: Value) -> z3.BoolRef:
        """An int slot of the value outside its declared range (`none` is fine)."""
        if isinstance(val, list):
            return _or(*(self.out_of_range(lt, x) for lt, x in zip(leaves(t), val)))
        inner = t.inner if isinstance(t, OptionalType) else t
        if not (isinstance(inner, IntType) and inner.lo is not None):
            return False
        if _known(val):
            return not (val == NONE or inner.lo <= val <= inner.hi)  # type: ignore[operator]
        ok = _inside(val, inner.lo, inner.hi)  # type: ignore[arg-type]
        return _not(_or(val == NONE, ok) if isinstance(t, OptionalType) else ok)

    def assign_value(self, target: M.TExpr, val: Value, p: Path, run: Run, ctx: Ctx,
                     check: bool = True) -> list[Path]:
        if check and not self.error(p, self.out_of_range(target.type, val), run):
            return []
        cands, err = self.locate(target, p, ctx)
        if not self.error(p, err, run):
            return []
        ts = leaves(target.type)
        vals = val if isinstance(val, list) else [val]
        for c, off in cands:
            for j, (lt, x) in enumerate(zip(ts, vals)):
                old = p.v[off + j]
                new = self._to_slot(off + j, lt, x)
                p.v[off + j] = _ite(c, new, old)
        return [p]

    def store(self, slot: int, t: Type, val: Any, p: Path) -> None:
        p.v[slot] = self._to_slot(slot, t, val)

    def _to_slot(self, slot: int, t: Type, x: Any) -> Any:
        k, tk = self.kinds[slot], kind_of(t)
        if k == tk:
            return x
        if tk == "b":
            return _ite(x, 1, 0)
        return x.value if isinstance(x, Mask) else z3.BV2Int(x)

    def _from_slot(self, slot: int, t: Type, x: Any) -> Any:
        k, tk = self.kinds[slot], kind_of(t)
        if k == tk:
            return x
        if tk == "b":
            return x != 0 if _known(x) else _not(x == 0)
        return Mask(x, tk[1]) if _known(x) else z3.Int2BV(x, tk[1])

    def finish(self, p: Path, run: Run, ctx: Ctx, pc: int | None) -> None:
        lay, v, tb = self.m.layout, p.v, ctx.tb
        if ctx.terminal == "step":
            target = ctx.next_pc if pc is None else pc
            if target in (M.PC_DONE, M.PC_FREED):
                self.exit(p, tb, target)  # type: ignore[arg-type]
            elif target == M.PC_RETURN:
                d = _arith("-", v[tb + lay.depth], 1)  # type: ignore[operator]
                ret = v[tb]  # type: ignore[index]
                for k in range(lay.max_depth):
                    slot = tb + lay.saved + k  # type: ignore[operator]
                    at = _eq(d, k)
                    ret = _ite(at, v[slot], ret)
                    v[slot] = _ite(at, 0, v[slot])
                v[tb] = ret  # type: ignore[index]
                v[tb + lay.depth] = d  # type: ignore[operator]
                j = tb + lay.active  # type: ignore[operator]
                v[j] = _bvop("-", v[j], Mask(1 << ctx.handler, self.kinds[j][1]))  # type: ignore
            else:
                v[tb] = target  # type: ignore[index]
        elif ctx.terminal == "dtor":
            j = tb + lay.dtors  # type: ignore[operator]
            mask = v[j]
            none_left = _eq(_bvop("-", mask, Mask(M.FREE_BIT, DTOR_BITS)), Mask(0, DTOR_BITS))
            final = _ite(_eq(mask, Mask(0, DTOR_BITS)), M.PC_DONE, M.PC_FREED)
            v[tb] = _ite(none_left, final, v[tb])  # type: ignore[index]
            self._clear(v, tb + 2, tb + self.stride, none_left)  # type: ignore[operator]
        for cb, sl in p.fk:
            v[cb] = v[tb]  # type: ignore[index]
            v[cb + 2:cb + self.stride] = v[tb + 2:tb + self.stride]  # type: ignore[operator]
            if sl:
                v[cb + sl] = NONE
        run.outcomes.append(Outcome("next", p.guard, v))

    def _clear(self, v: list[Any], lo: int, hi: int, cond: z3.BoolRef) -> None:
        for j in range(lo, hi):
            v[j] = _ite(cond, _const(self.kinds[j], 0), v[j])

    def exit(self, p: Path, tb: int, final: int) -> None:
        """Finish the running thread, through its destructors if it registered any."""
        lay, v = self.m.layout, p.v
        if lay.dtors is None:
            v[tb] = final
            self._clear(v, tb + 2, tb + self.stride, True)
            return
        j = tb + lay.dtors
        has = _not(_eq(v[j], Mask(0, DTOR_BITS)))
        mask = _bvop("|", v[j], Mask(M.FREE_BIT, DTOR_BITS)) if final == M.PC_FREED else v[j]
        v[tb] = _ite(has, M.PC_EXITING, final)
        self._clear(v, tb + lay.locals_start, tb + self.stride, True)
        self._clear(v, tb + 2, tb + lay.locals_start, _not(has))
        v[j] = _ite(has, mask, Mask(0, DTOR_BITS))

    # ---- places
    def threads(self, t: Any) -> list[tuple[z3.BoolRef, int]]:
        """(t is k, k) for each thread id k that t may be."""
        if _known(t):
            return [(True, t)] if 0 <= t < self.m.pool else []
        return [(t == k, k) for k in range(self.m.pool)]

    def locate(self, e: M.TExpr, p: Path,
               ctx: Ctx) -> tuple[list[tuple[z3.BoolRef, int]], z3.BoolRef]:
        """Where an addressable place sits in the state: (condition, slot) cases, and errors."""
        if isinstance(e, M.GlobalPlace):
            return [(True, e.offset)], False
        if isinstance(e, M.LocalPlace):
            return [(True, ctx.tb + e.slot)], False  # type: ignore[operator]
        if isinstance(e, M.TlsPlace):
            if e.thread is None:
                return [(True, ctx.tb + e.slot)], False  # type: ignore[operator]
            t, err = self.ex(e.thread, p, ctx)
            return [(c, self.base(k) + e.slot) for c, k in self.threads(t)], err
        if isinstance(e, M.IndexPlace):
            cands, err = self.locate(e.base, p, ctx)
            idx, ierr = self.ex(e.index, p, ctx)
            keys, kerr = self.keys(e, idx)
            w = e.type.width()
            return [(_and(c, kc), off + k * w) for c, off in cands for kc, k in keys], \
                _or(err, ierr, kerr)
        if isinstance(e, M.FieldPlace):
            cands, err = self.locate(e.base, p, ctx)
            return [(c, off + e.offset) for c, off in cands], err
        raise AssertionError(e)

    def keys(self, e: M.IndexPlace, idx: Any) -> tuple[list[tuple[z3.BoolRef, int]], z3.BoolRef]:
        """(idx selects element k, k) for each k, and whether idx is outside the keys."""
        key = e.base.type.key  # type: ignore[attr-defined]
        vals = key.values()
        if _known(idx):
            return ([(True, vals.index(idx))], False) if idx in vals else ([], True)
        cases = [(_eq(idx, _value(key, x)), k) for k, x in enumerate(vals)]
        err = False
        if isinstance(key, IntType):
            it = e.index.type
            exact = isinstance(it, IntType) and it.lo is not None and \
                key.lo <= it.lo and it.hi <= key.hi  # type: ignore[operator]
            if not exact:
                err = _not(_inside(idx, key.lo, key.hi))
        return cases, err

    def read(self, e: M.TExpr, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        ts = leaves(e.type)
        if _addressable(e) or isinstance(e, M.TlsPlace):
            cands, err = self.locate(e, p, ctx)
            root = None
        else:
            cands, err, root = self.locate_in_value(e, p, ctx)
        vals = []
        for j, lt in enumerate(ts):
            x = None
            for c, off in reversed(cands):
                y = root[off + j] if root is not None else \
                    self._from_slot(off + j, lt, p.v[off + j])
                x = y if x is None else _ite(c, y, x)
            vals.append(x if x is not None else _value(lt, lt.default()[0]))
        return (vals if isinstance(e.type, (ArrayType, RecordType)) else vals[0]), err

    def locate_in_value(self, e: M.TExpr, p: Path,
                        ctx: Ctx) -> tuple[list[tuple[z3.BoolRef, int]], z3.BoolRef, list[Any]]:
        """A part of a computed array or record: cases over the value's own slots."""
        if isinstance(e, M.IndexPlace):
            cands, err, root = self.locate_in_value(e.base, p, ctx)
            idx, ierr = self.ex(e.index, p, ctx)
            keys, kerr = self.keys(e, idx)
            w = e.type.width()
            return [(_and(c, kc), off + k * w) for c, off in cands for kc, k in keys], \
                _or(err, ierr, kerr), root
        if isinstance(e, M.FieldPlace):
            cands, err, root = self.locate_in_value(e.base, p, ctx)
            return [(c, off + e.offset) for c, off in cands], err, root
        val, err = self.ex(e, p, ctx)
        return [(True, 0)], err, (val if isinstance(val, list) else [val])

    # ---- expressions
    def ex(self, e: M.TExpr, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        """The value of e on path p, and when evaluating it raises (the explicit EvalError)."""
        if isinstance(e, M.Const):
            return _value(e.type, e.value), False
        if M.is_place(e):
            return self.read(e, p, ctx)
        if isinstance(e, M.Bound):
            return p.env[e.uid], False
        if isinstance(e, M.SelfTid):
            return ctx.me, False  # type: ignore[arg-type]
        if isinstance(e, M.Builtin):
            return self.builtin(e, p, ctx)
        if isinstance(e, M.DefCall):
            d = self.m.defs[e.name]
            env = dict(p.env)
            errs = []
            for prm, a in zip(d.params, e.args):
                env[prm.uid], err = self.ex(a, p, ctx)
                errs.append(err)
            val, err = self.ex(d.body, Path(p.conds, p.v, env), Ctx(None, None))
            return val, _seq_errors(errs + [err])
        if isinstance(e, M.Unary):
            x, err = self.ex(e.operand, p, ctx)
            if e.op == "!":
                return _not(x), err
            if e.op == "-":
                return _arith("-", 0, x), err
            lo, hi = e.type.lo, e.type.hi  # type: ignore[attr-defined]
            return x, _or(err, _not(_inside(x, lo, hi)))
        if isinstance(e, M.Unwrap):
            x, err = self.ex(e.operand, p, ctx)
            return x, _or(err, _eq(x, NONE))
        if isinstance(e, M.Binary):
            return self.binary(e, p, ctx)
        if isinstance(e, M.SetOf):
            return self.set_of(e, p, ctx)
        if isinstance(e, M.Compound):
            vals, errs = [], []
            for item in e.items:
                x, err = self.ex(item, p, ctx)
                vals += x if isinstance(x, list) else [x]
                errs.append(err)
            return vals, _seq_errors(errs)
        if isinstance(e, M.Quant):
            return self.quant(e, p, ctx)
        if isinstance(e, M.Ite):
            c, err = self.ex(e.test, p, ctx)
            a, ea = self.ex(e.then, p, ctx)
            b, eb = self.ex(e.other, p, ctx)
            val = [_ite(c, x, y) for x, y in zip(a, b)] if isinstance(a, list) else _ite(c, a, b)
            return val, _or(err, _ite(c, ea, eb))
        raise Unsupported(f"expression {type(e).__name__}")

    def binary(self, e: M.Binary, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        op = e.op
        a, ea = self.ex(e.left, p, ctx)
        b, eb = self.ex(e.right, p, ctx)
        if op == "&&":
            return _and(a, b), _or(ea, _and(a, eb))
        if op == "||":
            return _or(a, b), _or(ea, _and(_not(a), eb))
        if op == "->":
            return _or(_not(a), b), _or(ea, _and(a, eb))
        err = _seq_errors([ea, eb])
        if op == "in":
            elem = e.right.type.elem  # type: ignore[attr-defined]
            return _or(*(_and(_eq(a, _value(elem, x)), _bit(b, k))
                         for k, x in enumerate(elem.values()))), err
        if op in ("==", "!="):
            eq = _eq(a, b)
            return (eq if op == "==" else _not(eq)), err
        if op in ("<", "<=", ">", ">="):
            return _cmp(op, a, b), err
        if isinstance(e.type, SetType):
            return _bvop(op, a, b), err
        if op in ("/", "%"):
            q = _div(a, b)
            return (q if op == "/" else _arith("-", a, _arith("*", q, b))), _or(err, _eq(b, 0))
        if op in ("+", "-", "*"):
            return _arith(op, a, b), err
        raise Unsupported(f"operator {op}")

    def set_of(self, e: M.SetOf, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        elem = e.type.elem  # type: ignore[attr-defined]
        vals = elem.values()
        items, errs = [], []
        for item in e.items:
            x, err = self.ex(item, p, ctx)
            if isinstance(elem, IntType):
                err = _or(err, _not(_inside(x, vals[0], vals[-1])))
            items.append(x)
            errs.append(err)
        bits = [_or(*(_eq(x, _value(elem, y)) for x in items)) for y in vals]
        return _mask_of(bits), _seq_errors(errs)

    def quant(self, e: M.Quant, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        q0 = Path(p.conds, p.v, dict(p.env))
        errs: list[z3.BoolRef] = []
        if e.domain.set_expr is not None:
            mask, err = self.ex(e.domain.set_expr, p, ctx)
            errs.append(err)
            members = [(_bit(mask, k), _value(e.domain.type, x))
                       for k, x in enumerate(e.domain.type.values())]
        else:
            members = [(True, _value(e.domain.type, x)) for x in e.domain.type.values()]
        bodies = []
        for member, x in members:
            q0.env[e.var.uid] = x
            val, err = self.ex(e.body, q0, ctx)
            bodies.append((member, val, err))
        if e.kind in ("forall", "exists"):
            go_on: list[z3.BoolRef] = []  # the iteration reaches this element
            for member, val, err in bodies:
                errs.append(_and(*go_on, member, err))
                go_on.append(_or(_not(member), val if e.kind == "forall" else _not(val)))
            res = _and(*go_on) if e.kind == "forall" else _not(_and(*go_on))
            return res, _or(*errs)
        errs += [_and(m, err) for m, _, err in bodies]
        hits = [_and(m, val) for m, val, _ in bodies]
        return (_count(hits) if e.kind == "count" else _mask_of(hits)), _or(*errs)

    def builtin(self, e: M.Builtin, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        vals, errs = [], []
        for a in e.args:
            x, err = self.ex(a, p, ctx)
            vals.append(x)
            errs.append(err)
        err = _seq_errors(errs)
        v = p.v
        pcs = [v[self.base(k)] for k in range(self.m.pool)]
        if e.name == "size":
            w = vals[0].width if isinstance(vals[0], Mask) else vals[0].size()
            return _count([_bit(vals[0], k) for k in range(w)]), err
        if e.name == "free_threads":
            return _count([_eq(pc, M.PC_UNUSED) for pc in pcs]), err
        if e.name == "ancestor":
            return self.ancestor(vals[0], vals[1], v), err
        cases = self.threads(vals[0])
        if e.name == "parent":
            out = NONE
            for c, k in cases:
                out = _ite(c, v[self.base(k) + 1], out)
            return out, err
        test = {"alive": lambda pc: _cmp(">=", pc, M.PC_EXITING),
                "done": lambda pc: _or(_eq(pc, M.PC_DONE),
                                       _eq(pc, M.PC_FREED)),
                "freed": lambda pc: _eq(pc, M.PC_FREED)}[e.name]
        return _or(*(_and(c, test(pcs[k])) for c, k in cases)), err

    def ancestor(self, a: Any, b: Any, v: list[Any]) -> z3.BoolRef:
        """`_anc`: follow parent links from b at most pool times, looking for a."""
        def parent_of(t: Any) -> Any:
            out = NONE
            for c, k in self.threads(t):
                out = _ite(c, v[self.base(k) + 1], out)
            return out
        chain = [parent_of(b)]
        for _ in range(self.m.pool - 1):
            chain.append(parent_of(chain[-1]))
        res: z3.BoolRef = False
        for x in reversed(chain):
            res = _ite(_eq(x, NONE), False, _ite(_eq(x, a), True, res))
        return res


def _decide(x: Any) -> bool:
    return x if isinstance(x, bool) else z3.is_true(z3.simplify(x))


def _decode(kind: Kind, x: Any) -> Any:
    """An encoding-time literal (or z3 value) back to the value a state tuple holds."""
    if isinstance(x, Mask):
        return x.value
    if isinstance(x, bool) or kind == "b":
        return x if isinstance(x, bool) else z3.is_true(x)
    n = x if isinstance(x, int) else x.as_long()
    return None if kind == "i" and n == NONE else n


def encode(model: M.Model) -> Encoding:
    return Encoding(model)


def _div(a: Any, b: Any) -> Any:
    """Division rounding towards zero, as C (and the explicit engine) do."""
    if _known(a) and _known(b):
        q = abs(a) // abs(b) if b else 0
        return q if (a >= 0) == (b >= 0) else -q
    a, b = _z(a), _z(b)
    aa, ab = z3.If(a >= 0, a, -a), z3.If(b >= 0, b, -b)
    q = aa / ab
    return z3.If((a >= 0) == (b >= 0), q, -q)


def _seq_errors(errs: list[z3.BoolRef]) -> z3.BoolRef:
    """Operands evaluated one after another: the first that raises ends the expression."""
    return _or(*errs)


def _addressable(e: M.TExpr) -> bool:
    if isinstance(e, (M.GlobalPlace, M.LocalPlace, M.TlsPlace)):
        return True
    if isinstance(e, (M.IndexPlace, M.FieldPlace)):
        return _addressable(e.base)
    return False
