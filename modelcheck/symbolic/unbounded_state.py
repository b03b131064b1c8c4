"""The state of the unbounded encoding: per-thread arrays over an uninterpreted sort of ids.

A state has as many thread ids as z3's model wants: globals are constants,
per-thread values (`pc`, `parent`, each local and thread_local) are arrays indexed by the sort
`tid_sort()`, and `ancestor` is a relation kept in the state (`anc`). A `T?` value is
an `Opt`, a `none` flag beside the value. What a symbolic execution over such
states carries (`Path`, `Failure`, `Ctx`) is here too, since its expressions
and its statements both extend it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import z3

from ..ir import model as M
from ..ir.typesys import (
    ArrayType,
    BoolType,
    EnumType,
    IntType,
    OptionalType,
    SetType,
    TidType,
    Type,
    is_compound,
)
from ..lang.errors import Pos
from .encoder import Unsupported
from .pool_slots import leaves


def tid_sort() -> z3.SortRef:
    """The sort of thread ids, declared in z3's current context: a module constant would
    pin every proof to the context of the first one (see `proof_encodings.fresh_context`)."""
    return z3.DeclareSort("Tid")


@dataclass(frozen=True)
class Opt:
    """A `T?` value: `none` is a flag, `val` means something only when the flag is false."""

    none: z3.BoolRef
    val: z3.ExprRef


def where(path: str, pos: Pos) -> str:
    """Where a refused construct is, for the error message."""
    return f"at {path}:{pos.line}" if pos.line else "in the spec"


def not_supported(what: str, path: str, pos: Pos) -> str:
    """The message that refuses a construct, and says where it is."""
    return f"not supported in --unbounded: {what} {where(path, pos)}"


def sort(t: Type, what: str) -> z3.SortRef:
    """The z3 sort of values of type t; `what` names where they appear, for a refusal."""
    if isinstance(t, BoolType):
        return z3.BoolSort()
    if isinstance(t, (IntType, EnumType)):
        return z3.IntSort()
    if isinstance(t, TidType):
        return tid_sort()
    if isinstance(t, SetType) and isinstance(t.elem, TidType):
        return z3.ArraySort(tid_sort(), z3.BoolSort())
    if small_set(t):
        return z3.ArraySort(z3.IntSort(), z3.BoolSort())
    raise Unsupported(f"not supported in --unbounded: values of type {t} ({what})")


def check_type(t: Type, what: str) -> None:
    """Refuse a type some slot of which has no sort here (`sort`); an array indexed by
    thread ids would need one element per id of the unbounded sort (thread_locals say
    that instead)."""
    for leaf in leaves(t):
        sort(leaf.inner if isinstance(leaf, OptionalType) else leaf, what)
    if _over_ids(t):
        raise Unsupported(f"not supported in --unbounded: values of type {t}, an array "
                          f"indexed by thread ids (use a thread_local) ({what})")


def _over_ids(t: Type) -> bool:
    if isinstance(t, OptionalType):
        return _over_ids(t.inner)
    if isinstance(t, ArrayType):
        return isinstance(t.key, TidType) or _over_ids(t.key) or _over_ids(t.elem)
    return is_compound(t) and any(_over_ids(ft) for _, ft in t.fields)  # type: ignore


def small_set(t: Type) -> bool:
    """A set of an enum or an int range: an array from the members' values to bools."""
    return isinstance(t, SetType) and (isinstance(t.elem, EnumType) or
                                       isinstance(t.elem, IntType) and t.elem.lo is not None)


def empty_set(t: Type) -> z3.ArrayRef:
    """The empty set of type t (a set of ids, or a small set)."""
    key = z3.IntSort() if small_set(t) else tid_sort()
    return z3.K(key, z3.BoolVal(False))


def small_set_of(t: SetType, member: Any) -> z3.ArrayRef:
    """The small set whose members are the values v of t's element type with member(v)."""
    out = empty_set(t)
    for v in t.elem.values():
        out = z3.Store(out, v, member(v))
    return out


def size_of(t: SetType, x: z3.ArrayRef) -> z3.ArithRef:
    """The number of members of a small set."""
    return z3.Sum([z3.If(x[v], 1, 0) for v in t.elem.values()])


