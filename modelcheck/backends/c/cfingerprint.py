"""The level search's fingerprint (`engine.fingerprint`) in C, bit for bit.

A share of the level search may run on either engine, and shares on different
machines must route a state to the same owner; traces are replayed, and checkpoints
read back, by the Python fingerprint. So the native engine does not invent a hash of
its own for the level search: it computes CPython's hash of the tuple the Python
engine hashes (the xxHash-style tuple hash of 3.8 and later over int hashes, `none`
read as -3, a slot Python's int hash would confuse hashed as the pair of its halves).
The test that compares the two on every state of several models guards the copy.
"""

from __future__ import annotations

from ...ir.slots import MERSENNE
from .layout import Layout

# CPython's tuple hash (Objects/tupleobject.c): the three primes and the length mangling
RUNTIME = """
#define PY_P1 11400714785074694791ULL
#define PY_P2 14029467366897019727ULL
#define PY_P5 2870177450012600261ULL
#define PY_NONE ((uint64_t)-3)

static inline uint64_t py_int(int64_t x) { return x == -1 ? (uint64_t)-2 : (uint64_t)x; }

static inline uint64_t py_lane(uint64_t acc, uint64_t lane) {
    acc += lane * PY_P2;
    acc = (acc << 31) | (acc >> 33);
    return acc * PY_P1;
}

static inline uint64_t py_end(uint64_t acc, uint64_t len) {
    acc += len ^ (PY_P5 ^ 3527539ULL);
    return acc == UINT64_MAX ? 1546275796ULL : acc;
}

/* a value Python's int hash would confuse, as the tuple of its halves */
static inline uint64_t py_halves(int64_t hi, int64_t lo) {
    return py_end(py_lane(py_lane(PY_P5, py_int(hi)), py_int(lo)), 2);
}
"""


def fingerprint_source(lay: Layout) -> str:
    """`py_fingerprint(v)`: the fingerprint of an unpacked state, as `engine.fingerprint`
    computes it from the same state's tuple."""
    lines = ["static int64_t py_fingerprint(const int64_t *v) {", "    uint64_t acc = PY_P5;"]
    for k, f in enumerate(lay.fields):
        lane = _lane(f"v[{k}]", f.slot.lo >= 0, f.slot.split)
        if f.slot.none:
            lane = f"(v[{k}] == NONE ? PY_NONE : {lane})"
        lines.append(f"    acc = py_lane(acc, {lane});")
    lines += [f"    return (int64_t)py_end(acc, {lay.width});", "}"]
    return RUNTIME + "\n".join(lines) + "\n"


def _lane(x: str, unsigned: bool, split: bool) -> str:
    if not split:
        return f"py_int({x})"
    if unsigned:  # a set over 64 values: Python reads the bits as an unsigned int
        u = f"(uint64_t){x}"
        return (f"({u} < {MERSENNE}ULL ? {u} : "
                f"py_halves((int64_t)({u} >> 32), (int64_t)({u} & 0xFFFFFFFFULL)))")
    return (f"({x} >= 0 && {x} < {MERSENNE}LL ? (uint64_t){x} : "
            f"py_halves({x} >> 32, {x} & 0xFFFFFFFFLL))")
