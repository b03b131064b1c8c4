"""The explored graph of a search that kept only fingerprints, numbered by a second pass.

A fingerprint store keeps no state to expand, but it does decide which states are one:
two states are one exactly when their 64-bit fingerprints are equal. So the graph is
rebuilt by a breadth-first pass from the initial states that numbers each fingerprint
the first time it is met and keeps, per state, its edges (as `graph.Moves` lists them),
its liveness predicates' values and the number of the state it was first reached
from, never the states beyond the level being expanded. The graph is the exact store's
graph unless two reachable states share a fingerprint, the caveat the safety verdicts
of that store carry too (`store.collision_note`). A lasso's states are found again by
following its fingerprints from an initial state, as a safety trace is.

The pass costs about one Python search (it runs the steps once more), and memory per
state of a few bytes for the numbering, the first-reached link and the predicates,
plus the edges' arrays.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable

import numpy as np

from ..backends.base import TransitionSystem
from ..backends.runtime import EvalError
from ..ir.model import PC_EXITING
from .fingerprint import fingerprint_of
from .graph import REPEAT, Graph, Moves
from .store import NO_PARENT, FingerprintStore


class FingerprintLabels:
    """The predicates' values, recorded level by level as the pass meets the states."""

    def __init__(self, ts: TransitionSystem, fps: array, parents: array) -> None:
        self.ts, self.fps, self.parents = ts, fps, parents
        self.predicates = [p for ps in ts.predicates for p in ps]
        self.values: list[list[np.ndarray]] = [[] for _ in self.predicates]
        self.errors: dict[int, EvalError] = {}
        self.done: list[np.ndarray] = []

    def record(self, level: list[tuple]) -> None:
        for k, p in enumerate(self.predicates):
            if k in self.errors:
                continue
            try:
                self.values[k].append(np.fromiter((bool(p(s)) for s in level), bool,
                                                  len(level)))
            except EvalError as e:
                self.errors[k] = e
        offsets = self.ts.pc_offsets
        self.done.append(np.fromiter((all(s[o] < PC_EXITING for o in offsets)
                                      for s in level), bool, len(level)))

    def holds(self, k: int, p: Callable[[tuple], bool]) -> np.ndarray:
        if k in self.errors:
            raise self.errors[k]
        return np.concatenate(self.values[k])

    def finished(self) -> np.ndarray:
        return np.concatenate(self.done)

    def path_states(self, path: list[int]) -> list[tuple]:
        """From an initial state along first-reached links to the path's start, then
        along the path: at each step the first successor with the next fingerprint."""
        back = [path[0]]
        while self.parents[back[-1]] != NO_PARENT:
            back.append(self.parents[back[-1]])
        fingerprint = fingerprint_of(self.ts.model)
        walk = back[::-1][:-1] + path
        out = [next(s for s in self.ts.initial_states()
                    if fingerprint(s) == self.fps[walk[0]])]
        for a, b in zip(walk, walk[1:]):
            out.append(out[-1] if a == b else next(
                s for s in self.ts.successors(out[-1]) if fingerprint(s) == self.fps[b]))
        return out[len(back) - 1:]


def fingerprint_graph(ts: TransitionSystem, stutter: bool = False,
                      entries: bool = False) -> Graph:
    fingerprint = fingerprint_of(ts.model)
    moves = Moves(ts, stutter, entries)
    numbers = FingerprintStore()  # fingerprint -> its number, kept as its "parent"
    fps, parents = array("q"), array("q")
    labels = FingerprintLabels(ts, fps, parents)
    start, targets, who, pcs = array("q", [0]), array("q"), array("h"), array("i")
    initial: list[int] = []
    firsts: dict[int, tuple[tuple, int]] = {}
    for s in ts.initial_states():
        initial.append(fingerprint(s))
        firsts.setdefault(initial[-1], (s, NO_PARENT))
    level = _number(numbers, fps, parents, firsts)
    while level:
        labels.record(level)
        met: dict[int, tuple[tuple, int]] = {}  # this level's successors, first met
        first = len(fps) - len(level)
        for i, s in enumerate(level, first):
            out, repeat = moves(s)
            for r, me, acting in out:
                f = fingerprint(r)
                met.setdefault(f, (r, i))
                targets.append(f)
                who.append(me)
                pcs.append(acting)
            if repeat:
                targets.append(fps[i])
                who.append(REPEAT)
                pcs.append(REPEAT)
            start.append(len(targets))
        known = numbers.contains(np.fromiter(met, np.int64, len(met)))
        level = _number(numbers, fps, parents,
                        {f: m for (f, m), old in zip(met.items(), known) if not old})
    dst = numbers.values(np.frombuffer(targets, np.int64)).astype(np.int32)
    thread = np.frombuffer(who, np.int16)
    return Graph(np.frombuffer(start, np.int64), dst, thread, np.frombuffer(pcs, np.int32),
                 numbers.values(np.array(initial, np.int64)).astype(int).tolist(), labels,
                 int(np.count_nonzero(thread == REPEAT)))


def _number(numbers: FingerprintStore, fps: array, parents: array,
            new: dict[int, tuple[tuple, int]]) -> list[tuple]:
    """Number the new states in the order met; they are the next level."""
    first = len(fps)
    keys = np.fromiter(new, np.int64, len(new))
    numbers.add(keys, np.arange(first, first + len(new), dtype=np.int64))
    fps.extend(keys.tolist())
    parents.extend(parent for _, parent in new.values())
    return [s for s, _ in new.values()]