def value_range(t: Type, x: z3.ExprRef) -> z3.BoolRef:
    """The typing constraint of a scalar slot (a small set holds no value outside its
    element type, so that two sets with the same members are equal arrays)."""
    if isinstance(t, OptionalType):
        raise AssertionError(t)
    if small_set(t):
        return x == small_set_of(t, lambda v: x[v])  # type: ignore[arg-type,index]
    if isinstance(t, IntType) and t.lo is not None:
        return z3.And(t.lo <= x, x <= t.hi)  # type: ignore[operator]
    if isinstance(t, EnumType):
        return z3.And(0 <= x, x < len(t.members))  # type: ignore[operator]
    return z3.BoolVal(True)


def typed_value(t: Type, value: Any) -> z3.BoolRef:
    """The typing constraint of a value of type t (`none`, or a value in range); a compound
    value's, slot by slot."""
    if isinstance(value, list):
        return z3.And([typed_value(lt, v) for lt, v in zip(leaves(t), value)])
    if isinstance(t, OptionalType):
        value = opt(value)
        return z3.Or(value.none, value_range(t.inner, value.val))
    return value_range(t, value)


@dataclass
class State:
    """One symbolic state: globals by name, per-thread arrays, the ancestor relation."""

    prefix: str
    globals: dict[str, Any]
    pc: z3.ArrayRef
    parent: Opt
    locals: dict[str, Any]          # "template.local" -> array over Tid (or Opt of arrays)
    anc: z3.ArrayRef                # anc[a][b]: a is an ancestor of b
    tls: dict[str, Any] = field(default_factory=dict)  # thread_local name -> array over Tid
    sig: dict[str, Any] = field(default_factory=dict)  # `runtime_slots` name -> array over Tid


def runtime_slots(m: M.Model) -> dict[str, z3.SortRef]:
    """The per-thread runtime state of signals and destructors (`ir.model.ThreadLayout`'s
    bitmasks and stack, one array per bit or slot): for each handler whether it is
    installed, masked and running, the nesting depth and the interrupted pcs; for each
    destructor whether it is registered, and whether the thread is freed after them."""
    out: dict[str, z3.SortRef] = {}
    for h in m.handlers:
        out |= {f"{what}.{h.index}": z3.BoolSort() for what in ("installed", "masked", "active")}
    if m.handlers:
        out["depth"] = z3.IntSort()
        out |= {f"saved.{k}": z3.IntSort() for k in range(m.layout.max_depth)}
    out |= {f"dtor.{d.index}": z3.BoolSort() for d in m.destructors}
    if m.destructors:
        out["free_after"] = z3.BoolSort()
    return out


def _var(name: str, t: Type, indexed: bool) -> Any:
    if is_compound(t):  # one per slot (`unbounded_compound`)
        return [_var(f"{name}.{k}", leaf, indexed) for k, leaf in enumerate(leaves(t))]

    def make(suffix: str, s: z3.SortRef) -> z3.ExprRef:
        if indexed:
            return z3.Array(name + suffix, tid_sort(), s)
        return z3.Const(name + suffix, s)
    if isinstance(t, OptionalType):
        return Opt(make(".none", z3.BoolSort()), make("", sort(t.inner, name)))
    return make("", sort(t, name))


def new_state(m: M.Model, prefix: str) -> State:
    """A state of fresh z3 constants, named after prefix."""
    return State(
        prefix,
        {v.name: _var(f"{prefix}{v.name}", v.type, False) for v in m.vars},
        z3.Array(f"{prefix}pc", tid_sort(), z3.IntSort()),
        _var(f"{prefix}parent", OptionalType(TidType(0)), True),
        {f"{t.name}.{loc.name}": _var(f"{prefix}{t.name}.{loc.name}", loc.type, True)
         for t in m.templates.values() for loc in t.params + t.locals},
        z3.Array(f"{prefix}anc", tid_sort(), tid_sort(), z3.BoolSort()),
        {tl.name: _var(f"{prefix}tls.{tl.name}", tl.type, True) for tl in m.thread_locals},
        {n: z3.Array(f"{prefix}rt.{n}", tid_sort(), k) for n, k in runtime_slots(m).items()})


