"""The search engine: exact state counts derived by hand, BFS shortest traces, deadlock,
limits that never claim "holds", the thread pool, determinism.
"""

from __future__ import annotations

import pytest

from tests.conftest import (
    actions,
    check,
    decoded,
    prop,
    run,
    states,
    trace_of,
    values_along,
    violated,
)


def counters(n: int, k: int) -> str:
    """n threads, each counting its own x[self] from 0 to k in one looping step.

    The pc never changes (always at `inc`) and nobody finishes, so the state is just the
    vector of counters: exactly (k + 1) ** n states.
    """
    return (f"threads {n};\n"
            f"var x: array[tid] of 0..{k} = [0];\n"
            f"thread w() {{ inc: {{ await x[self] < {k}; x[self] = x[self] + 1; goto inc; }} }}\n"
            + "start w();\n" * n
            + "option deadlock = false;\n")


@pytest.mark.parametrize(("n", "k"), [(2, 1), (2, 2), (2, 3), (3, 2), (4, 1)])
def test_independent_counters(n: int, k: int) -> None:
    """(k+1)^n states; each state has one transition per thread below k; depth n*k."""
    v = check(counters(n, k))
    assert v.result == "holds"
    assert v.stats.distinct_states == (k + 1) ** n
    # Sum over states of the number of threads not yet at k: n * k * (k+1)^(n-1).
    assert v.stats.transitions == n * k * (k + 1) ** (n - 1)
    assert v.stats.depth == n * k


@pytest.mark.parametrize(("n", "k"), [(1, 2), (2, 2), (3, 1)])
def test_counters_that_finish(n: int, k: int) -> None:
    """A thread that falls off its last step is finished: k+1 counter values plus done."""
    body = f"inc: {{ if k < {k} {{ k = k + 1; goto inc; }} }}"
    src = (f"threads {n};\nthread w() {{ var k: 0..{k} = 0; {body} }}\n" + "start w();\n" * n)
    v = check(src)
    assert v.result == "holds"  # everybody finishes: no deadlock
    assert v.stats.distinct_states == (k + 2) ** n


@pytest.mark.parametrize("pool", [1, 2, 3, 4, 5])
def test_spawn_chain(pool: int) -> None:
    """Each thread spawns one child (while ids are free) then takes one more step.

    Thread i is at s, at t, or done; thread i+1 exists exactly when thread i is past s, and
    the last thread has no child. Counting from the last thread, f = 3, f' = 1 + 2f, so the
    whole chain has 2^(pool+1) - 1 states, and the longest run is two steps per thread.
    """
    v = check(f"threads {pool};\n"
              "thread w() { s: { if free_threads() > 0 { spawn w(); } } t: { skip; } }\n"
              "start w();\n")
    assert v.result == "holds"
    assert not v.incomplete
    assert v.stats.distinct_states == 2 ** (pool + 1) - 1
    assert v.stats.depth == 2 * pool


def test_spawn_takes_lowest_never_used_id() -> None:
    """Ids are never reused: after child 1 finishes, the next spawn gets 2."""
    ts, v = run("""
    threads 3;
    var second: tid? = none;
    thread m() { a: { spawn c(); } b: { await done(1); second = spawn c(); } }
    thread c() { x: { skip; } }
    start m();
    invariant NO-SECOND: second == none;
    """)
    ce = trace_of(v, "NO-SECOND")
    assert [(t, a) for t, a, _ in actions(ce)] == [(None, "init"), (0, "m.a"), (1, "c.x"),
                                                   (0, "m.b")]
    assert values_along(ts, ce, "second")[-1] == 2


def test_await_blocks_until_enabled() -> None:
    """A waiter cannot run before the flag is set: the bad order is unreachable."""
    v = check("""
    var flag: bool = false;
    var order: 0..2 = 0;
    thread waiter() { w: { await flag; order = 2; } }
    thread setter() { s: { flag = true; if order == 0 { order = 1; } } }
    start waiter(); start setter();
    invariant NEVER-WAITER-FIRST: !(order == 2 && !flag);
    """)
    assert v.result == "holds"
    # init; setter ran (flag, order 1); waiter ran after (order 2): a single path.
    assert (v.stats.distinct_states, v.stats.transitions) == (3, 2)


@pytest.mark.parametrize("branches", [2, 3])
def test_either_branch_count(branches: int) -> None:
    """Two threads each choosing among b branches once: (1 + b)^2 states, 2b + 2b^2 edges."""
    alts = " or ".join(f"{{ x[self] = {i + 1}; }}" for i in range(branches))
    v = check(f"threads 2; var x: array[tid] of 0..3 = [0];\n"
              f"thread w() {{ s: {{ either {alts} }} }}\n"
              "start w(); start w();")
    assert v.result == "holds"
    assert v.stats.distinct_states == (1 + branches) ** 2
    # From init: 2b edges; from each of the 2b half-done states: b edges.
    assert v.stats.transitions == 2 * branches + 2 * branches * branches


