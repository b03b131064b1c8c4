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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from .graph import REPEAT, Graph


@dataclass
class Units:
    """The fairness units over a graph: for each, which edges take it and in which states
    it is enabled (some edge of the state takes it)."""

    strong: list[bool]
    taken: list[np.ndarray]    # bool per edge
    enabled: list[np.ndarray]  # bool per state


@dataclass
class FairComponent:
    members: np.ndarray  # the states, as indices
    edges: np.ndarray    # the edges with both ends in the component, as indices


def sources(g: Graph) -> np.ndarray:
    """The source state of every edge."""
    return np.repeat(np.arange(len(g), dtype=np.int32), np.diff(g.start))


def components(g: Graph, nodes: Iterable[int], inside: list[bool]) -> Iterator[list[int]]:
    """The strongly connected components, among the states reachable from `nodes` through
    states marked `inside`, that have an edge inside them. Costs only what it visits."""
    start, dst = g.lists()
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    for root in nodes:
        if root in order:
            continue
        work = [(root, start[root])]
        order[root] = low[root] = len(order)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, e = work[-1]
            end = start[v + 1]
            while e < end:
                w = dst[e]
                e += 1
                if not inside[w]:
                    continue
                if w not in order:
                    work[-1] = (v, e)
                    order[w] = low[w] = len(order)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, start[w]))
                    break
                if w in on_stack and order[w] < low[v]:
                    low[v] = order[w]
            else:
                work.pop()
                if work and low[v] < low[work[-1][0]]:
                    low[work[-1][0]] = low[v]
                if low[v] == order[v]:
                    members = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        members.append(w)
                        if w == v:
                            break
                    if len(members) > 1 or any(dst[x] == v for x in range(start[v], end)):
                        yield members


def fair_components(g: Graph, region: np.ndarray, units: Units) -> Iterator[FairComponent]:
    """The components of `region` on which a loop can satisfy every unit, refined where a
    strong unit forces states out. Each component costs its own size, so a graph with
    many small loops is not scanned once per loop."""
    work = list(components(g, np.flatnonzero(region).tolist(), region.tolist()))
    mark = np.zeros(len(g), dtype=bool)  # the component being looked at
    subset = [False] * len(g)            # what is left of it after a refinement
    start, dst = g.lists()
    repeats = (g.thread == REPEAT).tolist()
    enabled_any = np.logical_or.reduce(units.enabled, initial=False).tolist() \
        if units.enabled else [False] * len(g)
    while work:
        if len(work[-1]) == 1 and enabled_any[work[-1][0]] and _only_repeats(
                work[-1][0], start, dst, repeats):
            work.pop()  # a state that only repeats, where some unit is enabled: no unit is
            continue    # taken, so a weak one is starved and a strong one removes it
        members = np.array(work.pop(), dtype=np.int64)
        mark[members] = True
        edges = g.edges_of(members)
        edges = edges[mark[g.dst[edges]]]
        mark[members] = False
        removed = np.zeros(len(members), dtype=bool)
        fair = True
        for strong, taken, enabled in zip(units.strong, units.taken, units.enabled):
            if taken[edges].any():
                continue
            here = enabled[members]
            if strong:
                removed |= here
            elif here.all():
                fair = False
                break
        if not fair:
            continue
        if removed.any():
            rest = members[~removed].tolist()
            for i in rest:
                subset[i] = True
            work.extend(list(components(g, rest, subset)))
            for i in rest:
                subset[i] = False
            continue
        yield FairComponent(members, edges)


def _only_repeats(v: int, start: list[int], dst: list[int], repeats: list[bool]) -> bool:
    """Whether every edge from v back to v repeats the state (no thread moves)."""
    return all(repeats[e] for e in range(start[v], start[v + 1]) if dst[e] == v)
