"""Every construct of the README's language reference, checked by what the engine reports.

Each test runs a small spec and asserts state counts, verdicts, trace lengths or the values
along a trace, so a construct that parses but means something else is caught.
"""

from __future__ import annotations

import pytest

from tests.conftest import (
    VARIANTS,
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

# ----------------------------------------------------------------- constants, types, enums

CONSTS = """
const K = 2;
const TOP = K + 1;              // a constant expression over another constant
var x: 0..TOP = 0;
thread w() { s: { await x < K; x = x + 1; goto s; } }
start w();
option deadlock = false;
invariant FITS: x <= K;
"""


@pytest.mark.parametrize(("defines", "expected"), [(None, 3), ({"K": "3"}, 4), ({"K": "5"}, 6)])
def test_const_and_override_change_the_state_space(defines: dict[str, str] | None,
                                                     expected: int) -> None:
    """x counts 0..K: K+1 states, and -D K=... moves both K and TOP = K + 1."""
    v = check(CONSTS, defines=defines)
    assert v.result == "holds"
    assert v.stats.distinct_states == expected
    assert v.stats.depth == expected - 1


def test_bool_const_and_override() -> None:
    """A bool constant picks the branch; -D B=false flips it."""
    src = """
    const B = true;
    var x: 0..3 = 0;
    thread w() { s: { if B { x = 1; } else { x = 2; } } }
    start w();
    invariant NOT-TWO: x != 2;
    """
    assert check(src).result == "holds"
    assert violated(check(src, defines={"B": "false"})) == {"NOT-TWO": 1}
    assert check(src, defines={"B": "true"}).result == "holds"


def test_type_alias_and_enum_members_are_global_names() -> None:
    """`type` names a range (following its constant) and enum members are plain names."""
    src = """
    const S = 2;
    type Slot = 0..S;
    enum Phase { absent, loading, ready }
    var s: Slot = 0;
    var p: Phase = absent;
    thread w() { a: { choose v in Slot { s = v; } } b: { choose q in Phase { p = q; } } }
    start w();
    invariant NOT-READY: p != ready;
    """
    ts, v = run(src)
    # a: one transition per Slot value (3); b: one per Phase member from each of those.
    assert v.stats.transitions == 3 + 3 * 3
    ce = trace_of(v, "NOT-READY")
    assert ce.length == 2
    assert actions(ce)[2] == (0, "w.b", ["q = ready"])
    assert values_along(ts, ce, "p") == ["absent", "absent", "ready"]
    bigger = check(src, defines={"S": "4"})
    assert bigger.stats.transitions == 5 + 5 * 3


def test_bool_type() -> None:
    """A bool toggled forever: exactly two states, two transitions."""
    src = """
    var b: bool = false;
    thread w() { s: { b = !b; goto s; } }
    start w();
    invariant ALWAYS-FALSE: !b;
    """
    ts, v = run(src)
    assert (v.stats.distinct_states, v.stats.transitions) == (2, 2)
    assert values_along(ts, trace_of(v, "ALWAYS-FALSE"), "b") == [False, True]


def test_negative_range_values() -> None:
    """A range may be negative; choose enumerates all of it."""
    src = """
    var x: -2..1 = 0;
    thread w() { s: { choose v in -2..1 { x = v; } } }
    start w();
    invariant NOT-MINUS-TWO: x != -2;
    """
    ts, v = run(src)
    assert v.stats.transitions == 4
    assert values_along(ts, trace_of(v, "NOT-MINUS-TWO"), "x") == [0, -2]


# ------------------------------------------------------------------------ bounds


def test_value_out_of_range_is_bounds_violation_never_wrapped() -> None:
    """x: 0..2 incremented forever: bounds fails on the third step, x never shows 3 or 0."""
    src = """
    var x: 0..2 = 0;
    thread w() { s: { x = x + 1; goto s; } }
    start w();
    """
    ts, v = run(src)
    assert v.result == "violated"
    assert violated(v) == {"bounds": 3}
    ce = trace_of(v, "bounds")
    assert ce.kind == "bounds"
    assert "3" in ce.message and "0..2" in ce.message
    assert values_along(ts, ce, "x") == [0, 1, 2, 2]
    assert [st.failed for st in ce.steps] == [False, False, False, True]


def test_negative_underflow_is_bounds_violation() -> None:
    """Leaving the bottom of a range is caught the same way."""
    ts, v = run("""
    var x: -2..0 = 0;
    thread w() { s: { x = x - 1; goto s; } }
    start w();
    """)
    ce = trace_of(v, "bounds")
    assert ce.length == 3
    assert values_along(ts, ce, "x") == [0, -1, -2, -2]
    assert "-3" in ce.message


@pytest.mark.parametrize(("decl", "stmt", "where"), [
    ("var r: record { a: 0..1, b: bool } = {a: 0, b: false};", "r.a = r.a + 1;", "r.a"),
    ("var r: array[0..1] of 0..1 = [0];", "r[1] = r[1] + 1;", "r"),
    ("var r: record { a: 0..1, b: bool } = {a: 0, b: false};",
     "r = {a: r.a + 1, b: true};", "r"),
])
def test_compound_parts_out_of_range(decl: str, stmt: str, where: str) -> None:
    """Array elements and record fields are range-checked, whole-value assignments too."""
    v = check(decl + " thread w() { s: { " + stmt + " goto s; } } start w();")
    assert violated(v) == {"bounds": 2}
    assert where in trace_of(v, "bounds").message


def test_thread_local_and_parameter_out_of_range() -> None:
    """A local leaving its range, and a spawn argument outside the parameter's range."""
    local = check("thread w() { var k: 0..1 = 0; s: { k = k + 1; goto s; } } start w();")
    assert violated(local) == {"bounds": 2}
    assert "'k'" in trace_of(local, "bounds").message
    param = check("threads 2; thread w(n: 0..1) { s: { if n < 1 { spawn w(n + 2); } } } "
                  "start w(0);")
    assert violated(param) == {"bounds": 1}
    assert "argument 'n'" in trace_of(param, "bounds").message


@pytest.mark.parametrize("stmt", ["a[i] = true;", "y = a[i] == a[0];"])
def test_index_out_of_range_is_runtime_violation(stmt: str) -> None:
    """Writing or reading a[3] of an array over 0..2 violates runtime on the step that does
    it (an expression that cannot be evaluated, not a value stored out of range)."""
    src = """
    var a: array[0..2] of bool = [false];
    var i: 0..5 = 0;
    var y: bool = false;
    thread w() { s: { i = i + 1; STMT goto s; } }
    start w();
    """.replace("STMT", stmt)
    ts, v = run(src)
    assert v.result == "violated"
    assert violated(v) == {"runtime": 3}
    ce = trace_of(v, "runtime")
    assert "index 3" in ce.message
    assert ce.steps[-1].failed
    assert values_along(ts, ce, "i")[:3] == [0, 1, 2]


def test_none_used_as_value_is_runtime_violation() -> None:
    """Arithmetic on an optional that is none is a runtime violation, not a crash."""
    src = """
    var n: 0..3? = none;
    var x: 0..3 = 0;
    thread w() { s: { x = n + 1; } }
    start w();
    """
    v = check(src)
    assert v.result == "violated"
    assert violated(v) == {"runtime": 1}
    ce = trace_of(v, "runtime")
    assert "none" in ce.message
    assert ce.steps[-1].failed and ce.steps[-1].action == "w.s"


def test_def_result_range_is_checked() -> None:
    """A def's declared result range is enforced when it is called."""
    v = check("""
    var x: 0..5 = 0;
    def inc(a: 0..5): 0..2 = a + 1;
    thread w() { s: { x = inc(x); goto s; } }
    start w();
    """)
    assert violated(v) == {"runtime": 3}


# ------------------------------------------------------------------ optional, none


def test_optional_values_and_none() -> None:
    """tid? and 0..3? hold none or a value; == none compares; traces show none as None."""
    src = """
    var o: tid? = none;
    var n: 0..3? = none;
    thread w() { s: { o = self; n = 2; } t: { n = none; } }
    start w();
    invariant SHAPE: (o == none && n == none) || (o == 0 && n == 2) || (o == 0 && n == none);
    invariant NEVER-BACK: !(o != none && n == none);
    """
    ts, v = run(src)
    assert violated(v) == {"NEVER-BACK": 2}
    ce = trace_of(v, "NEVER-BACK")
    assert values_along(ts, ce, "o") == [None, 0, 0]
    assert values_along(ts, ce, "n") == [None, 2, None]


# ---------------------------------------------------------------------------- sets


def test_set_operations() -> None:
    """Literal, |, &, -, in, not in, size, {} all compute what the README says."""
    src = """
    var a: set of 0..5 = {1, 2, 3};
    var b: set of 0..5 = {3, 4};
    var u: set of 0..5 = {};
    var i: set of 0..5 = {};
    var d: set of 0..5 = {};
    var n: 0..6 = 0;
    var m: bool = false;
    var nm: bool = false;
    var e: 0..6 = 6;
    thread w() {
        s: { u = a | b; i = a & b; d = a - b; n = size(a | b); m = 4 in b; nm = 4 not in a;
             e = size({}); }
    }
    start w();
    invariant CORRECT: u == {} || (u == {1, 2, 3, 4} && i == {3} && d == {1, 2} && n == 4
                                   && m && nm && e == 0 && 2 in d && 3 not in d);
    invariant UNTOUCHED: u == {};
    """
    ts, v = run(src)
    assert violated(v) == {"UNTOUCHED": 1}
    final = decoded(ts, trace_of(v, "UNTOUCHED"))
    assert (final["u"], final["i"], final["d"]) == ([1, 2, 3, 4], [3], [1, 2])
    assert (final["n"], final["m"], final["nm"], final["e"]) == (4, True, True, 0)


def test_set_of_enum_and_computed_literal() -> None:
    """Sets over enums and set literals built from run-time values ({self})."""
    src = """
    threads 2;
    enum E { p, q, r }
    var s: set of E = {r, p};
    var seen: set of tid = {};
    thread w() { a: { s = s - {p} | {q}; seen = seen | {self}; } }
    start w(); start w();
    invariant NOT-BOTH: size(seen) < 2;
    """
    ts, v = run(src)
    final = decoded(ts, trace_of(v, "NOT-BOTH"))
    assert final["s"] == ["q", "r"]
    assert final["seen"] == [0, 1]
    assert v.stats.distinct_states == 4


# -------------------------------------------------------------------------- arrays


def test_array_literals_indexing_and_assignment() -> None:
    """[v] fills every element, [v0, v1, ...] lists them; enum and offset ranges index."""
    src = """
    var a: array[0..3] of 0..9 = [7];
    var b: array[0..2] of 0..9 = [1, 2, 3];
    var c: map[2..3] of bool = [false, true];
    enum E { p, q }
    var e: array[E] of 0..9 = [4, 5];
    var k: 0..9 = 0;
    thread w() { s: { a[2] = b[1] + b[2]; k = a[0]; e[q] = 9; c[2] = !c[3]; } }
    start w();
    invariant UNTOUCHED: k == 0;
    invariant SHAPE: k == 0 || (a == [7, 7, 5, 7] && b == [1, 2, 3] && e[p] == 4 && e[q] == 9
                                && !c[2] && c[3]);
    """
    ts, v = run(src)
    assert violated(v) == {"UNTOUCHED": 1}
    final = decoded(ts, trace_of(v, "UNTOUCHED"))
    assert final["a"] == [7, 7, 5, 7]
    assert final["k"] == 7
    assert final["e"] == {"p": 4, "q": 9}
    assert final["c"] == {"2": False, "3": True}


def test_array_whole_value_assignment_and_equality() -> None:
    """A listed literal built from elements swaps them; arrays compare with ==."""
    src = """
    var r: array[0..1] of 0..3 = [1, 2];
    thread w() { s: { r = [r[1], r[0]]; goto s; } }
    start w();
    option deadlock = false;
    invariant ONE-OF-TWO: r == [1, 2] || r == [2, 1];
    invariant NEVER-SWAPPED: r != [2, 1];
    """
    ts, v = run(src)
    assert v.stats.distinct_states == 2
    assert violated(v) == {"NEVER-SWAPPED": 1}


# ------------------------------------------------------------------------- records


def test_records_literal_field_access_and_assignment() -> None:
    """Record literals (any field order), field reads and writes, whole-record assignment."""
    src = """
    enum Phase { absent, ready }
    var o: record { phase: Phase, owner: tid? } = {phase: absent, owner: none};
    var r: record { a: 0..3, b: bool } = {b: true, a: 1};
    thread w() { s: { o.owner = self; o.phase = ready; r = {a: r.a + 2, b: !r.b}; } }
    start w();
    invariant STILL-ABSENT: o.phase == absent;
    invariant CONSISTENT: (o.phase == absent && r == {a: 1, b: true})
                          || (o.owner == 0 && r.a == 3 && !r.b);
    """
    ts, v = run(src)
    assert violated(v) == {"STILL-ABSENT": 1}
    final = decoded(ts, trace_of(v, "STILL-ABSENT"))
    assert final["o"] == {"phase": "ready", "owner": 0}
    assert final["r"] == {"a": 3, "b": False}


def test_array_of_records() -> None:
    """A field of an array element is a place that can be assigned."""
    v = check("""
    var r: array[0..1] of record { a: 0..3, b: bool } = [{a: 1, b: false}];
    thread w() { s: { r[1].a = 2; r[0].b = true; } }
    start w();
    invariant UNCHANGED: r[1].a == 1;
    invariant TOGETHER: r[1].a == 2 -> (r[0].b && r[0].a == 1 && !r[1].b);
    """)
    assert violated(v) == {"UNCHANGED": 1}


# ------------------------------------------------------------ threads and the pool

THREAD_TREE = """
threads 3;
var kid: tid? = none;
var gk: tid? = none;
thread w(d: 0..2) {
    s: { if d == 0 { kid = spawn w(1); } else if d == 1 { let c = spawn w(2); gk = c; } }
    t: { skip; }
}
start w(0);
invariant PARENTS: gk != none -> (parent(gk) == kid && parent(kid) == 0 && parent(0) == none);
invariant ANCESTRY: gk != none -> (ancestor(0, gk) && ancestor(kid, gk) && !ancestor(gk, 0)
                                   && !ancestor(gk, gk) && !ancestor(0, 0));
invariant LIFE: forall t in tid : !(alive(t) && done(t));
invariant FREE: free_threads() == count(t in tid : !alive(t) && !done(t));
invariant NO-GRANDCHILD: gk == none;
"""


def test_spawn_let_spawn_assign_spawn_parent_ancestor_free_threads() -> None:
    """A three-generation tree: ids 0, 1, 2 in order, parents and ancestry as declared."""
    ts, v = run(THREAD_TREE)
    assert v.result == "violated"
    assert violated(v) == {"NO-GRANDCHILD": 2}
    ce = trace_of(v, "NO-GRANDCHILD")
    assert [(t, a) for t, a, _ in actions(ce)] == [(None, "init"), (0, "w.s"), (1, "w.s")]
    final = decoded(ts, ce)
    assert (final["kid"], final["gk"]) == (1, 2)
    assert [(th["id"], th["parent"]) for th in final["threads"]] == [(0, None), (1, 0), (2, 1)]
    assert [th["locals"]["d"] for th in final["threads"]] == [0, 1, 2]


def test_params_locals_and_self() -> None:
    """Locals are initialised when the thread starts, from its own params and its own self."""
    src = """
    threads 3;
    var seen: array[tid] of 0..9 = [0];
    var who: array[tid] of tid? = [none];
    thread w(id: 0..3) {
        var k: 0..9 = id + 5;
        var me: tid = self;
        s: { seen[me] = k; who[me] = self; if id < 2 { spawn w(id + 1); } }
    }
    start w(0);
    invariant OK: (done(0) -> seen[0] == 5 && who[0] == 0)
               && (done(1) -> seen[1] == 6 && who[1] == 1)
               && (done(2) -> seen[2] == 7 && who[2] == 2);
    invariant NOT-ALL: seen[2] == 0;
    """
    ts, v = run(src)
    assert violated(v) == {"NOT-ALL": 3}
    final = decoded(ts, trace_of(v, "NOT-ALL"))
    assert final["seen"] == [5, 6, 7]
    assert final["who"] == [0, 1, 2]


def test_start_lines_and_threads_declaration() -> None:
    """`start` threads get ids 0, 1, ... with no parent; `threads N` sizes tid."""
    src = """
    threads 3;
    var started: 0..3 = 0;
    thread w() { s: { started = started + 1; } }
    start w(); start w();
    invariant POOL: count(t in tid : true) == 3;
    invariant INITIAL: started == 0 -> (alive(0) && alive(1) && !alive(2) && !done(2)
                                        && parent(0) == none && parent(1) == none
                                        && free_threads() == 1);
    """
    v = check(src)
    assert v.result == "holds"
    assert v.stats.distinct_states == 4


def test_threads_defaults_to_number_of_start_lines() -> None:
    """Without `threads`, the pool is the start lines: tid has two values, a spawn runs out."""
    assert check("thread w() { s: { skip; } } start w(); start w(); "
                 "invariant TWO: count(t in tid : true) == 2;").result == "holds"
    v = check("thread w() { s: { spawn w(); } } start w(); start w();")
    assert v.result == "incomplete"
    assert any("pool" in r for r in v.incomplete)


def test_alive_and_done_follow_the_thread() -> None:
    """A thread is alive until it falls off its last step, then done."""
    v = check("""
    thread w() { a: { skip; } b: { skip; } }
    start w();
    invariant EXCLUSIVE: alive(0) != done(0);
    invariant NOT-DONE: !done(0);
    """)
    assert violated(v) == {"NOT-DONE": 2}


# ------------------------------------------------------------------- steps, control


def test_labelled_steps_fall_through_in_order() -> None:
    """a, b, c run in declaration order: 0 -> 1 -> 2 -> 5 (any other order differs)."""
    src = """
    var x: 0..9 = 0;
    thread w() { a: { x = x * 2 + 1; } b: { x = x * 2; } c: { x = x + 3; } }
    start w();
    invariant NOT-FIVE: x != 5;
    """
    ts, v = run(src)
    ce = trace_of(v, "NOT-FIVE")
    assert [a for _, a, _ in actions(ce)] == ["init", "w.a", "w.b", "w.c"]
    assert values_along(ts, ce, "x") == [0, 1, 2, 5]
    assert v.stats.distinct_states == 4


def test_goto_and_exit() -> None:
    """goto loops and jumps over a step; exit finishes the thread before the last step."""
    src = """
    var x: 0..9 = 0;
    thread w() {
        a: { x = x + 1; if x < 3 { goto a; } else { goto c; } }
        b: { x = 9; }
        c: { x = x + 4; exit; }
        d: { x = 8; }
    }
    start w();
    invariant SKIPPED: x != 8 && x != 9;
    invariant NOT-SEVEN: x != 7;
    """
    ts, v = run(src)
    assert violated(v) == {"NOT-SEVEN": 4}
    ce = trace_of(v, "NOT-SEVEN")
    assert [a for _, a, _ in actions(ce)] == ["init", "w.a", "w.a", "w.a", "w.c"]
    assert values_along(ts, ce, "x") == [0, 1, 2, 3, 7]
    assert decoded(ts, ce)["threads"][0]["status"] == "done"
    assert v.stats.distinct_states == 5


def test_await_blocks_and_sees_earlier_writes() -> None:
    """await false blocks the step (deadlock); await after a write in the step sees it."""
    blocked = check("var x: 0..3 = 0; thread w() { s: { await x > 0; x = 2; } } start w();")
    assert violated(blocked) == {"deadlock": 0}
    assert blocked.stats.distinct_states == 1
    sees = check("var x: 0..3 = 0; thread w() { s: { x = 1; await x == 1; x = 2; } } start w(); "
                 "invariant NOT-TWO: x != 2;")
    assert violated(sees) == {"NOT-TWO": 1}


def test_await_waits_for_another_thread() -> None:
    """A consumer waits until the producer has run; it never runs first."""
    v = check("""
    var x: 0..3 = 0;
    var got: 0..3 = 0;
    thread producer() { p: { x = 2; } }
    thread consumer() { c: { await x > 0; got = x; } }
    start consumer(); start producer();
    invariant GOT-SET: got == 0 || got == 2;
    """)
    assert v.result == "holds"
    # consumer blocked until producer runs: init, produced, consumed.
    assert v.stats.distinct_states == 3


def test_either_branches_and_names_in_trace_choices() -> None:
    """One transition per branch; named branches show their name, others 'branch N'."""
    src = """
    var x: 0..9 = 0;
    thread w() { a: { either left: { x = 1; } or { x = 2; } or right: { x = 3; } } }
    start w();
    invariant NOT-THREE: x != 3;
    invariant NOT-TWO: x != 2;
    """
    v = check(src)
    assert (v.stats.distinct_states, v.stats.transitions) == (4, 3)
    assert actions(trace_of(v, "NOT-THREE"))[1] == (0, "w.a", ["right"])
    assert actions(trace_of(v, "NOT-TWO"))[1] == (0, "w.a", ["branch 2"])


def test_either_branch_with_false_await_is_disabled() -> None:
    """A branch whose await fails contributes no transition."""
    v = check("var x: 0..3 = 0; thread w() { s: { either { await x == 1; x = 3; } or { x = 2; } } }"
              " start w(); invariant NEVER-THREE: x != 3;")
    assert v.result == "holds"
    assert v.stats.transitions == 1


def test_choose_with_where_gives_one_transition_per_value() -> None:
    """choose v in 2..6 where v even: three transitions, the trace names the value."""
    src = """
    var x: 0..9 = 0;
    thread w() { a: { choose v in 2..6 where v % 2 == 0 { x = v; } } }
    start w();
    invariant NOT-FOUR: x != 4;
    invariant EVEN: x % 2 == 0;
    """
    v = check(src)
    assert (v.stats.distinct_states, v.stats.transitions) == (4, 3)
    assert violated(v) == {"NOT-FOUR": 1}
    assert actions(trace_of(v, "NOT-FOUR"))[1] == (0, "w.a", ["v = 4"])


def test_choose_with_no_value_disables_the_step() -> None:
    """No value satisfies `where`: the step cannot run (deadlock, or nothing at all)."""
    src = ("var x: 0..9 = 0; thread w() { a: { choose v in 2..6 where v > 7 { x = v; } } } "
           "start w();")
    assert violated(check(src)) == {"deadlock": 0}
    off = check(src + " option deadlock = false;")
    assert off.result == "holds"
    assert (off.stats.distinct_states, off.stats.transitions) == (1, 0)


def test_choose_over_sets_enums_and_bool() -> None:
    """choose ranges over a set variable, an enum type and bool."""
    over_set = check("var x: 0..9 = 0; var s: set of 0..9 = {1, 5, 7}; "
                     "thread w() { a: { choose v in s { x = v; } } } start w(); "
                     "invariant NOT-SEVEN: x != 7;")
    assert over_set.stats.transitions == 3
    assert actions(trace_of(over_set, "NOT-SEVEN"))[1][2] == ["v = 7"]
    over_enum = check("enum E { p, q, r } var x: E = p; "
                      "thread w() { a: { choose v in E where v != p { x = v; } } } start w(); "
                      "invariant NOT-R: x != r;")
    assert over_enum.stats.transitions == 2
    assert actions(trace_of(over_enum, "NOT-R"))[1][2] == ["v = r"]
    over_bool = check("var b: bool = true; "
                      "thread w() { a: { choose v in bool { b = v; } } } start w();")
    assert over_bool.stats.transitions == 2


def test_nested_nondeterminism_lists_every_choice() -> None:
    """choose inside either inside choose: the trace lists each choice in order."""
    v = check("""
    enum C { red, green }
    var x: 0..9 = 0;
    thread w() {
        s: { choose c in C {
                 either { x = 1; }
                 or big: { if c == green { choose k in 5..6 where k > 5 { x = k; } } } } }
    }
    start w();
    invariant NOT-SIX: x != 6;
    """)
    assert actions(trace_of(v, "NOT-SIX"))[1] == (0, "w.s", ["c = green", "big", "k = 6"])
    assert v.stats.transitions == 4


def test_let_names_a_value_after_earlier_writes() -> None:
    """let captures the value at that point in the step; later writes do not change it."""
    v = check("""
    var x: 0..9 = 0;
    var y: 0..9 = 0;
    thread w() { a: { x = 4; let z = x + 1; x = 0; y = z; } }
    start w();
    invariant Y: y == 0 || y == 5;
    invariant X: x == 0;
    """)
    assert v.result == "holds"


def test_if_else_if_else() -> None:
    """Each value of v takes exactly the branch its condition selects."""
    v = check("""
    var x: 0..9 = 0;
    var y: 0..9 = 0;
    thread w() {
        a: { choose v in 0..3 { let d = v * 2; x = v;
             if d == 0 { y = 1; } else if d == 2 { y = 2; } else if d == 4 { y = 3; }
             else { y = 9; } } }
    }
    start w();
    invariant MAP: y == 0 || (x == 0 && y == 1) || (x == 1 && y == 2) || (x == 2 && y == 3)
                   || (x == 3 && y == 9);
    invariant NOT-NINE: y != 9;
    """)
    assert violated(v) == {"NOT-NINE": 1}
    assert v.stats.transitions == 4


def test_if_then_else_expression() -> None:
    """if c then a else b picks a or b per value."""
    v = check("""
    var x: 0..9 = 0;
    var y: 0..9 = 0;
    thread w() { a: { choose v in 0..5 { x = v; y = if v > 2 then v - 3 else v + 4; } } }
    start w();
    invariant CE: (x == 0 && y == 0) || ((x > 2 -> y == x - 3) && (x <= 2 -> y == x + 4));
    invariant NOT-FOUR: y != 4;
    """)
    assert violated(v) == {"NOT-FOUR": 1}


# ---------------------------------------------------------------------- expressions


def test_quantifiers_over_types_ranges_bool_and_sets() -> None:
    """forall/exists/count/filter over each kind of domain; the false ones are caught."""
    src = """
    threads 2;
    enum E { p, q, r }
    var s: set of 0..7 = {1, 2, 6};
    thread w() { a: { skip; } }
    start w();
    invariant T1: forall e in E : e == p || e == q || e == r;
    invariant T2: exists e in E : e == r;
    invariant T3: count(i in 0..7 : i % 2 == 0) == 4;
    invariant T4: filter(i in 0..7 : i > 4) == {5, 6, 7};
    invariant T5: count(b in bool : b) == 1 && (forall b in bool : b || !b);
    invariant T6: forall i in s : i > 0;
    invariant T7: count(i in s : i > 1) == 2 && filter(i in s : i != 2) == {1, 6};
    invariant T8: !(exists i in 3..5 : i in s);
    invariant T9: count(t in tid : alive(t)) <= 1
                  && filter(t in tid : !alive(t) && !done(t)) == {1};
    invariant T10: count(i in filter(j in 0..7 : j > 5) : true) == 2;
    invariant F1: exists b in bool : b && !b;
    invariant F2: forall i in s : i < 6;
    invariant F3: count(e in E : e != p) == 3;
    invariant F4: forall t in tid : alive(t);
    """
    v = check(src)
    assert violated(v) == {"F1": 0, "F2": 0, "F3": 0, "F4": 0}
    assert all(p.status == "holds" for p in v.properties if p.name.startswith("T"))


def test_integer_arithmetic_rounds_towards_zero() -> None:
    """/ and % follow C, both folded at check time and computed during the search."""
    v = check("""
    var a: -9..9 = -7;
    var q: -9..9 = 0;
    var r: -9..9 = 0;
    thread w() { s: { q = a / 2; r = a % 2; } }
    start w();
    invariant FOLDED: -7 / 2 == -3 && -7 % 2 == -1 && 7 / -2 == -3 && 7 % -2 == 1;
    invariant RUNTIME: q == 0 || (q == -3 && r == -1);
    invariant MOVED: q == 0;
    """)
    assert violated(v) == {"MOVED": 1}


def test_operator_precedence() -> None:
    """-> is lowest and right-associative; && binds tighter than ||; * tighter than +."""
    v = check("""
    thread w() { s: { skip; } }
    start w();
    invariant IMPLIES-RIGHT: false -> false -> false;
    invariant AND-OVER-OR: true || false && false;
    invariant ARITH: 1 + 2 * 3 == 7 && 7 - 2 - 1 == 4 && 12 / 2 / 3 == 2;
    invariant IMPLIES-LOWEST: true || false -> false;
    """)
    assert violated(v) == {"IMPLIES-LOWEST": 0}


def test_comments_are_ignored() -> None:
    """// and /* */ comments, also spanning lines, change nothing."""
    v = check("""
    /* a block
       comment */ var x: 0..3 = 0; // trailing
    thread w() { s: { /* inline */ x = 1; } } // another
    start w();
    """)
    assert v.result == "holds"
    assert v.stats.distinct_states == 2


def test_def_with_parameters_state_reads_and_set_result() -> None:
    """A def may take parameters, read the state and return a set."""
    v = check("""
    threads 2;
    var x: 0..9 = 0;
    def dbl(a: 0..9): 0..9 = a + a;
    def big(): bool = x > 2;
    def holders(): set of tid = filter(t in tid : alive(t));
    def owns(t: tid): bool = t in holders();
    thread w() { a: { x = dbl(x + 1); } b: { if self == 0 { spawn w(); } } }
    start w();
    invariant SMALL: !big();
    invariant HOLDERS: size(holders()) >= 1 -> owns(0) || owns(1);
    """)
    # thread 0: x = 2 (a), spawn 1 (b); thread 1: x = dbl(3) = 6 (a): SMALL fails at step 3.
    assert violated(v) == {"SMALL": 3}
    assert prop(v, "HOLDERS").status == "holds"


# -------------------------------------------------------------------------- properties


def test_invariant_checked_in_initial_state() -> None:
    """An invariant false in the initial state gives a 0-step trace."""
    v = check("var x: 0..3 = 1; thread w() { s: { x = 0; } } start w(); invariant ZERO: x == 0;")
    ce = trace_of(v, "ZERO")
    assert ce.length == 0
    assert actions(ce) == [(None, "init", [])]


def test_assert_with_message_and_name() -> None:
    """A named assert reports its message; the trace ends at the failing step."""
    src = """
    var x: 0..9 = 0;
    thread w() { a: { x = x + 1; assert x < 3, "x too big" as SMALL; goto a; } }
    start w();
    """
    ts, v = run(src)
    assert violated(v) == {"SMALL": 3}
    ce = trace_of(v, "SMALL")
    assert ce.kind == "assertion"
    assert ce.message == "x too big"
    assert [st.failed for st in ce.steps] == [False, False, False, True]
    assert values_along(ts, ce, "x")[:3] == [0, 1, 2]


def test_unnamed_assert_is_named_by_position() -> None:
    """An assert without `as` is the property assert@line:col of the assert keyword."""
    src = ("var x: 0..9 = 0;\n"
           "thread w() {\n"
           "    a: { x = x + 1; assert x != 2; goto a; }\n"
           "}\n"
           "start w();\n")
    v = check(src)
    col = src.splitlines()[2].index("assert") + 1
    assert violated(v) == {f"assert@3:{col}": 2}
    assert trace_of(v, f"assert@3:{col}").kind == "assertion"


def test_asserts_may_share_a_name() -> None:
    """Two asserts named SMALL are one property; the first to fail gives the trace."""
    v = check("""
    var x: 0..9 = 0;
    thread w() { a: { x = x + 1; assert x < 3 as SMALL; goto a; } b: { assert x != 7 as SMALL; } }
    start w();
    """)
    assert [p.name for p in v.properties].count("SMALL") == 1
    assert violated(v) == {"SMALL": 3}


def test_option_deadlock_false() -> None:
    """A blocked thread is a deadlock unless the option switches the property off."""
    src = """
    var lock: tid? = none;
    var n: 0..3 = 0;
    thread w() { acq: { await lock == none; lock = self; } inc: { n = n + 1; }
                 rel: { await n > 5; lock = none; } }
    threads 2; start w(); start w();
    """
    on = check(src)
    assert violated(on) == {"deadlock": 2}
    off = check(src + "option deadlock = false;")
    assert off.result == "holds"
    assert "deadlock" not in [p.name for p in off.properties]
    assert off.stats.distinct_states == on.stats.distinct_states == 5


# ---------------------------------------------------------------- variants, expect



def test_variants_branch_on_variant() -> None:
    """`variant ==` selects the code per variant; the first variant is the default."""
    original = check(VARIANTS, variant="original")
    assert violated(original) == {"bounds": 4}
    assert original.expectation == "met"
    fixed = check(VARIANTS, variant="fixed")
    assert fixed.result == "holds"
    assert fixed.expectation == "met"
    assert violated(check(VARIANTS)) == {"bounds": 4}


def test_variant_comparisons_with_three_variants() -> None:
    """variant != and else-if chains pick the right branch for each variant."""
    src = """
    variants a, b, c;
    var x: 0..3 = 0;
    thread t() { s: { if variant == a { x = 1; } else if variant != c { x = 2; }
                      else { x = 3; } } }
    start t();
    invariant UNSET: x == 0;
    """
    got = {}
    for name in ("a", "b", "c"):
        ts, v = run(src, variant=name)
        got[name] = decoded(ts, trace_of(v, "UNSET"))["x"]
    assert got == {"a": 1, "b": 2, "c": 3}


def test_expect_lines_decide_expectation() -> None:
    """A wrong expect line makes the expectation unmet; no expect line means 'holds'."""
    wrong = VARIANTS.replace("expect fixed holds;", "expect fixed violates bounds;")
    assert check(wrong, variant="fixed").expectation == "unmet"
    assert check(wrong, variant="original").expectation == "met"
    silent = VARIANTS.replace("expect fixed holds;", "")
    assert check(silent, variant="fixed").expectation == "met"
    assert check(silent.replace("expect original violates bounds;", ""),
                 variant="original").expectation == "unmet"


def test_property_names_may_contain_dashes() -> None:
    """Dashed names are kept whole in the verdict."""
    v = check("var x: 0..3 = 0; thread w() { s: { x = 2; } } start w(); "
              "invariant NO-TWO-HERE: x != 2;")
    assert violated(v) == {"NO-TWO-HERE": 1}


def test_state_counts_with_locals_and_finished_threads() -> None:
    """Each thread is k = 0..K at its step or finished: (K + 2)^N states."""
    for n, k in [(1, 2), (2, 2), (3, 1)]:
        body = f"inc: {{ if k < {k} {{ k = k + 1; goto inc; }} }}"
        src = (f"threads {n};\nthread w() {{ var k: 0..{k} = 0; {body} }}\n"
               + "start w();\n" * n)
        assert states(src) == (k + 2) ** n
