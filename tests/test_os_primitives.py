"""Each OS primitive of the language, checked on its own against hand-derived results."""

from __future__ import annotations

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.engine.outcome import Limits
from modelcheck.engine.search import search
from modelcheck.engine.verdict import Verdict
from modelcheck.ir.values import state_dict
from modelcheck.lang.source import load_text


def run(src: str, **kw: object) -> Verdict:
    """Check a spec text and return the engine's verdict."""
    return run_variant(load_text(src, "t.spec"), None, RunConfig(**kw))[1]


def status(v: Verdict, name: str) -> str:
    return next(p.status for p in v.properties if p.name == name)


def length(v: Verdict, name: str) -> int | None:
    return next(p.trace_length for p in v.properties if p.name == name)


# ------------------------------------------------------------- thread-locals

TLS = """
thread_local n: 0..3 = 1;
var sum: 0..9 = 0;
var child: tid? = none;
thread w() {
    bump: { n = n + 1; }
    add: { sum = sum + n; }
}
thread root() {
    bump: { n = 3; }
    fork_off: { child = spawn w(); }
}
start root();
threads 2;
invariant CHILD-STARTS-FRESH: child != none && alive(child) && at_start() -> n@child == 1;
invariant ROOT-KEEPS-ITS-OWN: child != none -> n@0 == 3 || done(0);
invariant SUM-SEEN: sum != 2;
def at_start(): bool = sum == 0 && (child == none || n@child <= 1);
"""


def test_thread_local_copy_per_thread_initialised_at_spawn() -> None:
    v = run(TLS)
    assert status(v, "CHILD-STARTS-FRESH") == "holds"
    assert status(v, "ROOT-KEEPS-ITS-OWN") == "holds"
    # the child adds its own copy (1 + 1 = 2), never the root's 3
    assert status(v, "SUM-SEEN") == "violated"
    assert length(v, "SUM-SEEN") == 4


def test_thread_local_needs_a_thread_outside_steps() -> None:
    import pytest

    from modelcheck.lang.errors import SpecError
    with pytest.raises(SpecError, match="say whose copy"):
        run("thread_local n: bool = false; thread w() { a: { skip; } } start w();"
            "invariant I: n;")


def test_thread_local_of_finished_thread_is_gone() -> None:
    v = run("""
thread_local n: 0..3 = 0;
thread w() { a: { n = 2; } b: { skip; } }
start w();
invariant KEPT: n@0 == 2 || !alive(0) || n@0 == 0;
invariant CLEARED: done(0) -> n@0 == 0;
""")
    assert v.result == "holds"


# -------------------------------------------------------------- destructors

DTORS = """
var log: array[0..2] of 0..3 = [0];
var n: 0..3 = 0;
destructor a { log[n] = 1; n = n + 1; }
destructor b { log[n] = 2; n = n + 1; }
destructor c { log[n] = 3; n = n + 1; }
thread w() { go: { on_exit a; on_exit b; on_exit c; exit; } }
start w();
invariant ALIVE-WHILE-RUNNING-THEM: n < 3 -> alive(0);
"""


def test_destructors_run_in_every_order() -> None:
    ts = compile_variant(load_text(DTORS, "t.spec"))
    outcome = search(ts)
    decoded = [state_dict(ts.model, s) for s in outcome.store.states]
    finals = {tuple(d["log"]) for d in decoded if d["threads"][0]["status"] == "done"}
    # 3! orders give 6 distinct logs in the finished states
    assert finals == {(1, 2, 3), (1, 3, 2), (2, 1, 3), (2, 3, 1), (3, 1, 2), (3, 2, 1)}
    # start, exiting, then after k destructors one state per ordered prefix: 3, 6, 6
    assert len(decoded) == 1 + 1 + 3 + 6 + 6
    assert not outcome.violations


def test_exit_without_destructors_finishes_at_once() -> None:
    v = run("""
var n: 0..1 = 0;
destructor d { n = 1; }
thread w() { go: { exit; } }
start w();
invariant NEVER-RAN: n == 0;
""")
    assert v.result == "holds"
    assert v.stats.distinct_states == 2


