"""Liveness under fairness: known answers on the example specs, the run semantics, honesty
when the search is cut off, lasso reports, and the cycle search against a brute-force
reading of the definition on random graphs."""

from __future__ import annotations

import copy
import itertools
import json
import random
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.engine.fair_cycles import components
from modelcheck.engine.graph import REPEAT, Graph, OnStates
from modelcheck.engine.liveness import check_liveness
from modelcheck.ir.temporal import Fairness, LivenessInstance, Temporal
from modelcheck.lang.errors import SpecError
from modelcheck.lang.source import load, load_text
from modelcheck.symbolic.certify import CertificationError, certify
from tests.conftest import ROOT, check, prop, violated

EXAMPLES = ROOT / "specs" / "examples"

KNOWN = [
    ("live_tas_lock", "weak", {"STARVATION-FREE"}),
    ("live_tas_lock", "strong", set()),
    ("live_peterson", "unfair", {"STARVATION-FREE"}),
    ("live_peterson", "weak", set()),
    ("live_philosophers", "unordered", {"deadlock", "SOMEONE-EATS"}),
    ("live_philosophers", "ordered", set()),
    ("live_counter", "unfair", {"DONE"}),
    ("live_counter", "fair", set()),
    ("live_peterson_places", "unfair", {"STARVATION-FREE", "PAIR-PROGRESS"}),
    ("live_peterson_places", "weak", set()),
    ("live_peterson_places", "flag_only", {"deadlock", "STARVATION-FREE", "PAIR-PROGRESS"}),
]


@pytest.mark.parametrize(("name", "variant", "broken"), KNOWN,
                         ids=[f"{n}-{v}" for n, v, _ in KNOWN])
def test_known_answers(name: str, variant: str, broken: set[str]) -> None:
    ts, v = run_variant(load(EXAMPLES / f"{name}.spec"), variant, RunConfig(engine="python"))
    assert set(violated(v)) == broken
    assert v.expectation == "met"
    for ce in v.counterexamples:
        if ce.kind != "liveness":
            continue
        assert ce.certified and ce.loop is not None and ce.loop < ce.length
        assert ce.steps[-1].state == ce.steps[ce.loop].state


def test_weak_fairness_lets_the_lock_starve_a_waiter() -> None:
    """The loop of the test-and-set lasso: thread 1 keeps taking the lock, thread 0 waits
    at `acquire` throughout and is disabled (lock taken) in some loop state."""
    ts, v = run_variant(load(EXAMPLES / "live_tas_lock.spec"), "weak",
                        RunConfig(engine="python"))
    ce = v.counterexamples[0]
    assert ce.loop is not None and "t = 0" in ce.message
    loop = ce.steps[ce.loop:]
    assert {st.thread for st in loop[1:]} == {1}
    assert any(st.action == "worker.acquire" for st in loop[1:])
    locked = ts.model.vars[0]
    assert any(st.state[locked.offset] for st in loop)


def test_places_and_partners_in_a_liveness_property() -> None:
    """live_peterson_places states its properties with `t at proc.wait` and `t.other`: in
    the unfair lasso thread 0 waits at every step of the loop while its partner (thread 1,
    read through `0.other`) rests, never in `cs`."""
    ts, v = run_variant(load(EXAMPLES / "live_peterson_places.spec"), "unfair",
                        RunConfig(engine="python"))
    ce = next(c for c in v.counterexamples if c.prop == "PAIR-PROGRESS")
    assert ce.loop is not None and "t = 0" in ce.message
    names = {s.pc: f"{t.name}.{s.label}" for t in ts.model.templates.values() for s in t.steps}
    base, stride = ts.model.thread_base, ts.model.thread_stride
    partner = ts.model.templates["proc"].params[0]
    for st in ce.steps[ce.loop:]:
        assert names[st.state[base]] == "proc.wait"
        assert st.state[base + partner.slot] == 1  # 0.other
        assert names[st.state[base + stride]] in ("proc.leave", "proc.rest")


