"""Visited states with a parent link each, so any state's shortest path can be rebuilt.

States are kept in discovery order (which, in BFS, is depth order), so an
index is enough to name a state and the parent array is a compact array of
ints. A later fingerprint-partitioned store (parallel or distributed search)
only has to offer `add`, `__len__`, `state` and `path`.
"""

from __future__ import annotations

from array import array


class StateStore:
    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.states: list[tuple] = []
        self.parents = array("q")

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

    def state(self, i: int) -> tuple:
        return self.states[i]

    def path(self, i: int) -> list[int]:
        """State indices from an initial state to state i."""
        out = [i]
        while self.parents[out[-1]] >= 0:
            out.append(self.parents[out[-1]])
        return out[::-1]