def test_destructor_steps_interleave_with_other_threads() -> None:
    v = run("""
var x: 0..2 = 0;
var seen: bool = false;
destructor d { seen = x == 1; }
thread w() { go: { on_exit d; exit; } }
thread other() { go: { x = 1; } }
start w(); start other();
invariant DESTRUCTOR-SAW-OTHER: !seen;
""")
    # exit; other runs; destructor sees x == 1
    assert length(v, "DESTRUCTOR-SAW-OTHER") == 3


def test_free_self_after_destructors_frees_the_object() -> None:
    v = run("""
var ran: bool = false;
destructor d { ran = true; }
thread w() { go: { on_exit d; free self; } }
start w();
invariant FREED-ONLY-AFTER: freed(0) -> ran;
invariant NOT-FREED: !freed(0);
""")
    assert status(v, "FREED-ONLY-AFTER") == "holds"
    assert length(v, "NOT-FREED") == 2


# ----------------------------------------------------------- signal handlers

def test_handler_may_run_between_any_two_steps() -> None:
    v = run("""
var x: 0..3 = 0;
var seen: set of 0..3 = {};
handler h { look: { seen = seen | {x}; } }
thread w() { arm: { install h; } a: { x = 1; } b: { x = 2; } c: { x = 3; } }
start w();
invariant NEVER-SEES-2: 2 not in seen;
""")
    # arm, a, b, signal: the handler sees x == 2
    assert length(v, "NEVER-SEES-2") == 4


def test_masked_or_uninstalled_handler_never_runs() -> None:
    src = """
var hits: 0..3 = 0;
handler h { one: { hits = hits + 1; } }
thread w() { arm: { install h; MASK } a: { skip; } }
start w();
invariant NO-HIT: hits == 0;
"""
    assert status(run(src.replace("MASK", "mask h;")), "NO-HIT") == "holds"
    assert status(run(src.replace("MASK", "uninstall h;")), "NO-HIT") == "holds"
    assert length(run(src.replace("MASK", "")), "NO-HIT") == 2


def test_handler_returns_to_the_interrupted_step() -> None:
    v = run("""
var order: array[0..1] of 0..2 = [0];
var k: 0..2 = 0;
handler h { one: { order[k] = 1; k = k + 1; uninstall h; } }
thread w() { arm: { install h; } a: { order[k] = 2; k = k + 1; } }
start w();
invariant HANDLER-FIRST-NEVER: !(k == 2 && order[0] == 1 && order[1] == 2);
""")
    # arm, signal (handler), then the interrupted step a runs
    assert length(v, "HANDLER-FIRST-NEVER") == 3


def test_first_step_await_is_the_delivery_condition() -> None:
    v = run("""
var pending: bool = false;
var handled: bool = false;
handler h { take: { await pending; pending = false; handled = true; } }
thread victim() { arm: { install h; } spin: { goto spin; } }
thread killer() { kill: { pending = true; } }
start victim(); start killer();
option deadlock = false;
invariant HANDLED-ONLY-IF-SENT: handled -> !pending;
invariant NEVER-HANDLED: !handled;
""")
    assert status(v, "HANDLED-ONLY-IF-SENT") == "holds"
    assert length(v, "NEVER-HANDLED") == 3


NEST = """
var depth_seen: 0..3 = 0;
var in_h: bool = false;
handler h { enter: { in_h = true; } leave: { in_h = false; } }
handler g { hit: { if in_h { depth_seen = 2; } } }
thread w() { arm: { install h; install g; } a: { skip; } }
start w();
invariant NO-NESTING: depth_seen < 2;
"""


def test_nesting_depth_is_bounded_by_option() -> None:
    assert status(run(NEST), "NO-NESTING") == "holds"
    v = run(NEST + "option signal_depth = 2;")
    # arm, h.enter (signal), g.hit (signal, nested)
    assert length(v, "NO-NESTING") == 3


