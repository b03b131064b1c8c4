"""Symmetry reduction: one stored state per class of states equal up to renaming ids.

Why it is sound: the checker refuses every construct that could tell one id of
a symmetric type from another (a literal or constant of the type outside
initial values and start lines, ordering, an array listed element by element,
a thread-local holding one id). What is left reads ids only through equality,
membership, indexing and the thread built-ins, so renaming the ids maps each
transition to a transition and keeps the truth of every property. The states
the reduced search reaches are then exactly the canonical forms of the states
the full search reaches, and a property fails in one iff it fails in the other.

Thread ids: only ids in use move. `spawn` and `fork` take the lowest id never
used; a renaming that fixes the never-used ids leaves that choice alone. The
thread's template sits in its block (its pc), so threads of different
templates may swap ids too: what is renamed is the id, not the code.

The canonical form is exact (two states of one class always get the same
form): each id gets a signature that no renaming changes (the plain slots of
its thread block or array elements, whether top-level variables hold it), ids
are ordered by signature, every order of tied ids is tried, and the least
permuted state wins. A renaming of the state renames the candidates the same
way, so the set of permuted states, and its minimum, is the same.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from . import model as M
from .typesys import ArrayType, OptionalType, RecordType, SetType, TidType, Type

_NONE_KEY = float("-inf")  # None sorts below every int when states are compared


@dataclass
class _Roles:
    """Where values of one symmetric type sit: ids, bitmasks of ids, arrays indexed by ids."""

    values: list[int] = field(default_factory=list)
    masks: list[int] = field(default_factory=list)
    groups: list[tuple[int, int, bool]] = field(default_factory=list)  # base, width, top-level


def _walk(t: Type, off: int, sorts: list[TidType], roles: list[_Roles], nested: bool) -> None:
    inner = t.inner if isinstance(t, OptionalType) else t
    if inner in sorts:
        roles[sorts.index(inner)].values.append(off)  # type: ignore[arg-type]
    elif isinstance(t, SetType) and t.elem in sorts:
        roles[sorts.index(t.elem)].masks.append(off)  # type: ignore[arg-type]
    elif isinstance(t, ArrayType):
        w = t.elem.width()
        if t.key in sorts:
            roles[sorts.index(t.key)].groups.append((off, w, not nested))  # type: ignore
        for k in range(len(t.key.values())):
            _walk(t.elem, off + k * w, sorts, roles, nested or t.key in sorts)
    elif isinstance(t, RecordType):
        for name, ft in t.fields:
            _walk(ft, off + t.field(name)[0], sorts, roles, nested)  # type: ignore[index]


def _getter(positions: list[int]) -> Callable[[Sequence], tuple]:
    """A fast function picking these positions out of a sequence, always as a tuple."""
    if not positions:
        return lambda _: ()
    if len(positions) == 1:
        p = positions[0]
        return lambda seq: (seq[p],)
    return itemgetter(*positions)


def _key(state: tuple) -> tuple:
    return tuple(_NONE_KEY if v is None else v for v in state)


def _arrangements(classes: list[list[int]]) -> Iterator[list[int]]:
    """Every order of the ids of `classes` up to the order within each class."""
    counts = [len(c) for c in classes]
    total = sum(counts)

    def fill(prefix: list[int]) -> Iterator[list[int]]:
        if len(prefix) == total:
            taken = [0] * len(classes)
            order = []
            for c in prefix:
                order.append(classes[c][taken[c]])
                taken[c] += 1
            yield order
            return
        for c in range(len(classes)):
            if counts[c]:
                counts[c] -= 1
                yield from fill([*prefix, c])
                counts[c] += 1

    return fill([])


def _least(states: list[tuple]) -> tuple:
    """The least state, None below every int; plain comparison when no none meets an int."""
    try:
        return min(states)
    except TypeError:
        return min(states, key=_key)


def _remap(mask: int, perm: list[int]) -> int:
    out = 0
    k = 0
    while mask:
        if mask & 1:
            out |= 1 << perm[k]
        mask >>= 1
        k += 1
    return out


class Canonicaliser:
    """Maps a state to the least state of its class; built once per transition system."""

    def __init__(self, model: M.Model):
        self.sorts = list(model.symmetric)
        self.sizes = [len(s.values()) for s in self.sorts]
        self.tid = next((k for k, s in enumerate(self.sorts) if type(s) is TidType), None)
        self.tb, self.stride, self.pool = model.thread_base, model.thread_stride, model.pool
        n = len(self.sorts)
        self.globals = [_Roles() for _ in range(n)]
        for var in model.vars:
            _walk(var.type, var.offset, self.sorts, self.globals, False)
        role_slots = {p for r in self.globals for p in [*r.values, *r.masks]}
        in_groups = _group_slots(self.globals, self.sizes, top=True)
        nested = _group_slots(self.globals, self.sizes, top=False)
        self.top_values = [[p for p in r.values if p not in in_groups] for r in self.globals]
        self.top_masks = [[p for p in r.masks if p not in in_groups] for r in self.globals]
        # plain slots of id k's element in each top-level array indexed by the type
        self.elem_plain = [[_getter([p for base, w, top in r.groups if top
                                     for p in range(base + k * w, base + (k + 1) * w)
                                     if p not in role_slots and p not in nested])
                            for k in range(size)] for r, size in zip(self.globals, self.sizes)]
        self.blocks = self._block_roles(model)
        self.block_slots = {pc: ([(p, x) for x, r in enumerate(roles) for p in r.values],
                                 [(p, x) for x, r in enumerate(roles) for p in r.masks])
                            for pc, (roles, _) in self.blocks.items()}
        self.handler_pcs = {s.pc for h in model.handlers for s in h.steps}
        self.saved = model.layout.saved
        bodies = [s.body for t in [*model.templates.values(), *model.handlers] for s in t.steps]
        self.creates_threads = any(_creates_threads(b)
                                   for b in [*bodies, *(d.body for d in model.destructors)])

    # ------------------------------------------------------------ thread blocks
    def _block_roles(self, model: M.Model) -> dict[int, tuple[list[_Roles], Callable]]:
        """For each owner pc (0: no live locals): per-sort roles in a block, and its plain slots."""
        static = [_Roles() for _ in self.sorts]
        if self.tid is not None:
            static[self.tid].values.append(1)  # parent
        for tl in model.thread_locals:
            _walk(tl.type, tl.slot, self.sorts, static, False)
        owners: dict[int, list[M.Local]] = {0: []}
        for t in model.templates.values():
            for step in t.steps:
                owners[step.pc] = [*t.params, *t.locals]
        out = {}
        for pc, locs in owners.items():
            roles = [_Roles(list(r.values), list(r.masks)) for r in static]
            for loc in locs:
                _walk(loc.type, loc.slot, self.sorts, roles, False)
            used = {p for r in roles for p in [*r.values, *r.masks]}
            out[pc] = (roles, _getter([p for p in range(self.stride) if p not in used]))
        return out

    def _owner(self, state: tuple | list, base: int) -> int:
        """The pc whose template's locals are live in this block (0: none are)."""
        pc = state[base]
        if pc in self.handler_pcs:
            pc = state[base + self.saved]  # type: ignore[operator]
        return pc if pc >= M.FIRST_PC else 0

    # --------------------------------------------------------------- candidates
    def _movable(self, state: tuple, x: int) -> list[int]:
        if x == self.tid:
            return [i for i in range(self.pool) if state[self.tb + i * self.stride] != M.PC_UNUSED]
        return list(range(self.sizes[x]))

    def _signatures(self, state: tuple, x: int, ids: list[int]) -> dict[int, tuple]:
        """What no renaming changes about each id: its own plain slots, who holds it."""
        tops = [state[p] for p in self.top_values[x]]
        masks = [state[p] for p in self.top_masks[x]]
        elems = self.elem_plain[x]
        sigs = {}
        for k in ids:
            sig = elems[k](state)
            if tops:
                sig += tuple(v == k for v in tops)
            if masks:
                sig += tuple(m >> k & 1 for m in masks)
            if x == self.tid:
                base = self.tb + k * self.stride
                sig += self.blocks[self._owner(state, base)][1](state[base:base + self.stride])
            sigs[k] = sig
        return sigs

    def _orders(self, state: tuple, x: int) -> tuple[list[int], list[list[list[int]]], int]:
        """Target ids; for each run of tied ids the orders worth trying; how many orders
        each tried one stands for.

        Ids that swap without changing the state give the same image in any order, so
        only their arrangements among the other ids of the run are tried.
        """
        ids = self._movable(state, x)
        sigs = self._signatures(state, x, ids)
        try:  # agrees with the order of `_key` whenever it succeeds
            ranked = sorted(ids, key=sigs.__getitem__)
        except TypeError:  # none beside an int in one slot
            sigs = {k: _key(sig) for k, sig in sigs.items()}
            ranked = sorted(ids, key=sigs.__getitem__)
        orders, stands_for = [], 1
        for _, group in itertools.groupby(ranked, key=sigs.__getitem__):
            run = list(group)
            if len(run) < 3:  # trying both orders costs no more than looking for swaps
                orders.append([list(p) for p in itertools.permutations(run)])
                continue
            classes: list[list[int]] = []
            for k in run:
                same = next((c for c in classes if self._swap_fixes(state, x, c[0], k)), None)
                if same is None:
                    classes.append([k])
                else:
                    same.append(k)
                    stands_for *= len(same)
            orders.append(list(_arrangements(classes)))
        return ids, orders, stands_for

    def _swap_fixes(self, state: tuple, x: int, i: int, j: int) -> bool:
        perms = [list(range(n)) for n in self.sizes]
        perms[x][i], perms[x][j] = j, i
        return self.apply(state, perms) == state

    def _candidates(self, state: tuple) -> tuple[list[list[list[int]]], int]:
        """Renamings to try (one list of perms per candidate), and how many each stands for."""
        per_sort, stands_for = [], 1
        for x in range(len(self.sorts)):
            targets, runs, collapsed = self._orders(state, x)
            stands_for *= collapsed
            perms = []
            for choice in itertools.product(*runs):
                perm = list(range(self.sizes[x]))
                for old, new in zip(itertools.chain(*choice), targets):
                    perm[old] = new
                perms.append(perm)
            per_sort.append(perms)
        return [list(c) for c in itertools.product(*per_sort)], stands_for

    # ------------------------------------------------------------------ renaming
    def apply(self, state: tuple, perms: list[list[int]]) -> tuple:
        """The state with every id of sort x renamed to perms[x][id]."""
        out = list(state)
        tb, st = self.tb, self.stride
        if self.tid is not None:
            p = perms[self.tid]
            for i in range(self.pool):
                if p[i] != i:
                    out[tb + p[i] * st:tb + (p[i] + 1) * st] = state[tb + i * st:tb + (i + 1) * st]
        for x, (roles, size) in enumerate(zip(self.globals, self.sizes)):
            p = perms[x]
            for base, w, _ in roles.groups:
                cur = out[base:base + size * w]
                for k in range(size):
                    out[base + p[k] * w:base + (p[k] + 1) * w] = cur[k * w:(k + 1) * w]
            for pos in roles.values:
                if out[pos] is not None:
                    out[pos] = p[out[pos]]
            for pos in roles.masks:
                out[pos] = _remap(out[pos], p)
        for i in range(self.pool):
            base = tb + i * st
            if out[base] == M.PC_UNUSED:
                continue
            values, masks = self.block_slots[self._owner(out, base)]
            for rel, x in values:
                if out[base + rel] is not None:
                    out[base + rel] = perms[x][out[base + rel]]
            for rel, x in masks:
                out[base + rel] = _remap(out[base + rel], perms[x])
        return tuple(out)

    def __call__(self, state: tuple) -> tuple:
        candidates, _ = self._candidates(state)
        images = [self.apply(state, perms) for perms in candidates]
        return images[0] if len(images) == 1 else _least(images)

    def orbit_size(self, state: tuple) -> int:
        """How many states the class of `state` holds: renamings over those that fix it."""
        candidates, stands_for = self._candidates(state)
        images = [self.apply(state, perms) for perms in candidates]
        least = _least(images)
        fixing = stands_for * sum(1 for im in images if im == least)
        group = math.prod(math.factorial(len(self._movable(state, x)))
                          for x in range(len(self.sorts)))
        return group // fixing