def test_choose_transition_count() -> None:
    """choose over 0..4 where odd: two successors; where true: five."""
    odd = check("var x: 0..4 = 0; thread w() { s: { choose v in 0..4 where v % 2 == 1 "
                "{ x = v; } } } start w();")
    assert (odd.stats.distinct_states, odd.stats.transitions) == (3, 2)
    every = check("var x: 0..4 = 0; thread w() { s: { choose v in 0..4 { x = v; } } } start w();")
    assert (every.stats.distinct_states, every.stats.transitions) == (6, 5)


def test_bfs_gives_shortest_trace() -> None:
    """The long way (listed first) needs 5 steps, the short way 2: the trace is the short one."""
    src = """
    var x: 0..1 = 0;
    thread w() {
        s: { either long: { goto l1; } or short: { goto bad; } }
        l1: { skip; }
        l2: { skip; }
        l3: { goto bad; }
        bad: { x = 1; }
    }
    start w();
    invariant SAFE: x == 0;
    """
    v = check(src)
    ce = trace_of(v, "SAFE")
    assert ce.length == 2
    assert actions(ce) == [(None, "init", []), (0, "w.s", ["short"]), (0, "w.bad", [])]


def test_bfs_shortest_across_threads() -> None:
    """Thread 0 needs four steps to break the invariant, thread 1 two: the trace uses 1 only."""
    v = check("""
    var x: 0..2 = 0;
    thread slow() { a: { skip; } b: { skip; } c: { skip; } d: { x = 1; } }
    thread quick() { a: { skip; } b: { x = 2; } }
    start slow(); start quick();
    invariant SAFE: x == 0;
    """)
    ce = trace_of(v, "SAFE")
    assert ce.length == 2
    assert [t for t, _, _ in actions(ce)[1:]] == [1, 1]


def test_deadlock_found_with_shortest_trace() -> None:
    """Two threads take a lock and wait for something that never comes: deadlock in 2 steps."""
    ts, v = run("""
    threads 2;
    var lock: tid? = none;
    var n: 0..3 = 0;
    thread w() { acq: { await lock == none; lock = self; } inc: { n = n + 1; }
                 rel: { await n > 5; lock = none; } }
    start w(); start w();
    """)
    assert violated(v) == {"deadlock": 2}
    ce = trace_of(v, "deadlock")
    assert ce.kind == "deadlock"
    assert [a for _, a, _ in actions(ce)] == ["init", "w.acq", "w.inc"]
    assert decoded(ts, ce)["lock"] == ce.steps[1].thread


def test_no_deadlock_when_every_thread_finishes() -> None:
    """Threads that all finish are not a deadlock, though nothing can run at the end."""
    v = check("var n: 0..3 = 0; thread w() { a: { n = n + 1; } } start w(); start w();")
    assert v.result == "holds"
    assert prop(v, "deadlock").status == "holds"
    assert (v.stats.distinct_states, v.stats.transitions) == (4, 4)


def test_deadlock_of_one_blocked_thread_among_finished_ones() -> None:
    """One thread finishes, the other waits forever for it to set a flag it never sets."""
    v = check("""
    var flag: bool = false;
    thread a() { s: { skip; } }
    thread b() { s: { await flag; } }
    start a(); start b();
    """)
    assert violated(v) == {"deadlock": 1}


LIMITED = counters(3, 2)  # 27 states, depth 6, one property (bounds)


@pytest.mark.parametrize("limits", [
    {"max_states": 1}, {"max_states": 10}, {"max_states": 26},
    {"max_depth": 0}, {"max_depth": 3}, {"max_depth": 5},
    {"time_limit": 0.0},
])
def test_limits_make_result_incomplete_never_holds(limits: dict[str, float]) -> None:
    """Any bound that cuts the search short gives 'incomplete' and 'unknown' statuses."""
    v = check(LIMITED, **limits)
    assert v.result == "incomplete"
    assert v.incomplete
    assert all(p.status == "unknown" for p in v.properties)
    assert v.stats.distinct_states < 27


def test_limit_reasons_are_named() -> None:
    """Each limit says which one was hit."""
    assert any("state limit" in r for r in check(LIMITED, max_states=5).incomplete)
    assert any("depth limit" in r for r in check(LIMITED, max_depth=2).incomplete)
    assert any("time limit" in r for r in check(LIMITED, time_limit=0.0).incomplete)


def test_limits_that_are_not_reached_change_nothing() -> None:
    """A bound exactly at the size of the space still allows a complete "holds"."""
    for limits in ({"max_states": 27}, {"max_depth": 6}, {"time_limit": 60.0}):
        v = check(LIMITED, **limits)
        assert v.result == "holds", limits
        assert v.stats.distinct_states == 27


