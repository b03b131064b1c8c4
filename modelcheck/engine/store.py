"""Visited states with a parent link each, so any state's shortest path can be rebuilt.

Two stores share one contract: `__len__`, `path(key)` (the keys from an
initial state to `key`), `states_on_path(key, ts)` (the state tuples along it)
and `nbytes()` (what the store itself costs).

`StateStore` (exact mode) keeps every state tuple in discovery order (which,
in BFS, is depth order), so an index names a state and parents form a compact
array of ints. It costs about 150 bytes a state but never confuses two states.

`FingerprintStore` keeps only a 64-bit fingerprint per state and its parent's
fingerprint: 16 bytes a state. States are not kept, so a path is rebuilt by
re-running the successor function from an initial state and following the
fingerprints. Two states with one fingerprint would be taken for one (the
second never explored); `collision_probability` says how likely that was.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .fingerprint import fingerprint_of

NO_PARENT = -1  # Python never returns -1 from hash(), so no fingerprint is -1


class Store(Protocol):
    def __len__(self) -> int: ...
    def path(self, key: int) -> list[int]: ...
    def states_on_path(self, key: int, ts: Any) -> list[tuple]: ...
    def nbytes(self) -> int: ...


@runtime_checkable
class StoredStates(Protocol):
    """A store that keeps every state it met (an exact store, of either engine): what the
    lints and the symmetry count read after the search."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[tuple]:
        """Every stored state, in the order stored."""
        ...

    def pc_counts(self, offsets: list[int], pcs: int) -> list[int]:
        """For each pc, how many (state, thread) pairs have the thread waiting there."""
        ...

    def scan(self, offsets: list[int], pcs: set[int]) -> Iterator[tuple]:
        """The stored states, in order, with some thread waiting at a pc in `pcs`; the set
        may shrink meanwhile (a state that no longer matches may still come)."""
        ...

    def changed(self, slot: int) -> bool:
        """Whether some stored state holds another value in `slot` than the first one."""
        ...


class StateStore:
    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.states: list[tuple] = []
        self.parents = array("q")
        self._changed: dict[int, bool] = {}

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.states)

    def pc_counts(self, offsets: list[int], pcs: int) -> list[int]:
        out = [0] * pcs
        for s in self.states:
            for off in offsets:
                if 0 <= s[off] < pcs:
                    out[s[off]] += 1
        return out

    def scan(self, offsets: list[int], pcs: set[int]) -> Iterator[tuple]:
        return (s for s in self.states if any(s[o] in pcs for o in offsets))

    def changed(self, slot: int) -> bool:
        if slot not in self._changed:
            ref = self.states[0][slot]
            self._changed[slot] = any(s[slot] != ref for s in self.states)
        return self._changed[slot]

    def __len__(self) -> int:
        return len(self.states)

    def add(self, state: tuple, parent: int) -> int:
        """Index of a newly stored state, or -1 if it was already known."""
        if state in self.index:
            return -1
        n = len(self.states)
        self.index[state] = n
        self.states.append(state)
        self.parents.append(parent)
        return n

    def settle(self) -> None:
        """Make the three views agree again after an interrupt that landed between the
        updates of one new state: keep the states that have both a tuple and a parent
        and forget the numbers handed out past them (the index is in numbering order,
        so those are its last entries)."""
        n = min(len(self.states), len(self.parents))
        del self.states[n:]
        del self.parents[n:]
        while self.index:
            state, k = self.index.popitem()
            if k < n:
                self.index[state] = k
                break

    def state(self, i: int) -> tuple:
        return self.states[i]

    def path(self, i: int) -> list[int]:
        """State indices from an initial state to state i."""
        out = [i]
        while self.parents[out[-1]] >= 0:
            out.append(self.parents[out[-1]])
        return out[::-1]

    def states_on_path(self, i: int, ts: Any) -> list[tuple]:
        return [self.states[j] for j in self.path(i)]

    def nbytes(self) -> int:
        """The dict, the list, the parent array and the tuples (their slots are shared
        small ints and None, so the tuples' own size is the cost)."""
        from sys import getsizeof
        tuples = sum(map(getsizeof, self.states))
        return getsizeof(self.index) + getsizeof(self.states) + \
            self.parents.itemsize * len(self.parents) + tuples