COUNTER = """
threads 2;
var n: 0..2 = 0;
thread counter() { count: { await n < 2; n = n + 1; goto count; } }
thread other() { idle: { skip; } }
start counter();
start other();
option deadlock = false;
{extra}
liveness DONE: eventually n == 2;
"""


def test_spin_runs_need_no_fairness_for_a_counter_that_finishes() -> None:
    v = check(COUNTER.replace("{extra}", ""))
    assert prop(v, "DONE").status == "holds"


def test_tla_runs_stutter_unless_fairness_forbids() -> None:
    v = check(COUNTER.replace("{extra}", "option stutter = true;"))
    assert violated(v) == {"DONE": 1}  # the initial state stays for ever
    ce = v.counterexamples[0]
    assert ce.loop == 0 and ce.steps[1].action == "stays" and ce.certified
    v = check(COUNTER.replace("{extra}", "option stutter = true; fairness weak counter;"))
    assert prop(v, "DONE").status == "holds"


def test_fairness_for_one_step_only() -> None:
    v = check(COUNTER.replace("{extra}", "option stutter = true; fairness weak other.idle;"))
    assert violated(v) == {"DONE": 2}  # the other thread finishes, then nothing runs


PATTERNS = """
threads 1;
var bit: bool = false;
var stop: bool = false;
thread flip() {
    go: {
        either { bit = !bit; goto go; }
        or { await !stop; stop = true; bit = true; goto go; }
    }
}
start flip();
liveness ALWAYS-AGAIN: always eventually bit;
liveness SETTLES: eventually always bit;
liveness LEADS: !bit ~> bit;
liveness ENDS: termination;
"""


def test_each_pattern() -> None:
    """The thread may flip the bit for ever, or (once) set it and flip further: the bit is
    true infinitely often on every run, never stays true for ever, and a run never ends.
    Every step changes the bit, so the shortest loops have two steps, from the start."""
    v = check(PATTERNS)
    assert violated(v) == {"SETTLES": 2, "ENDS": 2}
    assert [ce.loop for ce in v.counterexamples] == [0, 0]
    assert prop(v, "ALWAYS-AGAIN").status == prop(v, "LEADS").status == "holds"


def test_termination_of_a_deadlock() -> None:
    v = check("""
threads 1;
var x: bool = false;
thread t() { a: { await x; } }
start t();
liveness ENDS: termination;
""")
    assert violated(v) == {"deadlock": 0, "ENDS": 1}


def test_a_run_that_fails_an_assertion_ends_there() -> None:
    """Its end does not repeat: the safety violation is reported, not a lasso."""
    v = check("""
threads 1;
var x: bool = false;
thread t() { a: { assert x, "x is unset" as A; } }
start t();
liveness E: eventually x;
""")
    assert violated(v) == {"A": 1}
    assert prop(v, "E").status == "holds"


def test_incomplete_search_never_says_liveness_holds() -> None:
    v = check(PATTERNS, max_states=2)
    assert prop(v, "ALWAYS-AGAIN").status == "unknown"
    assert v.result == "incomplete"


@pytest.mark.parametrize("how", [{"liveness": False}, {"engine": "python", "workers": 2}])
def test_liveness_a_run_cannot_check_stays_unknown(how: dict[str, Any]) -> None:
    _, v = run_variant(load(EXAMPLES / "live_counter.spec"), "fair", RunConfig(**how))
    assert prop(v, "DONE").status == "unknown"
    assert prop(v, "deadlock").status == "holds"
    assert v.result == "incomplete" and "liveness not checked" in v.incomplete[0]