def test_handler_does_not_interrupt_itself() -> None:
    v = run("""
var inside: 0..3 = 0;
handler h { a: { inside = inside + 1; } b: { inside = inside - 1; } }
thread w() { arm: { install h; } x: { skip; } }
start w();
option signal_depth = 3;
invariant ONE-AT-A-TIME: inside <= 1;
""")
    assert status(v, "ONE-AT-A-TIME") == "holds"


# ---------------------------------------------------------------------- fork

FORK = """
var in_child: 0..2 = 0;
var child_id: tid? = none;
thread app() {
    var child: tid? = none;
    var mark: 0..3 = 2;
    f: { child = fork; child_id = child; mark = 3; }
    after: { if child == none { in_child = in_child + 1; } }
}
start app();
threads 2;
invariant CHILD-COPIES-LOCALS: child_id != none && alive(1) -> parent(1) == 0;
invariant ONE-CHILD-RUN: in_child <= 1;
invariant NO-CHILD-RUN: in_child == 0;
"""


def test_fork_copies_thread_and_child_sees_none() -> None:
    ts, v = run_variant(load_text(FORK, "t.spec"))
    assert status(v, "CHILD-COPIES-LOCALS") == "holds"
    assert status(v, "ONE-CHILD-RUN") == "holds"
    assert length(v, "NO-CHILD-RUN") == 2
    trace = next(ce for ce in v.counterexamples if ce.prop == "NO-CHILD-RUN")
    assert trace.steps[2].thread == 1
    after_fork = state_dict(ts.model, trace.steps[1].state)
    parent, child = after_fork["threads"]
    assert parent["locals"] == {"child": 1, "mark": 3}
    assert child["locals"] == {"child": None, "mark": 3}  # copied at the end of the step
    assert child["at"] == "after" and child["parent"] == 0


def test_fork_needs_a_free_id() -> None:
    one_id = FORK.replace("threads 2;", "threads 1;").replace("parent(1) == 0", "true")
    v = run(one_id.replace("alive(1)", "true"))
    assert v.result == "incomplete"
    assert any("pool" in r for r in v.incomplete)


# ------------------------------------------------------------ thread lifetime

LIFETIME = """
threads 2;
var victim: tid? = none;
thread owner() {
    mk: { victim = spawn child(); }
    reap: { await done(victim); FREE }
}
thread child() { c: { exit; } }
start owner();
invariant NO-UAF: victim == none || !freed(victim);
"""


def test_free_of_finished_thread_makes_freed_true() -> None:
    v = run(LIFETIME.replace("FREE", "free victim;"))
    assert length(v, "NO-UAF") == 3
    assert status(v, "bounds") == "holds"


def test_free_of_running_thread_or_twice_is_a_bounds_violation() -> None:
    early = run(LIFETIME.replace("await done(victim); FREE", "free victim;"))
    assert status(early, "bounds") == "violated"
    assert "before it has finished" in next(
        ce.message for ce in early.counterexamples if ce.prop == "bounds")
    twice = run(LIFETIME.replace("FREE", "free victim; free victim;"))
    assert "freed twice" in next(ce.message for ce in twice.counterexamples
                                 if ce.prop == "bounds")


def test_ids_stay_valid_after_exit() -> None:
    v = run("""
threads 2;
thread p() { s: { spawn c(); } }
thread c() { x: { exit; } }
start p();
invariant PARENT-KNOWN: done(1) -> parent(1) == 0;
""", limits=Limits(max_states=100))
    assert v.result == "holds"


def test_spawned_thread_inherits_handlers_and_mask() -> None:
    src = """
threads 2;
var hits: array[tid] of 0..1 = [0];
handler h { one: { await hits[self] == 0; hits[self] = 1; } }
thread parent_() { arm: { install h; MASK spawn kid(); } }
thread kid() { k: { skip; } }
start parent_();
invariant KID-NEVER-HIT: hits[1] == 0;
"""
    # the kid inherits h: after arm, the handler can interrupt it before its step k
    assert length(run(src.replace("MASK", "")), "KID-NEVER-HIT") == 2
    # ...and the spawner's mask
    assert status(run(src.replace("MASK", "mask h;")), "KID-NEVER-HIT") == "holds"