def _group_slots(roles: list[_Roles], sizes: list[int], top: bool) -> set[int]:
    """Slots inside arrays indexed by a symmetric type (top=False: only nested ones)."""
    return {p for r, size in zip(roles, sizes) for b, w, is_top in r.groups if top or not is_top
            for p in range(b, b + size * w)}


@dataclass(frozen=True)
class Reduction:
    """What symmetry saved, counted from orbit sizes instead of a second search."""

    states: int    # canonical states stored
    without: int   # states in their classes: what the unreduced search stores, or a bound
    exact: bool    # the initial states are closed under renaming, so `without` is exact


def reduction(canon: Canonicaliser, stored: list[tuple], initial: list[tuple]) -> Reduction:
    """Sum of class sizes over the stored states.

    The reduced states are the classes of the reachable states, so their sizes
    add up to the number of states in the union of those classes. That union is
    the reachable set when every renaming of a reachable state is reachable,
    which holds when the initial states are closed under renaming (their
    classes hold no more states than there are initial states) and the ids that
    may be renamed never grow. A spawned thread's id joins the renamed ones
    after it was created in one particular place, so with symmetric thread ids
    and `spawn` or `fork` the sum only bounds the unreduced count from above.
    """
    first = {canon(s) for s in initial}
    exact = sum(canon.orbit_size(s) for s in first) == len(set(initial)) \
        and not (canon.tid is not None and canon.creates_threads)
    return Reduction(len(stored), sum(canon.orbit_size(s) for s in stored), exact)


def _creates_threads(stmts: tuple[M.Stmt, ...]) -> bool:
    for st in stmts:
        if isinstance(st, (M.Spawn, M.Fork)):
            return True
        inner: list[tuple[M.Stmt, ...]] = []
        if isinstance(st, M.If):
            inner = [st.then, st.other]
        elif isinstance(st, M.Either):
            inner = list(st.blocks)
        elif isinstance(st, M.Choose):
            inner = [st.body]
        if any(_creates_threads(b) for b in inner):
            return True
    return False
