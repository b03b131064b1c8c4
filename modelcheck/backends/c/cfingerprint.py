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
from .layout import Field, Layout

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

/* the same with lane * PY_P2 given: a small value's is read from PY_M2, and the hash,
 * bound by its multiplications, does one a slot instead of two */
static inline uint64_t py_lane_m(uint64_t acc, uint64_t m) {
    acc += m;
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


P2, NONE_HASH = 14029467366897019727, (1 << 64) - 3
SMALL = range(-1, 255)  # the values whose lane * PY_P2 is in the table


def _table() -> str:
    """PY_M2[v + 1] = py_int(v) * PY_P2 for v in SMALL (Python hashes -1 as -2)."""
    products = [((-2 if v == -1 else v) * P2) % (1 << 64) for v in SMALL]
    rows = [", ".join(f"{m}ULL" for m in products[k:k + 4]) for k in range(0, len(products), 4)]
    return ("static const uint64_t PY_M2[] = {\n    " + ",\n    ".join(rows) + "\n};\n"
            f"#define PY_NONE_M2 {NONE_HASH * P2 % (1 << 64)}ULL\n")


def fingerprint_source(lay: Layout) -> str:
    """`py_fingerprint(v)`: the fingerprint of an unpacked state, as `engine.fingerprint`
    computes it from the same state's tuple; and `py_fingerprint4(v, out)`, of four states
    W slots apart at once. One hash is a chain of dependent multiplications, as long as
    the state is wide; four independent chains run side by side in about the same time.
    (Eight in AVX-512 registers were no faster here: a multiplication there takes 15
    cycles.)"""
    one = ["static int64_t py_fingerprint(const int64_t *v) {", "    uint64_t acc = PY_P5;"]
    four = ["static void py_fingerprint4(const int64_t *v, int64_t *out) {",
            "    uint64_t acc[4] = {PY_P5, PY_P5, PY_P5, PY_P5};"]
    for k, f in enumerate(lay.fields):
        one.append(f"    acc = py_lane_m(acc, {_item(f'v[{k}]', f)});")
        four += [f"    acc[{j}] = py_lane_m(acc[{j}], {_item(f'v[{j * lay.width + k}]', f)});"
                 for j in range(4)]
    one += [f"    return (int64_t)py_end(acc, {lay.width});", "}"]
    four += [f"    for (int j = 0; j < 4; j++) out[j] = (int64_t)py_end(acc[j], {lay.width});",
             "}"]
    return RUNTIME + _table() + "\n".join(one + four) + "\n"


def _item(x: str, f: Field) -> str:
    """A slot's lane times PY_P2."""
    if f.slot.lo in SMALL and f.slot.hi in SMALL:
        m = f"PY_M2[{x} + 1]"
        return f"({x} == NONE ? PY_NONE_M2 : {m})" if f.slot.none else m
    lane = _lane(x, f.slot.lo >= 0, f.slot.split)
    return f"({x} == NONE ? PY_NONE : {lane}) * PY_P2" if f.slot.none else f"{lane} * PY_P2"


def _lane(x: str, unsigned: bool, split: bool) -> str:
    if not split:
        return f"py_int({x})"
    if unsigned:  # a set over 64 values: Python reads the bits as an unsigned int
        u = f"(uint64_t){x}"
        return (f"({u} < {MERSENNE}ULL ? {u} : "
                f"py_halves((int64_t)({u} >> 32), (int64_t)({u} & 0xFFFFFFFFULL)))")
    return (f"({x} >= 0 && {x} < {MERSENNE}LL ? (uint64_t){x} : "
            f"py_halves({x} >> 32, {x} & 0xFFFFFFFFLL))")
