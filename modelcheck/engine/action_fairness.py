"""The fairness units of actions with chosen arguments (`ir.temporal.Action`) over a graph.

The graph's edges say which thread moved and from which step, not which `either` branch
or `choose` values made the move, so the states where the action's step moved are asked
again through the back end's labelled step, which yields the same results in the same
order with their choices. A unit per thread id and per value of the `per` variables is
then taken by an edge whose target some matching result reaches (TLA+'s <<A>>_vars is a
pair of states: another choice reaching the same state is the same step), and enabled in
a state with a matching result that changes it. Either engine's graph works: its
`Labels` give the states by index (the native store decodes them), and the Python back
end, the one the liveness check always has, labels the moves.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..backends.base import TransitionSystem
from ..backends.runtime import EvalError
from ..ir.temporal import Fairness
from .graph import Graph

Unit = tuple[np.ndarray, np.ndarray]  # taken (per edge), enabled (per state)


def action_units(ts: TransitionSystem, g: Graph, src: np.ndarray,
                 actions: list[tuple[int, Fairness]]) -> list[tuple[Fairness, Unit]]:
    """The units of the actions, given with their place among the model's fairness; only
    those some state enables (a unit never enabled asks nothing of a run). Each state
    where one of their steps moved is labelled once for all of them. EvalError when a
    `where` cannot be evaluated on a move."""
    units: dict[tuple, tuple[Fairness, Unit]] = {}
    pcs = {pc for _, f in actions for pc in f.pcs or ()}
    start, _ = g.lists()
    threads, offsets = g.thread.tolist(), ts.pc_offsets
    for i in np.unique(src[np.isin(g.pc, sorted(pcs)) & (g.thread >= 0)]).tolist():
        state = g.labels.path_states([i])[0]
        by_thread: dict[int, list[int]] = {}  # every move of a thread at one of the steps
        for e in range(start[i], start[i + 1]):
            if threads[e] >= 0 and state[offsets[threads[e]]] in pcs:
                by_thread.setdefault(threads[e], []).append(e)
        for me, mine in by_thread.items():
            results = list(_results(ts, state, me))
            if len(results) != len(mine):
                raise AssertionError(f"labelled step {len(results)} results, graph {len(mine)}")
            for k, f in actions:
                if f.pcs is not None and state[offsets[me]] not in f.pcs:
                    continue
                for key, targets in _matches(ts, f, k, state, results).items():
                    if (k, me, key) not in units:
                        units[k, me, key] = (f, (np.zeros(len(g.dst), bool),
                                                 np.zeros(len(g), bool)))
                    taken, enabled = units[k, me, key][1]
                    enabled[i] = True
                    for e, (r, _) in zip(mine, results):
                        if r in targets:
                            taken[e] = True
    return list(units.values())


def _matches(ts: TransitionSystem, f: Fairness, k: int, state: tuple,
             results: list[tuple[tuple, tuple]]) -> dict[tuple, set[tuple]]:
    """The states the action reaches from `state`, by the values of its `per` variables."""
    action = f.action
    assert action is not None
    where = ts.fair_conditions.get(k)
    names = [b.name for b in action.reads]
    reached: dict[tuple, set[tuple]] = {}
    for r, choices in results:
        chosen = {c[0]: c[1] for c in choices if c[0] != "either"}
        if r == state or "enter" in chosen or action.branch is not None and action.branch not in (
                c[2][c[1] - 1] for c in choices if c[0] == "either") \
                or any(p not in chosen for p in [*names, *action.per]):
            continue
        if where is not None and not where(state, *(chosen[n] for n in names)):
            continue
        reached.setdefault(tuple(chosen[p] for p in action.per), set()).add(r)
    return reached


def _results(ts: TransitionSystem, state: tuple, me: int) -> Iterator[tuple[tuple, tuple]]:
    """The results the graph made edges of (states, not failures), with their choices; a
    step that cannot be evaluated keeps those made before, as in the graph."""
    try:
        for r, choices in ts.labelled_step(state, me):
            if type(r) is tuple:
                yield r, choices
    except EvalError:
        return
