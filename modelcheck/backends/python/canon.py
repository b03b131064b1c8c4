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
its thread block or array elements, whether top-level variables hold it, which
of its id slots are none, how many ids its sets hold; on a tie, also the kinds
of threads it points at and that point at it), ids are ordered by signature,
every order of tied ids is tried, and the least permuted state wins. A renaming
of the state renames the candidates the same way, so the set of permuted
states, and its minimum, is the same. Most states have no ties: one sort fixes
the order and the generated code (`canon_code`) renames the state once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

from ...ir import model as M
from ...ir.walk import model_bodies, statements
from .canon_code import compile_canon, fill_order

_NONE_KEY = float("-inf")  # None sorts below every int when states are compared


def _key(state: tuple) -> tuple:
    return tuple(_NONE_KEY if v is None else v for v in state)


def _pair_key(pair: tuple[tuple, int]) -> tuple:
    return _key(pair[0]), pair[1]


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


def _ties(ranked: list[tuple[tuple, int]]) -> bool:
    return any(a[0] == b[0] for a, b in zip(ranked, ranked[1:]))


def _inverse(perm: list[int]) -> list[int]:
    inv = [0] * len(perm)
    for old, new in enumerate(perm):
        inv[new] = old
    return inv


class Canonicaliser:
    """Maps a state to the least state of its class; built once per transition system.

    The renaming and the signatures are generated code (`canon_code`). When no two
    movable ids share a signature, which is most states, the order of ids is fixed by
    one sort and the state is renamed once; only ties try several orders.
    """

    def __init__(self, model: M.Model):
        self.sorts = list(model.symmetric)
        lay, ns = compile_canon(model, self._least_of_tied, _pair_key)
        self.sizes, self.tid, self.pool = lay.sizes, lay.tid, lay.pool
        self.tb, self.stride = lay.tb, lay.stride
        self._rename, self._sigs, self._canon = ns["rename"], ns["sigs"], ns["canon"]
        # per block layout: slots holding a thread id (the parent, locals)
        self._links = [[] if lay.tid is None else roles[lay.tid].values for roles in lay.blocks]
        self.creates_threads = any(isinstance(st, (M.Spawn, M.Fork))
                                   for body in model_bodies(model) for st in statements(body))

    def _movable(self, state: tuple, x: int) -> list[int]:
        if x == self.tid:
            return [i for i in range(self.pool) if state[self.tb + i * self.stride] != M.PC_UNUSED]
        return list(range(self.sizes[x]))

    def apply(self, state: tuple, perms: list[list[int]]) -> tuple:
        """The state with every id of sort x renamed to perms[x][id]."""
        owners, _ = self._sigs(state)
        return self._rename(state, owners, *map(_inverse, perms))

    def _ranked(self, state: tuple, owners: tuple[int, ...] | None = None,
                sigs: list[list] | None = None) -> tuple[tuple[int, ...], list[list[int]],
                                                         list[list], bool]:
        """Block layouts; per sort the movable ids in order, and their (signature, id)
        pairs sorted; whether two movable ids of one sort share a signature. `owners`
        and `sigs`: what `sigs` gives for the state, when the caller has it already."""
        if owners is None or sigs is None:
            owners, sigs = self._sigs(state)
        targets, tied = [], False
        for x, r in enumerate(sigs):
            targets.append([k for _, k in r])
            try:  # agrees with the order of `_pair_key` whenever it succeeds
                r.sort()
            except TypeError:  # none beside an int in one slot
                r.sort(key=_pair_key)
            if _ties(r) and x == self.tid:
                sigs[x] = r = self._refine(state, owners, r)
            tied = tied or _ties(r)
        return owners, targets, sigs, tied

    def _refine(self, state: tuple, owners: tuple[int, ...], r: list) -> list:
        """Thread signatures that also say which kinds of threads each block points at
        (its parent, locals holding ids) and which point at it, until no more ties break.

        A kind is the rank of a signature among the distinct ones, which no renaming
        changes, so the refined signatures are as invariant as the first ones. Only
        ties pay for this: a thread that forked is told from one that did not.
        """
        while True:
            kind, n, prev = {}, -1, None
            for sig, k in r:
                if n < 0 or sig != prev:
                    n, prev = n + 1, sig
                kind[k] = n
            out: dict[int, list[int]] = {k: [] for k in kind}
            into: dict[int, list[tuple[int, int]]] = {k: [] for k in kind}
            for k in kind:
                base = self.tb + k * self.stride
                for p in self._links[owners[k]]:
                    t = state[base + p]
                    # never-used ids are fixed by every renaming: they stand for themselves
                    out[k].append(-1 if t is None else kind.get(t, -2 - t))
                    if t in into:
                        into[t].append((kind[k], p))
            refined = sorted(((kind[k], tuple(out[k]), tuple(sorted(into[k]))), k) for k in kind)
            if len({sig for sig, _ in refined}) == n + 1:
                return r  # nothing broke: the earlier ranking is as fine
            r = refined
            if not _ties(r):
                return r

    def __call__(self, state: tuple) -> tuple:
        return self._canon(state)

    def _least_of_tied(self, state: tuple, owners: tuple[int, ...], sigs: list[list]) -> tuple:
        """The canonical form when first signatures tie (the generated `canon` gives up)."""
        owners, targets, ranked, tied = self._ranked(state, owners, sigs)
        if tied:
            return _least(self._images(state, owners, targets, ranked)[0])
        return self._rename(state, owners, *(fill_order(ids, [k for _, k in r], size)
                                             for ids, r, size in zip(targets, ranked, self.sizes)))

    def _images(self, state: tuple, owners: tuple[int, ...], targets: list[list[int]],
                ranked: list[list]) -> tuple[list[tuple], int]:
        """The state renamed by every order of tied ids worth trying, and how many orders
        each image stands for.

        Ids that swap without changing the state give the same image in any order, so
        only their arrangements among the other ids of the run are tried.
        """
        per_sort, stands_for = [], 1
        for x, (ids, r) in enumerate(zip(targets, ranked)):
            runs = []
            for _, group in itertools.groupby(r, key=lambda pair: pair[0]):
                run = [k for _, k in group]
                if len(run) < 3:  # trying both orders costs no more than looking for swaps
                    runs.append([list(p) for p in itertools.permutations(run)])
                    continue
                classes: list[list[int]] = []
                for k in run:
                    same = next((c for c in classes if self._swap_fixes(state, x, c[0], k)), None)
                    if same is None:
                        classes.append([k])
                    else:
                        same.append(k)
                        stands_for *= len(same)
                runs.append(list(_arrangements(classes)))
            per_sort.append([fill_order(ids, list(itertools.chain(*choice)), self.sizes[x])
                             for choice in itertools.product(*runs)])
        images = [self._rename(state, owners, *qs) for qs in itertools.product(*per_sort)]
        return images, stands_for

    def _swap_fixes(self, state: tuple, x: int, i: int, j: int) -> bool:
        perms = [list(range(n)) for n in self.sizes]
        perms[x][i], perms[x][j] = j, i
        return self.apply(state, perms) == state

    def orbit_size(self, state: tuple) -> int:
        """How many states the class of `state` holds: renamings over those that fix it.

        Without ties only the identity fixes the state: a renaming that fixes it maps
        each id to one with the same signature, that is, to itself.
        """
        owners, targets, ranked, tied = self._ranked(state)
        group = math.prod(math.factorial(len(ids)) for ids in targets)
        if not tied:
            return group
        images, stands_for = self._images(state, owners, targets, ranked)
        least = _least(images)
        return group // (stands_for * sum(1 for im in images if im == least))
