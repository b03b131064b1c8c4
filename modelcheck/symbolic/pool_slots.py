"""The fixed-pool state: one z3 constant per slot of the explicit engine's state tuple.

Certification, the cross-check and the CTIs of `mcheck prove` all move between
explicit state tuples and z3 states, so that map lives in one place. Values sit
in the constants exactly as `typesys` encodes them in the tuple, so an explicit
state maps 1:1 to an assignment and back (`fixed`, `equals`, `concrete`):

- bool slots are z3 Bools; sets are bit-vectors as wide as their element type
  (bit i: the i-th value of the element type); everything else (ints, enum
  members, tids, pcs, parents, depths) is a z3 Int, with `none` as `NONE`.
- A thread's local slots are shared by the templates; where they disagree on
  the sort, the slot is an Int (bools as 0/1, sets as their mask).
- The destructor mask is 63 bits (bit 62 is `FREE_BIT`); the handler masks are
  as wide as there are handlers.
"""

from __future__ import annotations

from typing import Any

import z3

from ..ir import model as M
from ..ir.typesys import (
    ArrayType,
    BoolType,
    EmptySetType,
    NoneType,
    OptionalType,
    RecordType,
    SetType,
    Type,
)
from .pool_folds import Mask, and_, eq, inside, ite, known, not_, or_, term

NONE = -(1 << 31)   # the Int value standing for `none`
DTOR_BITS = 63      # the destructor mask: 60 destructors at most, FREE_BIT is bit 62

Kind = Any  # "b" (Bool), "i" (Int) or ("v", width) (bit-vector)
Value = Any  # a z3 term, or a list of them for arrays and records


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


def literal(kind: Kind, v: Any) -> Any:
    """A slot value of the state tuple as an encoding-time literal (see `pool_folds`)."""
    if kind == "b":
        return bool(v)
    if kind == "i":
        return NONE if v is None else int(v)
    return Mask(int(v), kind[1])


def encoded(t: Type, v: Any) -> Value:
    """A Const's encoded value (Python literals: see `pool_folds`)."""
    if isinstance(t, (ArrayType, RecordType)):
        return [literal(kind_of(x), y) for x, y in zip(leaves(t), v)]
    if isinstance(t, EmptySetType):
        return Mask(0, 0)  # `{}` where no context gave it a type, as in size({})
    if isinstance(t, NoneType):
        return NONE
    return literal(kind_of(t), v)


def decode(kind: Kind, x: Any) -> Any:
    """An encoding-time literal (or z3 value) back to the value a state tuple holds."""
    if isinstance(x, Mask):
        return x.value
    if isinstance(x, bool) or kind == "b":
        return x if isinstance(x, bool) else z3.is_true(x)
    n = x if isinstance(x, int) else x.as_long()
    return None if kind == "i" and n == NONE else n


def in_domain(t: Type, x: Any) -> z3.BoolRef:
    """x holds a value of scalar type t."""
    vals = t.values() if not isinstance(t, SetType) else None
    if vals is None:
        return True  # a bit-vector as wide as the element type: every mask is a set
    if isinstance(t, BoolType):
        return True
    if isinstance(t, OptionalType):
        return or_(eq(x, NONE), in_domain(t.inner, x))
    return inside(x, vals[0], vals[-1])


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
        if known(x):
            return eq(x, value)
        key = (j, value) if known(value) else (j, "ast", value.get_id())
        if key not in self.eqs:
            self.eqs[key] = eq(x, value)
        return self.eqs[key]

    def __getitem__(self, i: int) -> Any:
        return self.slots[i]

    def __len__(self) -> int:
        return len(self.slots)


class Slots:
    """The sort of every slot of a model's states, and states made of z3 constants."""

    def __init__(self, model: M.Model):
        self.m = model
        self.tb0 = model.thread_base
        self.stride = model.thread_stride
        self.kinds, self.types = self._slot_kinds()

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
        """The slot of the thread's pc: its block starts there."""
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
        """A concrete state's slots as encoding-time literals (see `pool_folds`)."""
        return [literal(k, v) for k, v in zip(self.kinds, state)]

    def equals(self, s: SymState, state: tuple) -> z3.BoolRef:
        return term(self.same(s, self.literals(state)))

    def at(self, formula: z3.ExprRef, *bindings: tuple[SymState, tuple]) -> z3.ExprRef:
        """The formula with symbolic states replaced by concrete ones, simplified by z3."""
        pairs = [(x, term(y)) for s, state in bindings
                 for x, y in zip(s.slots, self.literals(state))]
        return z3.simplify(z3.substitute(formula, *pairs))

    def concrete(self, zm: z3.ModelRef, s: SymState) -> tuple:
        return tuple(decode(k, zm.eval(x, model_completion=True))
                     for x, k in zip(s.slots, self.kinds))

    def same(self, t: SymState, v: list[Any]) -> z3.BoolRef:
        """Every slot of t holds the value v has there."""
        return and_(*(t.eq(j, y) for j, y in enumerate(v)))

    def to_slot(self, slot: int, t: Type, x: Any) -> Any:
        """A value of type t as the slot stores it (an Int slot shared with other sorts)."""
        k, tk = self.kinds[slot], kind_of(t)
        if k == tk:
            return x
        if tk == "b":
            return ite(x, 1, 0)
        return x.value if isinstance(x, Mask) else z3.BV2Int(x)

    def from_slot(self, slot: int, t: Type, x: Any) -> Any:
        """What a slot stores, read back as a value of type t."""
        k, tk = self.kinds[slot], kind_of(t)
        if k == tk:
            return x
        if tk == "b":
            return x != 0 if known(x) else not_(x == 0)
        return Mask(x, tk[1]) if known(x) else z3.Int2BV(x, tk[1])
