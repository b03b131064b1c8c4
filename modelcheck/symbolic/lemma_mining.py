"""Candidate lemmas mined from the reachable states of the spec's own pool, as DistAI and
I4 mine them from small instances: every clause of one or two literals over `lemma_atoms`,
quantified over one or two distinct thread ids, that no reachable state falsifies, and
the three-literal ones `lemma_guarded` finds under a step of a thread.

The explicit engine enumerates the states (without symmetry reduction, so that a lemma
about thread 0 is checked on thread 0); each state and each ordered pair of thread ids
(a, b) gives one row of atom values. Rows repeat a lot, so they are kept once; a
clause `l1 || l2` holds in every row exactly when no row makes both literals false,
which one product of the row matrix with itself counts for all pairs at once.
Mining only proposes: `houdini` keeps the candidates z3 shows inductive, so a
candidate the engine got wrong (an incomplete search) is dropped there, not trusted.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..ir import model as M
from .lemma_atoms import Atom, Naming, compare
from .lemma_guarded import guarded
from .pool_slots import NONE

MAX_VALUES = 8       # a slot with more distinct values gets no equality atoms
MAX_PCS = 64         # nor a pc slot with more steps in use than this
CHUNK = 4096         # states turned into rows at a time


@dataclass(frozen=True)
class Clause:
    """A disjunction of literals (atom, positive), for all distinct ids of its variables."""

    literals: tuple[tuple[Atom, bool], ...]

    def vars(self) -> int:
        """How many thread ids the clause quantifies over (0, 1 or 2)."""
        used: set[int] = set()
        for atom, _ in self.literals:
            used |= atom.vars()
        return len(used)


def as_array(states: Iterable[tuple]) -> np.ndarray:
    """States as an int64 matrix (`none` as the encoding's NONE, booleans as 0/1)."""
    rows = [[NONE if v is None else int(v) for v in s] for s in states]
    return np.array(rows, dtype=np.int64)


def atoms(m: M.Model, naming: Naming, states: np.ndarray) -> list[Atom]:
    """Equalities with the values each slot takes in the reachable states, thread-id atoms,
    and atoms saying that a tid-valued slot holds the other quantified thread's id."""
    tb, stride, pool = m.thread_base, m.thread_stride, m.pool
    nvars = 2 if pool >= 2 else 1
    out: list[Atom] = []
    # a spawned thread's id is an accident of the pool: atoms name only the start threads'
    # ids (and `none`), and say the rest through the quantified ids (`gt`, `tt`), so that
    # the lemmas hold for any number of threads and `--unbounded` can use them
    starts = len(m.starts)

    def named(kind: str, slot: int, v: int) -> bool:
        return not naming.tid_slot(kind, slot) or v == NONE or v < starts

    for j in range(tb):
        values = [v for v in _values(naming, j, states[:, j], MAX_VALUES) if named("g", j, v)]
        out += [Atom("g", -1, j, _value(naming, j, v)) for v in values]
    for r in range(stride):
        seen = states[:, [tb + k * stride + r for k in range(pool)]]
        values = [v for v in _values(naming, tb + r, seen, MAX_PCS if r == 0 else MAX_VALUES)
                  if named("t", r, v)]
        out += [Atom("t", var, r, _value(naming, tb + r, v))
                for var in range(nvars) for v in values]
    for n, (first, width, _, _) in enumerate(naming.indexed):
        seen = states[:, [first + k * width for k in range(pool)]]
        values = [v for v in _values(naming, first, seen, MAX_VALUES) if named("g", first, v)]
        out += [Atom("ga", var, n, _value(naming, first, v))
                for var in range(nvars) for v in values]
    out += [Atom("id", var, 0, k) for var in range(nvars) for k in range(starts)]
    if nvars == 2:
        out += [Atom("gt", var, j, 1 - var) for j in range(tb)
                if naming.tid_slot("g", j) for var in range(2)]
        out += [Atom("tt", var, r, 1 - var) for r in range(1, stride)
                if naming.tid_slot("t", r) for var in range(2)]
    return out + _comparisons(naming, nvars)


def _comparisons(naming: Naming, nvars: int) -> list[Atom]:
    """`p == q` for every two places of one type that belong to the quantified threads:
    their slots and tid-indexed array elements. A global compared with one of these
    tripled rseq's release/acquire candidates (and Houdini's time) for no proof gained."""
    places = sorted({(k, -1 if k == "g" else v, j) for k, j in naming.places()
                     for v in range(nvars)})
    return [compare(p, q) for n, p in enumerate(places) for q in places[n + 1:]
            if "g" != p[0] and "g" != q[0]
            if naming.comparable((p[0], p[2]), (q[0], q[2]))]


def _values(naming: Naming, j: int, seen: np.ndarray, most: int) -> list[int]:
    """The values a slot's atoms compare with: those the states hold, and those its type
    allows but no state holds (a pc no thread reaches, a count never met), which become
    one-literal lemmas ruling them out. None when there are more than `most`."""
    values = {int(v) for v in np.unique(seen)}
    m = naming.m
    if j >= m.thread_base and (j - m.thread_base) % m.thread_stride == 0:
        values |= {M.PC_UNUSED, M.PC_DONE, M.PC_FREED, *m.steps_by_pc}
    elif len(naming.slots.types[j]) == 1 and len(values) <= most:
        t = naming.slots.types[j][0]
        try:
            domain = t.values()
        except TypeError:
            domain = []
        if len(domain) <= most:
            values |= {NONE if v is None else int(v) for v in domain}
    return sorted(values) if len(values) <= most else []


def _value(naming: Naming, j: int, v: int) -> object:
    """A matrix value back as the state tuple holds it."""
    kind = naming.slots.kinds[j]
    return None if v == NONE else bool(v) if kind == "b" else v


def _column(naming: Naming, atom: Atom, states: np.ndarray, ids: tuple[int, ...]
            ) -> np.ndarray:
    if atom.kind == "id":
        return np.full(len(states), ids[atom.var] == atom.value)
    if atom.kind == "cmp":
        return states[:, naming.place_slot(atom.slot, ids)] == \
            states[:, naming.place_slot(atom.value, ids)]
    j = naming.slot_of(atom, ids)
    value = ids[atom.value] if atom.kind in ("gt", "tt") else atom.value
    return states[:, j] == (NONE if value is None else int(value))  # type: ignore[arg-type]


def rows(naming: Naming, found: list[Atom], states: np.ndarray) -> np.ndarray:
    """The distinct rows of atom values over every state and ordered pair of distinct ids."""
    m = naming.m
    pairs = list(itertools.permutations(range(m.pool), 2)) if m.pool >= 2 else [(0,)]
    packed = []
    for lo in range(0, len(states), CHUNK):
        chunk = states[lo:lo + CHUNK]
        for ids in pairs:
            cols = np.stack([_column(naming, a, chunk, ids) for a in found], axis=1)
            packed.append(np.unique(np.packbits(cols, axis=1), axis=0))
    distinct = np.unique(np.concatenate(packed), axis=0)
    return np.unpackbits(distinct, axis=1, count=len(found)).astype(bool)


def mine(m: M.Model, states: list[tuple]) -> list[Clause]:
    """Every clause of at most two literals that holds in all the given states, except those
    a one-literal clause subsumes and those the slots' own typing makes true."""
    naming = Naming(m)
    matrix = as_array(states)
    found = atoms(m, naming, matrix)
    if not found:
        return []
    table = rows(naming, found, matrix)
    truth = np.concatenate([table, ~table], axis=1).astype(np.float32)
    both = truth.T @ truth        # both[x, y]: rows where literals x and y are both true
    n = len(found)

    def lit(x: int) -> tuple[Atom, bool]:
        """The negation of literal x (x < n: atom x; else its negation): a clause holds
        when the literals it negates are never true together."""
        return (found[x], False) if x < n else (found[x - n], True)

    never = [both[x, x] == 0 for x in range(2 * n)]
    units = [Clause((lit(x),)) for x in range(2 * n) if never[x] and found[x % n].kind != "id"]
    pairs = [Clause((lit(int(x)), lit(int(y)))) for x, y in zip(*np.nonzero(both == 0))
             if x < y and not never[x] and not never[y] and not _same_slot(found, x, y, n)
             and (found[x % n].kind != "cmp" or found[y % n].kind != "cmp")]
    triples = [Clause(lits) for lits in guarded(m, found, table, both)]
    out: list[Clause] = []
    seen: set[tuple] = set()
    for clause in units + pairs + triples:
        key = _canonical(clause)
        if key is not None and key not in seen:
            seen.add(key)
            out.append(clause)
    return out


def _same_slot(found: list[Atom], x: int, y: int, n: int) -> bool:
    """Two literals on one slot of one thread: only `x == v1 || x == v2` says something
    (x and y negated there: both are negative literals of the true-together table)."""
    a, b = found[x % n], found[y % n]
    same = (a.kind, a.var, a.slot) == (b.kind, b.var, b.slot) and a.kind in ("g", "t", "ga", "id")
    return same and not (x >= n and y >= n)


def _canonical(clause: Clause) -> tuple | None:
    """One key for a clause and its renaming a <-> b; None for a clause only about b."""
    used = set().union(*(a.vars() for a, _ in clause.literals))
    if used == {1}:
        return None

    def renamed(swap: bool) -> tuple:
        lits = []
        for a, pos in clause.literals:
            if swap:
                a = a.swapped()
            lits.append((a.kind, a.var, a.slot, repr(a.value), pos))
        return tuple(sorted(lits))

    return min(renamed(False), renamed(True)) if used == {0, 1} else renamed(False)