def eq(a: Any, b: Any) -> z3.BoolRef:
    """a == b, where either may be an `Opt`: both `none`, or the same value; compound
    values slot by slot."""
    if isinstance(a, list):
        return z3.And([eq(x, y) for x, y in zip(a, b)])
    if isinstance(a, Opt) or isinstance(b, Opt):
        a, b = opt(a), opt(b)
        return z3.Or(z3.And(a.none, b.none),
                     z3.And(z3.Not(a.none), z3.Not(b.none), a.val == b.val))
    return a == b


def same(a: State, b: State) -> z3.BoolRef:
    """b holds what a holds, everywhere."""
    eqs = [eq(b.globals[n], a.globals[n]) for n in a.globals]
    eqs += [b.pc == a.pc, b.parent.none == a.parent.none, b.parent.val == a.parent.val,
            b.anc == a.anc]
    pairs = [(arr, b.locals[n]) for n, arr in a.locals.items()]
    pairs += [(arr, b.tls[n]) for n, arr in a.tls.items()]
    pairs += [(arr, b.sig[n]) for n, arr in a.sig.items()]


    def pin(arr: Any, other: Any) -> None:
        if isinstance(arr, list):  # a compound value's slots, in order
            for x, y in zip(arr, other):
                pin(x, y)
        elif isinstance(arr, Opt):
            eqs.extend([other.none == arr.none, other.val == arr.val])
        else:
            eqs.append(other == arr)
    for arr, other in pairs:
        pin(arr, other)
    return z3.And(eqs)


def local_key(m: M.Model, name: str, slot: int) -> str:
    """The name of a local's array in `State.locals`."""
    for t in m.templates.values():
        for loc in t.params + t.locals:
            if loc.name == name and loc.slot == slot:
                return f"{t.name}.{name}"
    raise AssertionError(name)


def read_tls(s: State, name: str, who: z3.ExprRef) -> Any:
    """Thread `who`'s copy of the thread_local `name` in s."""
    return at(s.tls[name], who)


def read_local(s: State, t: M.Template, loc: M.Local, who: z3.ExprRef) -> Any:
    """The value of thread `who`'s local `loc` of template t in s."""
    return at(s.locals[f"{t.name}.{loc.name}"], who)


def at(arr: Any, who: z3.ExprRef) -> Any:
    """Thread `who`'s value in a per-thread array (an `Opt` of arrays, or a list of them
    for a compound value)."""
    if isinstance(arr, list):
        return [at(a, who) for a in arr]
    return Opt(arr.none[who], arr.val[who]) if isinstance(arr, Opt) else arr[who]


def opt(x: Any) -> Opt:
    return x if isinstance(x, Opt) else Opt(z3.BoolVal(False), x)


def store(arr: Any, at: z3.ExprRef, value: Any) -> Any:
    """The array (or `Opt` of arrays, or list of them) arr with `value` at index `at`."""
    if isinstance(arr, list):
        return [store(a, at, v) for a, v in zip(arr, value)]
    if isinstance(arr, Opt):
        v = opt(value)
        return Opt(z3.Store(arr.none, at, v.none), z3.Store(arr.val, at, v.val))
    return z3.Store(arr, at, value)


# ---------------------------------------------------------------- symbolic execution

@dataclass
class Path:
    """One way through a step: when it is taken, and the state it leaves."""

    guard: list[z3.BoolRef]
    state: State
    env: dict[int, Any] = field(default_factory=dict)
    next_pc: int | None = None
    children: tuple[tuple[z3.ExprRef, Any], ...] = ()  # forked ids, each with its target

    def fork(self, test: z3.BoolRef) -> Path:
        return Path(self.guard + [test], self.state, dict(self.env), self.next_pc,
                    self.children)


@dataclass
class Failure:
    prop: str
    message: str
    cond: z3.BoolRef
    pos: Pos


@dataclass
class Ctx:
    """Where an expression is evaluated: the state, the acting thread, the bound values,
    the path (whose guard an expression may extend) and the failures it may add."""

    state: State
    me: z3.ExprRef | None
    env: dict[int, Any] = field(default_factory=dict)
    path: Path | None = None
    fails: list[Failure] = field(default_factory=list)
    pos: Pos = Pos(0, 0)
    universe: list[z3.ExprRef] | None = None

    def with_env(self, env: dict[int, Any]) -> Ctx:
        return Ctx(self.state, self.me, env, self.path, self.fails, self.pos, self.universe)
