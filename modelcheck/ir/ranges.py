"""Which values need a range check: the rule every back end follows.

A value stored into a bounded place is checked (a `bounds` violation when it does not
fit) unless its type already says it fits, and a set member outside the set's element
range is an evaluation error unless its type rules that out. Both engines must check
exactly the same stores and members, or one would report a violation the other does not,
so the rule is written here once.
"""

from __future__ import annotations

from . import model as M
from .typesys import ArrayType, IntType, RecordType, Type, strip_optional


def range_slots(t: Type, off: int = 0) -> list[tuple[int, int, int]]:
    """(slot, lo, hi) for every bounded-int slot in a value of type t."""
    inner = strip_optional(t)
    if isinstance(inner, IntType) and inner.lo is not None:
        return [(off, inner.lo, inner.hi)]  # type: ignore[list-item]
    if isinstance(t, ArrayType):
        w = t.elem.width()
        return [c for k in range(len(t.key.values())) for c in range_slots(t.elem, off + k * w)]
    if isinstance(t, RecordType):
        return [c for name, ft in t.fields
                for c in range_slots(ft, off + t.field(name)[0])]  # type: ignore[index]
    return []


def fits(value: M.TExpr, target: Type) -> bool:
    """Whether a value is known to fit the target's ranges without a run-time check."""
    if isinstance(value, M.Const):
        return True  # constants were checked against the target by the checker
    vt, tt = strip_optional(value.type), strip_optional(target)
    if isinstance(vt, IntType) and isinstance(tt, IntType):
        return vt.lo is not None and tt.lo <= vt.lo and vt.hi <= tt.hi  # type: ignore
    return M.is_place(value) and value.type == target


def within(t: Type, elem: Type) -> bool:
    """Whether values of type t always index into a set of `elem` (no run-time check)."""
    if not isinstance(elem, IntType):
        return True
    inner = strip_optional(t)
    return isinstance(inner, IntType) and inner.lo is not None and \
        elem.lo <= inner.lo and inner.hi <= elem.hi  # type: ignore[operator]
