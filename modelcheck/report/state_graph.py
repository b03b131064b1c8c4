"""The reachable state graph of a small model, laid out for drawing, with traces on it.

The search keeps parent links only, not edges. For a few hundred states it is
cheap to search again and expand every stored state once more with the step
functions, which gives every edge; networkx then lays the graph out in rows by
BFS depth, so a counterexample reads top to bottom as it does in the trace. A lasso's
loop goes back up (or stays on its state): that edge is drawn as a curve with an arrow
(`Edge.path`), and the states of the loop are ringed (`Node.cycle`), as the swimlanes
highlight its steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx

from ..backends.base import TransitionSystem
from ..engine.outcome import Limits
from ..engine.search import search
from ..engine.trace import Counterexample, stored_form
from ..ir.values import flat_view

LIMIT = 300  # more states than this make a drawing nobody can read


@dataclass
class Node:
    id: int
    x: float
    y: float
    depth: int
    title: str
    initial: bool = False
    traces: list[int] = field(default_factory=list)  # which counterexamples pass here
    failure: str = ""                                 # a failed step's pseudo-node: its property
    cycle: list[int] = field(default_factory=list)    # which lassos loop through here


@dataclass
class Edge:
    source: int  # node ids: stored state indices (a failed step's node is negative)
    target: int
    x1: float
    y1: float
    x2: float
    y2: float
    traces: list[int] = field(default_factory=list)
    path: str = ""  # a lasso's closing edge: an SVG path (a curve, or a loop on one state)


@dataclass
class Drawing:
    width: float
    height: float
    nodes: list[Node]
    edges: list[Edge]
    partial: bool  # the search stopped before the whole state space (every property failed)


def draw(ts: TransitionSystem, traces: list[Counterexample]) -> Drawing | None:
    """Nodes and edges with coordinates; None when there are no states or over LIMIT."""
    outcome = search(ts, Limits(max_states=LIMIT + 1))
    store = outcome.store
    if not 0 < len(store) <= LIMIT:
        return None
    g = nx.DiGraph()
    for i in range(len(store)):
        g.add_node(i, depth=len(store.path(i)) - 1)
    fired = ts.pc_counters()
    for i, s in enumerate(store.states):
        for r in ts.expand(s, fired):
            j = store.index.get(r) if type(r) is tuple else None
            if j is not None:
                g.add_edge(i, j)
    on_trace: dict[tuple[int, int], list[int]] = {}
    failures: dict[int, str] = {}
    closing: set[tuple[int, int]] = set()  # the edges that close a lasso's loop
    for k, ce in enumerate(traces):
        ids = [store.index.get(stored_form(ts, st.state)) for st in ce.steps
               if not st.failed]
        if any(i is None for i in ids):
            continue  # this trace left the part of the graph drawn
        if ce.steps and ce.steps[-1].failed and ids:
            node = -1 - k  # a failed step ends nowhere in the store: give it a node of its own
            g.add_node(node, depth=g.nodes[ids[-1]]["depth"] + 1)
            g.add_edge(ids[-1], node)
            failures[node] = ce.prop
            ids.append(node)
        for a, b in zip(ids, ids[1:]):
            on_trace.setdefault((a, b), []).append(k)  # type: ignore[arg-type]
        for i in ids:
            g.nodes[i].setdefault("traces", []).append(k)
        if ce.loop is not None and len(ids) > 1:
            closing.add((ids[-2], ids[-1]))  # type: ignore[arg-type]
            g.add_edge(ids[-2], ids[-1])  # a state that stays: an edge to itself
            for i in set(ids[ce.loop:]):
                g.nodes[i].setdefault("cycle", []).append(k)
    pos = nx.multipartite_layout(g, subset_key=_rows(g), align="horizontal")
    lo, hi = min(x for x, _ in pos.values()), max(x for x, _ in pos.values())
    widest = max(sum(1 for n in g if g.nodes[n]["depth"] == d)
                 for d in {g.nodes[n]["depth"] for n in g})
    deepest = max(g.nodes[n]["depth"] for n in g)
    width, height = max(400.0, 22.0 * widest), 60.0 * (deepest + 1)

    def at(n: int) -> tuple[float, float]:
        xs = (pos[n][0] - lo) / (hi - lo) if hi > lo else 0.5
        return 20 + xs * (width - 40), 20 + g.nodes[n]["depth"] * 60.0

    nodes = []
    for n in g:
        x, y = at(n)
        title = failures[n] + " fails here" if n in failures else \
            f"state {n}\n" + "\n".join(f"{k} = {v}" for k, v in
                                       flat_view(ts.model, store.state(n)).items())
        nodes.append(Node(n, x, y, g.nodes[n]["depth"], title, n >= 0 and store.parents[n] < 0,
                          g.nodes[n].get("traces", []), failures.get(n, ""),
                          g.nodes[n].get("cycle", [])))
    edges = [Edge(a, b, *at(a), *at(b), on_trace.get((a, b), []),
                  _curve(*at(a), *at(b)) if (a, b) in closing else "") for a, b in g.edges]
    edges.sort(key=lambda e: len(e.traces))  # traces drawn last, on top
    nodes.sort(key=lambda n: len(n.traces))
    partial = len(outcome.violations) == len(ts.model.properties)
    return Drawing(width, height + 20, nodes, edges, partial)



def _curve(x1: float, y1: float, x2: float, y2: float) -> str:
    """A closing edge, bent sideways so it does not hide under the straight edges of the
    stem; from a state to itself, a loop beside it."""
    if (x1, y1) == (x2, y2):
        return (f"M {x1 + 4:.1f} {y1 - 3:.1f} C {x1 + 30:.1f} {y1 - 24:.1f} "
                f"{x1 + 30:.1f} {y1 + 24:.1f} {x1 + 6:.1f} {y1 + 4:.1f}")
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy)
    bend = max(30.0, 0.3 * length)
    cx, cy = (x1 + x2) / 2 - dy / length * bend, (y1 + y2) / 2 + dx / length * bend
    return f"M {x1:.1f} {y1:.1f} Q {cx:.1f} {cy:.1f} {x2:.1f} {y2:.1f}"


def _rows(g: nx.DiGraph) -> dict[int, list[int]]:
    """The nodes of each depth, ordered by where their parents sit in the row above (the
    barycentre heuristic), so that fewer edges cross; the layout keeps this order."""
    rows: dict[int, list[int]] = {}
    for n in g:
        rows.setdefault(g.nodes[n]["depth"], []).append(n)
    place: dict[int, float] = {}
    for d in sorted(rows):
        def key(n: int, d: int = d) -> float:
            above = [place[p] for p in g.predecessors(n) if g.nodes[p]["depth"] == d - 1]
            return sum(above) / len(above) if above else 2.0
        row = sorted(rows[d], key=key) if d else rows[d]
        rows[d] = row
        for k, n in enumerate(row):
            place[n] = k / max(1, len(row) - 1)
    return rows