def test_max_depth_keeps_states_up_to_that_depth() -> None:
    """With depth limit d, exactly the states within d steps are stored."""
    # counters(2, 2): states at depth j are pairs with sum j: 1, 2, 3, 2, 1.
    for depth, expected in [(0, 1), (1, 3), (2, 6), (3, 8)]:
        v = check(counters(2, 2), max_depth=depth)
        assert v.stats.distinct_states == expected, depth
        assert v.result == "incomplete"


def test_violation_found_within_limit_is_reported() -> None:
    """A limit does not hide a violation already found: the result is 'violated'."""
    v = check(counters(3, 2).replace("option deadlock = false;", "invariant LOW: x[0] < 2;"),
              max_states=5)
    assert v.result == "violated"
    assert prop(v, "LOW").status == "violated"
    assert prop(v, "bounds").status == "unknown"


def test_pool_exhaustion_is_incomplete_not_deadlock() -> None:
    """An unguarded spawn with no id left cannot run; that is reported, not called blocked."""
    v = check("threads 3; thread w() { s: { spawn w(); } } start w();")
    assert v.result == "incomplete"
    assert prop(v, "deadlock").status == "unknown"
    assert any("pool" in r for r in v.incomplete)
    assert v.stats.distinct_states == 3


def test_pool_exhaustion_in_one_branch() -> None:
    """Only the spawning branch is cut off; the other branch still runs."""
    v = check("threads 1; var x: 0..3 = 0;"
              " thread w() { s: { either { spawn w(); } or { x = 1; } } } start w();")
    assert v.result == "incomplete"
    assert any("pool" in r for r in v.incomplete)
    assert v.stats.distinct_states == 2


def test_guarded_spawn_completes() -> None:
    """await free_threads() > 0 makes running out of ids part of the model: complete search."""
    v = check("threads 3; thread w() { s: { await free_threads() > 0; spawn w(); } } start w();"
              " option deadlock = false;")
    assert v.result == "holds"
    assert v.stats.distinct_states == 3


def test_deterministic_output() -> None:
    """Two runs give the same statistics and the same traces, step by step."""
    src = """
    threads 3;
    var x: 0..3 = 0;
    var who: tid? = none;
    thread w() { s: { either { if free_threads() > 0 { spawn w(); } } or { x = x + 1; who = self; }
                      or { choose t in tid where alive(t) { who = t; } } goto s; } }
    start w();
    option deadlock = false;
    invariant LOW: x < 2;
    """
    first_ts, first = run(src)
    second_ts, second = run(src)
    stats = (first.stats.distinct_states, first.stats.transitions, first.stats.depth)
    assert stats == (second.stats.distinct_states, second.stats.transitions, second.stats.depth)
    assert [(c.prop, c.message, actions(c)) for c in first.counterexamples] == \
        [(c.prop, c.message, actions(c)) for c in second.counterexamples]
    for a, b in zip(first.counterexamples, second.counterexamples):
        assert [decoded(first_ts, a, i) for i in range(len(a.steps))] == \
            [decoded(second_ts, b, i) for i in range(len(b.steps))]
    assert first.counterexamples  # the comparison above was not vacuous


def test_initial_state_violation_gives_zero_step_trace() -> None:
    """An invariant false initially: a trace of length 0 whose only step is the initial state."""
    ts, v = run("var x: 0..3 = 3; thread w() { s: { x = 0; } } start w(); "
                "invariant SMALL: x < 3;")
    ce = trace_of(v, "SMALL")
    assert ce.length == 0
    assert [st.action for st in ce.steps] == ["init"]
    assert decoded(ts, ce)["x"] == 3
    assert prop(v, "SMALL").trace_length == 0


def test_initialisation_out_of_range_is_bounds_in_zero_steps() -> None:
    """A start line whose local initialiser is out of range fails before any step."""
    v = check("thread w(id: 0..3) { var k: 0..3 = id + 1; s: { skip; } } start w(3);")
    assert violated(v) == {"bounds": 0}
    assert trace_of(v, "bounds").steps[-1].failed


def test_stop_at_first_violation() -> None:
    """stop_at_first ends the search at the first violation; the others stay unknown."""
    src = counters(2, 2).replace("option deadlock = false;",
                                 "option deadlock = false; "
                                 "invariant A: x[0] < 1; invariant B: x[0] < 2;")
    full = check(src)
    assert violated(full) == {"A": 1, "B": 2}
    first = check(src, first=True)
    assert violated(first) == {"A": 1}
    assert prop(first, "B").status == "unknown"
    assert first.result == "violated"


def test_every_state_is_counted_once() -> None:
    """Diamond interleavings of two one-step threads meet in one state, not two."""
    assert states("var a: bool = false; var b: bool = false;"
                  " thread p() { s: { a = true; } } thread q() { s: { b = true; } }"
                  " start p(); start q();") == 4