def test_symmetry_leaves_liveness_unknown() -> None:
    spec = "symmetric tid;\nthreads 2;\nthread t() { a: { skip; } }\nstart t();\n" \
           "liveness E: termination;"
    v = check(spec)
    assert prop(v, "E").status == "unknown"
    assert "E not checked under symmetry reduction: a loop of canonical states need not be" \
        in v.incomplete[0] and "--no-symmetry" in v.incomplete[0]
    v = check(spec.replace("liveness E: termination;", "var x: bool = false;\nfairness weak;\n"
                           "liveness F for u in tid: u at t.a ~> x;"))
    assert prop(v, "F").status == "unknown"
    assert "F not checked under symmetry reduction: it is stated per thread (u = 0)" \
        in v.incomplete[0] and "its fairness is per thread id (weak)" in v.incomplete[0]
    _, v = run_variant(load_text(spec), None, RunConfig(symmetry=False))
    assert prop(v, "E").status == "holds"


def test_unknown_names_in_fairness() -> None:
    with pytest.raises(SpecError, match="no thread or handler 'countr'"):
        check(COUNTER.replace("{extra}", "fairness weak countr;"))
    with pytest.raises(SpecError, match="has no step 'cont'"):
        check(COUNTER.replace("{extra}", "fairness weak counter.cont;"))


def test_native_engine_gives_the_same_lassos() -> None:
    spec = load(EXAMPLES / "live_tas_lock.spec")
    _, native = run_variant(spec, "weak", RunConfig(engine="native"))
    _, python = run_variant(spec, "weak", RunConfig(engine="python"))
    assert native.engine.startswith("native")
    assert [[(st.thread, st.state) for st in ce.steps] for ce in native.counterexamples] == \
        [[(st.thread, st.state) for st in ce.steps] for ce in python.counterexamples]


def test_lasso_formats(tmp_path: Path) -> None:
    spec = str(EXAMPLES / "live_tas_lock.spec")
    code = main([spec, "--variant", "weak", "--json", str(tmp_path / "v.json"),
                 "--itf", str(tmp_path / "t.itf.json"), "--no-report", "-q", "--no-trace"])
    assert code == 0  # weak violates STARVATION-FREE, as its expect line says
    ce = json.loads((tmp_path / "v.json").read_text())["counterexample"]
    itf = json.loads((tmp_path / "t.itf.json").read_text())
    assert ce["loop"] == itf["loop"] == 1
    assert len(itf["states"]) == ce["length"]  # the repeated last state is left out
    assert itf["#meta"]["loop-step"]["thread"] == 1


# ---------------------------------------------------------------- against brute force