class FingerprintStore:
    """Sorted runs of (fingerprint, parent fingerprint), merged as they grow.

    A BFS level arrives as one batch, so membership is a vectorised binary
    search per run and insertion appends a sorted run; runs of similar size
    are merged (as in a log-structured merge tree), so there are O(log n) runs
    and each fingerprint is moved O(log n) times.
    """

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def contains(self, fps: np.ndarray) -> np.ndarray:
        found = np.zeros(len(fps), dtype=bool)
        for keys, _ in self.runs:
            pos = np.searchsorted(keys, fps)
            pos[pos == len(keys)] = 0
            found |= keys[pos] == fps
        return found

    def add(self, fps: np.ndarray, parents: np.ndarray) -> None:
        """Store fingerprints known to be new and distinct, with their parents'."""
        if not len(fps):
            return
        order = np.argsort(fps, kind="stable")
        self.runs.append((fps[order], parents[order]))
        self.count += len(fps)
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (k1, p1), (k2, p2) = self.runs.pop(), self.runs.pop()
            keys = np.concatenate((k2, k1))
            order = np.argsort(keys, kind="stable")
            self.runs.append((keys[order], np.concatenate((p2, p1))[order]))

    def values(self, fps: np.ndarray) -> np.ndarray:
        """What is stored with each of `fps` (all stored) as its parent: a caller that
        numbers states keeps their numbers there (`fingerprint_graph`)."""
        out = np.empty(len(fps), np.int64)
        for keys, parents in self.runs:
            pos = np.searchsorted(keys, fps)
            pos[pos == len(keys)] = 0
            hit = keys[pos] == fps
            out[hit] = parents[pos[hit]]
        return out

    def parent(self, fp: int) -> int:
        for keys, parents in self.runs:
            pos = int(np.searchsorted(keys, fp))
            if pos < len(keys) and keys[pos] == fp:
                return int(parents[pos])
        raise KeyError(fp)

    def path(self, fp: int) -> list[int]:
        out = [fp]
        while (p := self.parent(out[-1])) != NO_PARENT:
            out.append(p)
        return out[::-1]

    def states_on_path(self, fp: int, ts: Any) -> list[tuple]:
        return replay(self.path(fp), ts, fingerprint_of(ts.model))

    def nbytes(self) -> int:
        return sum(k.nbytes + p.nbytes for k, p in self.runs)


class PathStore:
    """Only the parent links along some paths: what a parallel search hands back after its
    workers (which hold the fingerprint stores) have stopped."""

    def __init__(self, parents: dict[int, int], count: int, nbytes: int) -> None:
        self.parents, self.count, self.bytes = parents, count, nbytes

    def __len__(self) -> int:
        return self.count

    def path(self, fp: int) -> list[int]:
        out = [fp]
        while self.parents[out[-1]] != NO_PARENT:
            out.append(self.parents[out[-1]])
        return out[::-1]

    def states_on_path(self, fp: int, ts: Any) -> list[tuple]:
        return replay(self.path(fp), ts, fingerprint_of(ts.model))

    def nbytes(self) -> int:
        return self.bytes


def replay(fps: list[int], ts: Any, fingerprint: Callable[[tuple], int]) -> list[tuple]:
    """The states whose fingerprints are `fps`: an initial state, then at each step the first
    successor with the next fingerprint (the same first one every time). Under symmetry
    the store holds canonical states, so a real state is matched by its canonical form's
    fingerprint and the path returned is a real execution."""
    if ts.canon is not None:
        fingerprint = _of_canonical(fingerprint, ts.canon)
    out: list[tuple] = []
    candidates: Iterable[tuple] = ts.initial_states()
    for fp in fps:
        out.append(next(s for s in candidates if fingerprint(s) == fp))
        candidates = ts.successors(out[-1])
    return out


def _of_canonical(fingerprint: Callable[[tuple], int],
                  canon: Callable[[tuple], tuple]) -> Callable[[tuple], int]:
    return lambda s: fingerprint(canon(s))


def collision_probability(states: int) -> float:
    """Chance that two of `states` distinct states share a 64-bit fingerprint (the birthday
    bound n(n-1)/2^65), assuming fingerprints behave like uniform random numbers."""
    return states * (states - 1) / 2.0 ** 65


def collision_note(states: int) -> str:
    return (f"fingerprints: {states:,} states, probability of a collision about "
            f"{collision_probability(states):.1e} (n^2/2^65)")

