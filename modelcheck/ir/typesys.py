"""Types of the spec language and how their values sit in a state.

A state is a flat tuple. Scalars (bool, int ranges, enum members, thread ids,
optional scalars) take one slot each, holding a small int (bools as Python
bools, `none` as Python None). A set over a finite type is one slot holding a
bitmask. Arrays and records are flattened into consecutive slots, so every
place in a state has a static offset plus at most a computed index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Type:
    def width(self) -> int:
        return 1

    def values(self) -> list[Any]:
        """Every encoded value, in the order used for iteration and sets."""
        raise TypeError(f"{self} is not a finite domain")

    def index_code(self, code: str) -> str:
        """Python expression mapping an encoded value to its 0-based index."""
        return code

    def default(self) -> list[Any]:
        return [0]


@dataclass(frozen=True)
class BoolType(Type):
    def __str__(self) -> str:
        return "bool"

    def values(self) -> list[Any]:
        return [False, True]

    def default(self) -> list[Any]:
        return [False]


@dataclass(frozen=True)
class IntType(Type):
    """A bounded range; (None, None) is the type of unbounded int expressions."""

    lo: int | None = None
    hi: int | None = None

    def __str__(self) -> str:
        return "int" if self.lo is None else f"{self.lo}..{self.hi}"

    def values(self) -> list[Any]:
        if self.lo is None or self.hi is None:
            raise TypeError("unbounded int is not a finite domain")
        return list(range(self.lo, self.hi + 1))

    def index_code(self, code: str) -> str:
        return code if not self.lo else f"({code} - {self.lo})"

    def default(self) -> list[Any]:
        return [self.lo if self.lo is not None and self.lo > 0 else min(0, self.hi or 0)]


@dataclass(frozen=True)
class EnumType(Type):
    name: str
    members: tuple[str, ...]

    def __str__(self) -> str:
        return self.name

    def values(self) -> list[Any]:
        return list(range(len(self.members)))


@dataclass(frozen=True)
class TidType(Type):
    count: int

    def __str__(self) -> str:
        return "tid"

    def values(self) -> list[Any]:
        return list(range(self.count))


@dataclass(frozen=True)
class ScalarsetType(TidType):
    """A `symmetric type`: `count` interchangeable ids 0..count-1, distinct from ints and tids.

    Its values can only be stored, compared for equality, used as indexes and
    set members, so permuting them maps executions to executions.
    """

    name: str = ""

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class OptionalType(Type):
    inner: Type

    def __str__(self) -> str:
        return f"{self.inner}?"

    def values(self) -> list[Any]:
        return [None, *self.inner.values()]

    def default(self) -> list[Any]:
        return [None]


@dataclass(frozen=True)
class SetType(Type):
    elem: Type

    def __str__(self) -> str:
        return f"set of {self.elem}"

    def values(self) -> list[Any]:
        return list(range(1 << len(self.elem.values())))


@dataclass(frozen=True)
class ArrayType(Type):
    key: Type
    elem: Type

    def __str__(self) -> str:
        return f"array[{self.key}] of {self.elem}"

    def width(self) -> int:
        return len(self.key.values()) * self.elem.width()

    def default(self) -> list[Any]:
        return self.elem.default() * len(self.key.values())


@dataclass(frozen=True)
class RecordType(Type):
    fields: tuple[tuple[str, Type], ...]

    def __str__(self) -> str:
        return "record { " + ", ".join(f"{n}: {t}" for n, t in self.fields) + " }"

    def width(self) -> int:
        return sum(t.width() for _, t in self.fields)

    def field(self, name: str) -> tuple[int, Type] | None:
        """Slot offset of a field inside the record, and its type."""
        off = 0
        for n, t in self.fields:
            if n == name:
                return off, t
            off += t.width()
        return None

    def default(self) -> list[Any]:
        return [v for _, t in self.fields for v in t.default()]


@dataclass(frozen=True)
class BigSetType(ArrayType):
    """A `set of T` that one 64-bit mask cannot hold: T a record, or more than 64 values.
    Stored as one bool per value of T (`key` numbers them, in `members` order), so every
    back end sees an array of bools; the checker spells the set operations over it
    (`check/big_sets.py`)."""

    member: Type = BoolType()

    def __str__(self) -> str:
        return f"set of {self.member}"

    def members(self) -> list[Any]:
        """Every value of T as it sits in a state (a record as the tuple of its slots),
        in the numbering's order: the last field counts fastest."""
        return all_values(self.member)


@dataclass(frozen=True)
class MemberNumber(IntType):
    """The number of a member of a `BigSetType`, as a binder over such a set ranges over
    it: an int to every back end, the member itself in a trace's choices."""

    of: BigSetType | None = None