def _graph(n: int, edges: list[tuple[int, int, int]]) -> Graph:
    """A graph on n states whose edges are (source, target, thread); a state without
    edges repeats, as the graph builder makes it."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for a, b, t in edges:
        out[a].append((b, t))
    for a in range(n):
        if not out[a]:
            out[a].append((a, REPEAT))
    start = np.cumsum([0] + [len(x) for x in out])
    flat = [e for x in out for e in x]
    return Graph(start.astype(np.int64), np.array([b for b, _ in flat], np.int32),
                 np.array([t for _, t in flat], np.int16),
                 np.array([4 if t >= 0 else -1 for _, t in flat], np.int32),
                 [0], OnStates([(i,) for i in range(n)], []), 0)


def _reach(g: Graph, sources: set[int], allowed: set[int]) -> set[int]:
    seen, queue = set(sources), deque(sources)
    while queue:
        i = queue.popleft()
        for e in g.edges(i):
            j = int(g.dst[e])
            if j in allowed and j not in seen:
                seen.add(j)
                queue.append(j)
    return seen


def _fair_set(g: Graph, members: set[int], units: list[tuple[str, int]]) -> bool:
    """The definition: a run that visits exactly `members` infinitely often, and every
    edge among them, exists and is fair."""
    inside = [e for i in members for e in g.edges(i) if int(g.dst[e]) in members]
    if not inside or any(_reach(g, {i}, members) != members for i in members):
        return False
    for strength, me in units:
        if any(int(g.thread[e]) == me for e in inside):
            continue
        enabled = [any(int(g.thread[e]) == me for e in g.edges(i)) for i in members]
        if (strength == "strong" and any(enabled)) or all(enabled):
            return False
    return True


def _brute(g: Graph, pattern: str, p: np.ndarray, units: list[tuple[str, int]]) -> bool:
    """Whether a fair run violates `pattern` (over predicate p), by trying every set of
    states as the set a run visits infinitely often."""
    n, notp = len(g), {i for i in range(len(g)) if not p[i]}
    everything = set(range(n))
    if pattern == "eventually":
        reach = _reach(g, {0} & notp, notp)
    else:
        reach = _reach(g, {0}, everything)
    for size in range(1, n + 1):
        for combo in itertools.combinations(sorted(reach), size):
            members = set(combo)
            if pattern in ("eventually", "always_eventually") and not members <= notp:
                continue
            if pattern == "eventually_always" and not members & notp:
                continue
            if _fair_set(g, members, units):
                return True
    return False


@pytest.mark.parametrize("seed", range(12))
def test_cycle_search_agrees_with_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        n = rng.randint(1, 6)
        edges = [(rng.randrange(n), rng.randrange(n), rng.randrange(2))
                 for _ in range(rng.randint(0, 2 * n))]
        g = _graph(n, edges)
        p = np.array([rng.random() < 0.4 for _ in range(n)])
        fairness = [Fairness(rng.choice(["weak", "strong"]), None, "")
                    for _ in range(rng.randint(0, 1))]
        units = [(f.strength, me) for f in fairness for me in range(2)]
        for pattern in ("eventually", "always_eventually", "eventually_always"):
            live = LivenessInstance("L", pattern, (), "", None)  # type: ignore[arg-type]
            ts = _System(Temporal([live], fairness), p)
            (found,) = check_liveness(ts, g)  # type: ignore[arg-type]
            assert (found is not None) == _brute(g, pattern, p, units), (edges, p, pattern)
            if found is not None:
                _assert_lasso(g, found.path, found.movers, found.loop)


def _assert_lasso(g: Graph, path: list[int], movers: list[int], loop: int) -> None:
    assert path[-1] == path[loop] and loop < len(path) - 1
    for a, b, me in zip(path, path[1:], movers):
        assert any(int(g.dst[e]) == b and int(g.thread[e]) == me for e in g.edges(a))


class _System:
    """What the liveness check reads of a transition system, for a synthetic graph."""

    def __init__(self, temporal: Temporal, p: np.ndarray) -> None:
        self.model = type("M", (), {"temporal": temporal, "pool": 2})()
        self.predicates = [(lambda s: bool(p[s[0]]),)]
        self.pc_offsets: list[int] = []


def test_deep_cycle_needs_no_recursion() -> None:
    n = 200_000
    g = _graph(n, [(i, (i + 1) % n, 0) for i in range(n)])
    (only,) = components(g, [0], [True] * n)
    assert sorted(only) == list(range(n))


def test_z3_rejects_a_lasso_that_is_unfair_under_other_fairness() -> None:
    """The test-and-set lasso found under weak fairness, certified against the strong
    variant (same states and steps): thread 0's acquire is enabled on the loop and never
    taken, so z3 must reject it."""
    spec = load(EXAMPLES / "live_tas_lock.spec")
    weak_ts, weak = run_variant(spec, "weak", RunConfig(engine="python"))
    strong, _ = run_variant(spec, "strong", RunConfig(engine="python"))
    ce = weak.counterexamples[0]
    with pytest.raises(CertificationError, match="unfair to thread 0"):
        certify(strong.model, [ce])
    bent = copy.copy(ce)
    bent.loop = 0  # the last state is not the initial one
    with pytest.raises(CertificationError, match="not the state of step 0"):
        certify(weak_ts.model, [bent])
