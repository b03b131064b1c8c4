"""A state's 64-bit fingerprint: the same in every process, on every machine.

The fingerprint store keeps only these, and the level search routes each state
to the share that owns its fingerprint, so two processes must compute the same
number for the same state. Python's `hash` of a tuple of ints is such a function,
but `hash(None)` is derived from an address (before Python 3.12), so every slot
that may hold None is read through a stand-in int. And Python hashes an int modulo
2^61 - 1 with -1 mapped to -2: a slot that can hold -2 and -1, or values 2^61
apart (a set over more than 61 values, the destructor mask with its FREE_BIT),
would make states collide by construction, so such slots are split into halves
first. Either way a collision is again a coincidence (`store.collision_note`).

The function is generated per model from its slot ranges (`ir.slots`), so a
slot that needs neither costs a plain index.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from ..ir.model import Model
from ..ir.slots import MERSENNE, Slot, state_slots

NONE = -3  # stands for None: no int a slot holds hashes to -3 unless the slot is split


@lru_cache(maxsize=16)  # a model's states are fingerprinted by every share and replay
def fingerprint_of(model: Model) -> Callable[[tuple], int]:
    items = [_item(k, slot) for k, slot in enumerate(state_slots(model))]
    source = "def fingerprint(s):\n    return hash((" + "".join(f"{i}, " for i in items) + "))\n"
    namespace = {"NONE": NONE, "_wide": _wide}
    exec(compile(source, f"<fingerprint of {model.name}>", "exec"), namespace)
    return namespace["fingerprint"]  # type: ignore[no-any-return]


def _item(k: int, slot: Slot) -> str:
    if slot.split:
        return f"_wide(s[{k}])"
    if slot.none:
        return f"(NONE if s[{k}] is None else s[{k}])"
    return f"s[{k}]"


def _wide(v: int | None) -> int | tuple[int, int]:
    if v is None:
        return NONE
    return v if 0 <= v < MERSENNE else (v >> 32, v & 0xFFFFFFFF)