def all_values(t: Type) -> list[Any]:
    if isinstance(t, RecordType):
        out: list[Any] = [()]
        for _, f in t.fields:
            out = [(*a, *(b if isinstance(b, tuple) else (b,))) for a in out
                   for b in all_values(f)]
        return out
    return t.values()


@dataclass(frozen=True)
class SeqType(RecordType):
    """`seq[K] of T`, stored as the record {len: 0..K, items: array[0..K-1] of T} whose items
    past `len` hold T's default, so equal sequences are equal slot for slot. Every back
    end sees a record; the checker spells the operations in records and arrays
    (`check/sequences.py`)."""

    capacity: int = 0

    @staticmethod
    def of(capacity: int, elem: Type) -> SeqType:
        items = ArrayType(IntType(0, capacity - 1), elem)
        return SeqType((("len", IntType(0, capacity)), ("items", items)), capacity)

    @property
    def elem(self) -> Type:
        return self.fields[1][1].elem  # type: ignore[attr-defined]

    def __str__(self) -> str:
        return f"seq[{self.capacity}] of {self.elem}"


@dataclass(frozen=True)
class TupleType(RecordType):
    """`tuple(A, B)`, stored as the record whose fields are named 0, 1, ...: every back end
    sees a record (`check/tuples.py`)."""

    @staticmethod
    def of(items: tuple[Type, ...]) -> TupleType:
        return TupleType(tuple((str(k), t) for k, t in enumerate(items)))

    def __str__(self) -> str:
        return "tuple(" + ", ".join(str(t) for _, t in self.fields) + ")"


@dataclass(frozen=True)
class KeyedArrayType(ArrayType):
    """An array indexed by tuples (or records): one element per value of `index`, in the
    order `check/big_sets.py` numbers them, so every back end sees an array over 0..n-1."""

    index: Type = BoolType()

    def __str__(self) -> str:
        return f"array[{self.index}] of {self.elem}"


@dataclass(frozen=True)
class EmptySetType(Type):
    """The type of `{}` before context tells which set type it is."""

    def __str__(self) -> str:
        return "empty set"


@dataclass(frozen=True)
class NoneType(Type):
    """The type of a bare `none` before context tells which optional it is."""

    def __str__(self) -> str:
        return "none"


@dataclass(frozen=True, eq=False)
class Written:
    """What an expression of the checked model (`model.TExpr`, which extends it) carries
    for the reports beside its type: how the user wrote it where the checker spelled it in
    other nodes (`q.items[k]` for `q[k]`; `check/spelling.py`), as a format, its binding
    strength and its operands with the strength each needs; None where the nodes say it."""

    spelling: tuple | None = field(default=None, kw_only=True, repr=False)


BOOL = BoolType()
INT = IntType()


def is_int(t: Type) -> bool:
    return isinstance(t, IntType)


def strip_optional(t: Type) -> Type:
    return t.inner if isinstance(t, OptionalType) else t


def is_compound(t: Type) -> bool:
    """Arrays and records travel as tuples of slots, even when they have one slot."""
    return isinstance(t, (ArrayType, RecordType))


def assignable(target: Type, source: Type) -> bool:
    """Whether a value of `source` type may be stored in `target` (ranges checked at run time)."""
    if isinstance(target, IntType):
        return isinstance(source, IntType)
    if isinstance(target, OptionalType):
        return isinstance(source, NoneType) or assignable(target.inner, strip_optional(source))
    if isinstance(target, SetType):
        return isinstance(source, EmptySetType) or (
            isinstance(source, SetType) and source.elem == target.elem)
    if isinstance(target, ArrayType):
        return isinstance(source, ArrayType) and source.key == target.key \
            and assignable(target.elem, source.elem)
    if isinstance(target, RecordType):
        return isinstance(source, RecordType) and [n for n, _ in source.fields] == \
            [n for n, _ in target.fields] and all(
                assignable(a, b) for (_, a), (_, b) in zip(target.fields, source.fields))
    return target == strip_optional(source)


def comparable(a: Type, b: Type) -> bool:
    a0, b0 = strip_optional(a), strip_optional(b)
    if isinstance(a0, NoneType) or isinstance(b0, NoneType):
        return isinstance(a, (OptionalType, NoneType)) or isinstance(b, (OptionalType, NoneType))
    if isinstance(a0, IntType) and isinstance(b0, IntType):
        return True
    if isinstance(a0, EmptySetType) or isinstance(b0, EmptySetType):
        return isinstance(a0, (SetType, EmptySetType)) and isinstance(b0, (SetType, EmptySetType))
    return assignable(a0, b0) or assignable(b0, a0)
