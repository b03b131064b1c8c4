"""How a state sits in memory in the native engine: packed for storage, unpacked for work.

Steps read and write an unpacked state, one `int64_t` per slot (`none` is `NONE`, the
least int64), exactly like the Python back end's lists. A stored or hashed state is
packed: each slot becomes the code `value - lo` (`none` codes 0 and shifts the rest up
by one) in as many bits as its range needs (`ir.slots`), fields packed into 64-bit
words without straddling one, and the words cut to the bytes actually used. So a state
costs as few bytes as its domains allow, and two states are equal exactly when their
packed bytes are.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...ir.model import Model
from ...ir.slots import Slot, state_slots

NONE = -(1 << 63)  # an unpacked slot holding `none`


@dataclass(frozen=True)
class Field:
    slot: Slot
    word: int
    shift: int
    bits: int


@dataclass(frozen=True)
class Layout:
    fields: list[Field]
    words: int       # 64-bit words of a packed state, before cutting to `size`
    size: int        # bytes of a packed state

    @property
    def width(self) -> int:
        """Slots of an unpacked state."""
        return len(self.fields)

    def to_slots(self, state: tuple) -> list[int]:
        """A Python state as the unpacked int64 values the native engine reads (a mask of
        a set over 64 values travels as the signed int64 with the same bits)."""
        return [NONE if v is None else v - (1 << 64) if v >= 1 << 63 else int(v)
                for v in state]

    def from_slots(self, values: list[int]) -> tuple:
        """An unpacked native state as the Python tuple the rest of mcheck reads (`NONE` is
        none only where a slot may hold none: elsewhere it is the set holding 63 alone)."""
        return tuple(None if v == NONE and f.slot.none
                     else v + (1 << 64) if v < 0 and f.slot.lo >= 0 else v
                     for v, f in zip(values, self.fields))


def layout(model: Model) -> Layout:
    fields: list[Field] = []
    word, used = 0, 0
    for slot in state_slots(model):
        bits = max(1, (slot.values - 1).bit_length())
        if used + bits > 64:
            word, used = word + 1, 0
        fields.append(Field(slot, word, used, bits))
        used += bits
    total = word * 64 + used
    return Layout(fields, word + 1, max(1, (total + 7) // 8))


def pack_source(lay: Layout) -> str:
    """C functions `pack_words` (unpacked -> the packed state's words; the runtime stores
    their first PACKED bytes) and `unpack` (bytes -> unpacked). Hashing reads the words
    before they are stored as bytes: reading back just-written bytes as words would stall
    the CPU."""
    put = [f"    memset(w, 0, sizeof(uint64_t) * {lay.words});"]
    get = [f"    uint64_t w[{lay.words}] = {{0}};", "    memcpy(w, in, PACKED);"]
    for k, f in enumerate(lay.fields):
        lo, none = f.slot.lo, f.slot.none
        mask = f"{(1 << f.bits) - 1}ULL"
        code = f"((uint64_t)v[{k}] - (uint64_t)({_c(lo)}))"
        if none:
            code = f"(v[{k}] == NONE ? 0 : {code} + 1)"
        put.append(f"    w[{f.word}] |= {code} << {f.shift};")
        raw = f"((w[{f.word}] >> {f.shift}) & {mask})" if f.bits < 64 else f"w[{f.word}]"
        value = f"(int64_t)({raw} + (uint64_t)({_c(lo)}))"
        if none:
            value = f"({raw} == 0 ? NONE : (int64_t)({raw} - 1 + (uint64_t)({_c(lo)})))"
        get.append(f"    v[{k}] = {value};")
    return ("static inline void pack_words(const int64_t *v, uint64_t *w) {\n"
            + "\n".join(put) + "\n}\n\n"
            "static void unpack(const uint8_t *in, int64_t *v) {\n" + "\n".join(get) + "\n}\n")


def _c(n: int) -> str:
    """An integer literal C reads as the same 64-bit pattern."""
    if n == NONE:
        return "NONE"
    if n < 0:
        return f"(-{-n}LL)" if -n < (1 << 63) else "NONE"
    return f"{n}ULL" if n >= (1 << 63) else f"{n}LL"
