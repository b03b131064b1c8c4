"""Liveness under fairness on the explored graph: a fair lasso, or "holds".

Each pattern's negation is a Büchi condition of at most two modes, so no LTL
translation is needed. A violating run is a stem, possibly through any state (mode 0),
entering a region R at an entry state (mode 1) and staying in R for ever, on a fair
loop through an accepting state:

| pattern               | R          | entry (mode 0 -> 1)     | accepting in the loop |
|-----------------------|------------|-------------------------|-----------------------|
| eventually P          | not P      | initial states only     | any                   |
| always eventually P   | not P      | any state of R          | any                   |
| eventually always P   | all        | any state               | not P                 |
| P ~> Q                | not Q      | P and not Q             | any                   |
| termination           | unfinished | initial states only     | any                   |

The fair loops are the fair components of R (`fair_cycles`); the stem is a
breadth-first search of the product (a mode switch costs no step), so it is a shortest
one; the loop visits what fairness and acceptance ask of it, by shortest paths inside
the component.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from ..backends.base import TransitionSystem
from ..backends.runtime import EvalError
from ..ir.temporal import LivenessInstance
from .action_fairness import action_units
from .fair_cycles import FairComponent, Units, fair_components, sources
from .graph import Graph


@dataclass
class Lasso:
    """A violating run: `path` (state indices, and `states` the states) and the thread of
    each step (`movers`, REPEAT for a state that repeats); the last state is the state at
    index `loop` again."""

    instance: LivenessInstance
    path: list[int]
    movers: list[int]
    loop: int
    states: list[tuple]


@dataclass
class Undecided:
    instance: LivenessInstance
    reason: str


Result = Lasso | Undecided | None  # None: the property holds


def fairness_units(ts: TransitionSystem, g: Graph, src: np.ndarray) -> Units:
    """One unit per fairness declaration per thread id; an action's, one per thread id and
    value of its `per` variables (`action_fairness`)."""
    temporal = ts.model.temporal
    assert temporal is not None
    strong, taken, enabled = [], [], []
    actions = [(k, f) for k, f in enumerate(temporal.fairness) if f.action is not None]
    for f, (unit_taken, unit_enabled) in action_units(ts, g, src, actions) if actions else []:
        strong.append(f.strength == "strong")
        taken.append(unit_taken)
        enabled.append(unit_enabled)
    for f in temporal.fairness:
        if f.action is not None:
            continue
        for me in range(ts.model.pool):
            mask = g.thread == me
            if f.pcs is not None:
                mask &= np.isin(g.pc, sorted(f.pcs))
            strong.append(f.strength == "strong")
            taken.append(mask)
            enabled.append(np.bincount(src[mask], minlength=len(g)) > 0)
    return Units(strong, taken, enabled)


def check_liveness(ts: TransitionSystem, g: Graph) -> list[Result]:
    """One result per instance of `ts.model.temporal`, in order."""
    temporal = ts.model.temporal
    assert temporal is not None
    src = sources(g)
    try:
        units = fairness_units(ts, g, src)
    except EvalError as e:
        return [Undecided(live, f"a fairness condition cannot be evaluated: {e}")
                for live in temporal.properties]
    out: list[Result] = []
    first = 0  # the number of the instance's first predicate (`Labels.holds`)
    for live, preds in zip(temporal.properties, ts.predicates):
        try:
            values = [g.labels.holds(first + j, p) for j, p in enumerate(preds)]
        except EvalError as e:
            out.append(Undecided(live, f"its predicate cannot be evaluated: {e}"))
            continue
        finally:
            first += len(preds)
        if live.pattern == "termination":
            values = [g.labels.finished()]
        out.append(_violation(live, values, g, units))
    return out


def _violation(live: LivenessInstance, values: list[np.ndarray], g: Graph,
               units: Units) -> Lasso | None:
    everything = np.ones(len(g), dtype=bool)
    if live.pattern in ("eventually", "termination"):
        region, entry, accepting = ~values[0], None, everything
    elif live.pattern == "always_eventually":
        region, entry, accepting = ~values[0], ~values[0], everything
    elif live.pattern == "eventually_always":
        region, entry, accepting = everything, everything, ~values[0]
    else:  # leads_to
        region, entry, accepting = ~values[1], values[0] & ~values[1], everything
    if entry is not None and not entry.any():
        return None  # the run never enters the region (P ~> Q with P never without Q)
    region = region & _reachable(g, g.initial if entry is None else np.flatnonzero(entry),
                                 region)
    good = [c for c in fair_components(g, region, units) if accepting[c.members].any()]
    if not good:
        return None
    owner = np.full(len(g), -1, dtype=np.int32)
    for k, c in enumerate(good):
        owner[c.members] = k
    found = _stem(g, region, entry, owner >= 0)
    if found is None:
        return None
    stem, movers = found
    comp = good[int(owner[stem[-1]])]
    cycle, cycle_movers = _loop(g, comp, stem[-1], units, accepting)
    path = stem + cycle
    return Lasso(live, path, movers + cycle_movers, len(stem) - 1,
                 g.labels.path_states(path))


def _reachable(g: Graph, sources: list[int] | np.ndarray, region: np.ndarray) -> np.ndarray:
    """The states of the region reachable from `sources` (those in it) inside it: only
    their components can hold the loop of a counterexample."""
    seen = np.zeros(len(g), dtype=bool)
    frontier = np.array([i for i in sources if region[i]], dtype=np.int64)
    seen[frontier] = True
    while len(frontier):
        targets = g.dst[g.edges_of(frontier)]
        targets = np.unique(targets[region[targets] & ~seen[targets]])
        seen[targets] = True
        frontier = targets
    return seen


def _stem(g: Graph, region: np.ndarray, entry: np.ndarray | None,
          targets: np.ndarray) -> tuple[list[int], list[int]] | None:
    """A shortest path from an initial state to a target state in mode 1 of the product:
    mode 0 moves anywhere; at an entry state it may switch to mode 1 (no step), which
    moves only inside the region. Without `entry`, runs start in mode 1."""
    n = len(g)
    parent = [-2] * (2 * n)  # -2 unseen, -1 a start
    via = [0] * (2 * n)      # the edge taken (-1: a mode switch)
    queue: deque[int] = deque()
    for i in g.initial:
        node = 2 * i + 1 if entry is None else 2 * i
        if (entry is None and not region[i]) or parent[node] != -2:
            continue
        parent[node] = -1
        queue.append(node)
    start, dst = g.lists()
    targets_, region_ = targets.tolist(), region.tolist()
    entry_ = entry.tolist() if entry is not None else None
    while queue:
        node = queue.popleft()
        i, mode = divmod(node, 2)
        if mode == 1 and targets_[i]:
            return _unwind(node, parent, via, g)
        if mode == 0 and entry_ is not None and entry_[i] and parent[node + 1] == -2:
            parent[node + 1], via[node + 1] = node, -1
            queue.appendleft(node + 1)  # a switch costs no step: 0-1 breadth-first search
        for e in range(start[i], start[i + 1]):
            j = dst[e]
            if mode == 1 and not region_[j]:
                continue
            nxt = 2 * j + mode
            if parent[nxt] == -2:
                parent[nxt], via[nxt] = node, e
                queue.append(nxt)
    return None


def _unwind(node: int, parent: list[int], via: list[int],
            g: Graph) -> tuple[list[int], list[int]]:
    path, movers = [node // 2], []
    while parent[node] >= 0:
        if via[node] >= 0:
            movers.append(int(g.thread[via[node]]))
            path.append(int(parent[node]) // 2)
        node = int(parent[node])
    return path[::-1], movers[::-1]


def _loop(g: Graph, comp: FairComponent, x: int, units: Units,
          accepting: np.ndarray) -> tuple[list[int], list[int]]:
    """A loop from x back to x inside the component that takes every unit taken in it,
    passes a state where each weak unit not taken is disabled, and an accepting state;
    the states after x and the movers of its steps."""
    inside = np.zeros(len(g.dst), dtype=bool)
    inside[comp.edges] = True
    src = sources(g)
    goals: list[np.ndarray] = []  # each: bool per edge, one of which the loop must take
    for taken, enabled, strong in zip(units.taken, units.enabled, units.strong):
        if (taken & inside).any():
            goals.append(taken & inside)
        elif not strong:
            goals.append(inside & ~enabled[src])
    if not accepting[comp.members].all():
        goals.append(inside & accepting[src])
    path: list[int] = []
    movers: list[int] = []
    used: list[int] = []  # the edges the loop takes so far
    here = x
    for goal in goals:
        if goal[used].any():
            continue
        p, m, e = _bfs(g, inside, here, goal)
        path, movers, used, here = path + p, movers + m, used + e, p[-1]
    p, m, _ = _bfs(g, inside, here, None, x, force=not path)
    return path + p, movers + m


def _bfs(g: Graph, inside: np.ndarray, a: int, goal: np.ndarray | None, b: int = -1,
         force: bool = False) -> tuple[list[int], list[int], list[int]]:
    """Shortest path inside the component from a that ends by taking a goal edge, or
    reaches b (at least one step with `force`): the states after a, their movers and the
    edges taken."""
    if goal is None and a == b and not force:
        return [], [], []
    parent = {a: (-1, -1)}
    queue = deque([a])
    start, dst = g.start, g.dst
    while queue:
        i = queue.popleft()
        for e in range(int(start[i]), int(start[i + 1])):
            if not inside[e]:
                continue
            j = int(dst[e])
            if (goal is not None and goal[e]) or (goal is None and j == b):
                return _back(parent, i, a, g, e)
            if j not in parent:
                parent[j] = (i, e)
                queue.append(j)
    raise AssertionError("no path inside a strongly connected component")


def _back(parent: dict[int, tuple[int, int]], i: int, a: int, g: Graph,
          last: int) -> tuple[list[int], list[int], list[int]]:
    edges = [last]
    while i != a:
        i, e = parent[i]
        edges.append(e)
    edges.reverse()
    return [int(g.dst[e]) for e in edges], [int(g.thread[e]) for e in edges], edges
