"""The explored state graph, kept compactly for searches that need edges, not just parents.

The safety search stores each state once with a parent link; a cycle search needs every
edge. Edges are recomputed after the search, state by state, through the back end's
`step` (so they are the edges `expand` makes, one thread at a time), and kept as four
numpy arrays in compressed-row form: where each state's edges start, the target index,
the thread that moved and the pc of the step it took (a signal handler's first step
for a signal's delivery). A state is named by its index in the store, so any store
that keeps its states in order (the exact store of either engine) feeds it; the native
engine lists the same arrays itself (`native_graph.py`), and `fingerprint_graph.py`
numbers the states of a search that kept only fingerprints.

Run semantics are edges too: a state with no successor (every thread finished, or a
deadlock) repeats forever, an edge to itself by no thread (`REPEAT`); with `stutter`
(TLA+) every state has that edge. A state whose only results are failures (an assertion,
a bound, a step that cannot be evaluated) has no edge at all: the run ends there in a
safety violation, which the safety search reports, so it is no liveness counterexample.
A state outside the spec's `constraint` has no step, as in the search: it repeats forever.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..backends.base import TransitionSystem
from ..backends.runtime import EvalError
from ..ir.model import PC_EXITING
from .outcome import outside_constraint

REPEAT = -1  # the thread of an edge that repeats its state (no thread moves)


class MissingState(Exception):
    """A successor is not in the store: the search that filled it was cut off."""


class Labels(Protocol):
    """What the liveness check reads of the states behind a graph's indices: each liveness
    predicate's value in every state, and single states for a lasso. Apart from the edges,
    so that a store that keeps no Python tuples (the native one) answers without making
    them."""

    def holds(self, k: int, p: Callable[[tuple], bool]) -> np.ndarray:
        """Predicate p, the k-th of the model's liveness predicates (instance by instance,
        P then Q), in every state; EvalError where it cannot be evaluated."""
        ...

    def finished(self) -> np.ndarray:
        """Whether every thread has finished, in every state."""
        ...

    def path_states(self, path: list[int]) -> list[tuple]:
        """The states along a path of the graph (a lasso)."""
        ...


class OnStates:
    """Labels read off the states themselves, through the Python back end's predicates."""

    def __init__(self, states: Sequence[tuple], offsets: list[int]) -> None:
        self.states, self.offsets = states, offsets

    def holds(self, k: int, p: Callable[[tuple], bool]) -> np.ndarray:
        return np.fromiter((bool(p(s)) for s in self.states), bool, len(self.states))

    def finished(self) -> np.ndarray:
        offsets = self.offsets
        return np.fromiter((all(s[o] < PC_EXITING for o in offsets) for s in self.states),
                           bool, len(self.states))

    def path_states(self, path: list[int]) -> list[tuple]:
        return [self.states[i] for i in path]


@dataclass
class Graph:
    start: np.ndarray    # int64, len n + 1: state i's edges are start[i]:start[i + 1]
    dst: np.ndarray      # int32
    thread: np.ndarray   # int16: who moved, or REPEAT
    pc: np.ndarray       # int32: the mover's pc in the source state
    initial: list[int]   # indices of the initial states, in order
    labels: Labels
    repeats: int         # states with a REPEAT edge
    _lists: tuple[list[int], list[int]] | None = None
    # a state may have no edge (its run ends in a failure), so sums over a state's edges
    # go through `sources`, not `np.*.reduceat`

    def __len__(self) -> int:
        return len(self.start) - 1

    def edges(self, i: int) -> range:
        return range(int(self.start[i]), int(self.start[i + 1]))

    def lists(self) -> tuple[list[int], list[int]]:
        """`start` and `dst` as Python lists, for loops that visit one state at a time
        (indexing a numpy array from Python costs several times more)."""
        if self._lists is None:
            self._lists = (self.start.tolist(), self.dst.tolist())
        return self._lists

    def edges_of(self, states: np.ndarray) -> np.ndarray:
        """Every edge leaving one of `states` (indices), vectorised."""
        firsts = self.start[states]
        counts = self.start[states + 1] - firsts
        offsets = np.repeat(firsts - np.cumsum(counts) + counts, counts)
        return offsets + np.arange(int(counts.sum()))

    def nbytes(self) -> int:
        return self.start.nbytes + self.dst.nbytes + self.thread.nbytes + self.pc.nbytes


def _plain(ts: TransitionSystem, s: tuple, me: int, pc: int) -> Iterator[tuple[object, int]]:
    return ((r, pc) for r in ts.step(s, me))


def _acting(ts: TransitionSystem, s: tuple, me: int, pc: int) -> Iterator[tuple[object, int]]:
    """With signal handlers, an entry is the handler's first step, not the interrupted
    one, so that fairness for a handler's steps covers the delivery of its signal. (Not
    under symmetry: there the search's steps give up all branches at an error, which
    the labelled steps, made for traces, do not.)"""
    return ((r, ch[0][1] if ch and ch[0][0] == "enter" else pc)
            for r, ch in ts.labelled_step(s, me))


class Moves:
    """A state's moves as graph edges: (successor, thread, pc it counts for) in `expand`'s
    order, and whether the state repeats (`REPEAT`). `entries`: a signal's delivery counts
    for its handler's first step (slower: labelled steps)."""

    def __init__(self, ts: TransitionSystem, stutter: bool = False,
                 entries: bool = False) -> None:
        model = ts.model
        self.ts, self.stutter, self.offsets = ts, stutter, ts.pc_offsets
        self.steps = _acting if entries and model.handlers and not model.symmetric else _plain

    def __call__(self, s: tuple) -> tuple[list[tuple[tuple, int, int]], bool]:
        out: list[tuple[tuple, int, int]] = []
        if outside_constraint(self.ts.within, s, lambda _: None):  # the search noted errors
            return out, True  # no step, as in the search: the state stays
        failed = False
        for me, off in enumerate(self.offsets):
            pc = s[off]
            if pc < PC_EXITING:
                continue
            try:
                for r, acting in self.steps(self.ts, s, me, pc):
                    if type(r) is tuple:
                        out.append((r, me, acting))
                    else:
                        failed = True
            except EvalError:  # the search met it too (a bounds violation); it kept the
                failed = True  # states made before it, and so does the graph
        return out, (self.stutter or not out) and not (failed and not out)


def build_graph(ts: TransitionSystem, states: Sequence[tuple], initial: Iterable[tuple],
                stutter: bool = False, index: dict[tuple, int] | None = None,
                entries: bool = False) -> Graph:
    """Every edge between stored states. `index` (state -> position) is built when the
    store has none; MissingState if a successor was never stored."""
    if index is None:
        index = {s: i for i, s in enumerate(states)}
    moves = Moves(ts, stutter, entries)
    start, dst, who, pcs = array("q", [0]), array("i"), array("h"), array("i")
    repeats = 0
    for s in states:
        out, repeat = moves(s)
        for r, me, acting in out:
            j = index.get(r)
            if j is None:
                raise MissingState
            dst.append(j)
            who.append(me)
            pcs.append(acting)
        if repeat:
            dst.append(len(start) - 1)
            who.append(REPEAT)
            pcs.append(REPEAT)
            repeats += 1
        start.append(len(dst))
    return Graph(np.frombuffer(start, np.int64), np.frombuffer(dst, np.int32),
                 np.frombuffer(who, np.int16), np.frombuffer(pcs, np.int32),
                 [index[s] for s in initial], OnStates(states, ts.pc_offsets), repeats)
