"""Where the value of a place is found: in the state itself, or inside a computed value.

The Python code generator and the evaluator behind explanations must locate a place's
slots the same way, or an explanation could read a different value, or fail where the
compiled code does not. A global or a local of the running thread, and an element
or field of one, sits at an offset of the state; an element or field of any other
value (a thread-local, a definition's result, a literal) is taken from that value,
read out first as a tuple of slots.
"""

from __future__ import annotations

from .model import FieldPlace, GlobalPlace, IndexPlace, LocalPlace, TExpr


def addressable(e: TExpr) -> bool:
    """Whether the place `e` is at an offset of the state (else its base is read as a value,
    then indexed)."""
    while isinstance(e, (IndexPlace, FieldPlace)):
        e = e.base
    return isinstance(e, (GlobalPlace, LocalPlace))
