"""Fair strongly connected components of a region of the state graph.

A run that stays in a region R for ever ends up looping in one strongly connected
component of R, and it can be made to visit every state and take every edge of that
component infinitely often. So a fair run staying in R exists exactly when some
component C of R (with at least one edge inside it) satisfies every fairness unit:

- a unit taken by some edge inside C is satisfied, weak or strong;
- a weak unit never taken inside C is satisfied if C has a state where it is disabled
  (the loop passes through it), and not at all otherwise (continuously enabled);
- a strong unit never taken inside C must be disabled everywhere on the loop: the
  states of C where it is enabled are removed and what is left is split into
  components again (the Emerson-Lei / Streett refinement).

Tarjan's algorithm runs with an explicit stack, so deep graphs need no recursion.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .graph import Graph


@dataclass
class Units:
    """The fairness units over a graph: for each, which edges take it and in which states
    it is enabled (some edge of the state takes it)."""

    strong: list[bool]
    taken: list[np.ndarray]    # bool per edge
    enabled: list[np.ndarray]  # bool per state


@dataclass
class FairComponent:
    members: np.ndarray  # bool per state
    inside: np.ndarray   # bool per edge: both ends in the component


def sources(g: Graph) -> np.ndarray:
    """The source state of every edge."""
    return np.repeat(np.arange(len(g), dtype=np.int32), np.diff(g.start))


def components(g: Graph, region: np.ndarray) -> Iterator[np.ndarray]:
    """The strongly connected components of the subgraph on `region` (bool per state) that
    have an edge inside them, each as a bool mask over states."""
    start, dst = g.start.tolist(), g.dst.tolist()
    inside = region.tolist()
    n = len(inside)
    order = [-1] * n      # discovery number
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    counter = 0
    for root in range(n):
        if not inside[root] or order[root] >= 0:
            continue
        work = [(root, start[root])]
        order[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            v, e = work[-1]
            end = start[v + 1]
            while e < end:
                w = dst[e]
                e += 1
                if not inside[w]:
                    continue
                if order[w] < 0:
                    work[-1] = (v, e)
                    order[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, start[w]))
                    break
                if on_stack[w] and order[w] < low[v]:
                    low[v] = order[w]
            else:
                work.pop()
                if work and low[v] < low[work[-1][0]]:
                    low[work[-1][0]] = low[v]
                if low[v] == order[v]:
                    members = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        members.append(w)
                        if w == v:
                            break
                    mask = np.zeros(n, dtype=bool)
                    mask[members] = True
                    if len(members) > 1 or _loops(v, start, dst):
                        yield mask


def _loops(v: int, start: list[int], dst: list[int]) -> bool:
    return any(dst[e] == v for e in range(start[v], start[v + 1]))


def fair_components(g: Graph, region: np.ndarray, units: Units,
                    src: np.ndarray) -> Iterator[FairComponent]:
    """The components of `region` on which a loop can satisfy every unit, refined where a
    strong unit forces states out."""
    work = list(components(g, region))
    while work:
        members = work.pop()
        inside = members[src] & members[g.dst]
        removed = np.zeros(len(members), dtype=bool)
        fair = True
        for strong, taken, enabled in zip(units.strong, units.taken, units.enabled):
            if (taken & inside).any():
                continue
            here = enabled & members
            if strong:
                removed |= here
            elif here.sum() == members.sum():
                fair = False
                break
        if not fair:
            continue
        if removed.any():
            work.extend(components(g, members & ~removed))
            continue
        yield FairComponent(members, inside)
