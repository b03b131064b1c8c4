"""What each slot of a state can hold: an integer range, and whether `none` too.

A state is a flat tuple (see `model.ThreadLayout`), and every consumer that must
know more than "a tuple" asks here: the fingerprint (which slots may hold None,
whose hash differs between processes, or values Python's int hash would confuse)
and a back end that packs states into as few bits as the slots' ranges allow.
The ranges cover every value a reachable state can put in the slot, including
the zeros of a thread block that is unused or cleared after its thread finished.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import FREE_BIT, Model
from .typesys import ArrayType, BoolType, IntType, OptionalType, RecordType, SetType, Type

MERSENNE = (1 << 61) - 1  # Python hashes an int modulo this prime


@dataclass(frozen=True)
class Slot:
    lo: int
    hi: int
    none: bool = False  # may hold None (`none`, or the parent of a thread nobody spawned)

    def join(self, other: Slot) -> Slot:
        return Slot(min(self.lo, other.lo), max(self.hi, other.hi), self.none or other.none)

    @property
    def split(self) -> bool:
        """Whether Python's int hash would make two of its values collide by construction
        (-2 and -1, or values 2^61 - 1 apart): a fingerprint hashes such a slot's values
        in two halves (`engine.fingerprint`, and the native engine's copy of it)."""
        return self.lo <= -2 or self.hi >= MERSENNE

    @property
    def values(self) -> int:
        """How many distinct values the slot can hold."""
        return self.hi - self.lo + 1 + self.none


def type_slots(t: Type) -> list[Slot]:
    """The slots of a value of type t, in the order they sit in a state."""
    if isinstance(t, OptionalType):
        inner, = type_slots(t.inner)
        return [Slot(inner.lo, inner.hi, True)]
    if isinstance(t, ArrayType):
        return type_slots(t.elem) * len(t.key.values())
    if isinstance(t, RecordType):
        return [s for _, ft in t.fields for s in type_slots(ft)]
    if isinstance(t, SetType):
        return [Slot(0, (1 << len(t.elem.values())) - 1)]
    if isinstance(t, BoolType):
        return [Slot(0, 1)]
    if isinstance(t, IntType) and (t.lo is None or t.hi is None):
        raise TypeError("an unbounded int has no slot")  # the checker never stores one
    values = t.values()
    return [Slot(min(values), max(values))]


def state_slots(model: Model) -> list[Slot]:
    """One `Slot` per position of the model's state tuples."""
    out = [s for var in model.vars for s in type_slots(var.type)]
    lay = model.layout
    last_pc = max(model.steps_by_pc, default=0)
    block = [Slot(0, 0)] * model.thread_stride  # an unused block is all zeros
    block[0] = Slot(0, last_pc)
    block[1] = Slot(0, model.pool - 1, True)
    if lay.dtors is not None:
        block[lay.dtors] = Slot(0, (1 << len(model.destructors)) - 1 | FREE_BIT)
    if lay.installed is not None:
        full = (1 << len(model.handlers)) - 1
        for at in (lay.installed, lay.masked, lay.active):
            block[at] = Slot(0, full)  # type: ignore[index]
        block[lay.depth] = Slot(0, lay.max_depth)  # type: ignore[index]
        for k in range(lay.max_depth):
            block[lay.saved + k] = Slot(0, last_pc)  # type: ignore[operator]
    for at, t in lay.tls.values():
        block[at] = block[at].join(type_slots(t)[0])
    for tpl in [*model.templates.values(), *model.handlers]:
        for local in [*tpl.params, *tpl.locals]:
            for k, s in enumerate(type_slots(local.type)):
                block[local.slot + k] = block[local.slot + k].join(s)
    return out + block * model.pool

