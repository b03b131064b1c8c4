"""Behaviour the README promises that the engine once got wrong.

Each test was first written as a failing check of a README statement (one-element arrays,
`var x: T in S`, set elements outside their type, --no-deadlock with --first, the JSON
status of a freed thread), then the engine was fixed.
"""

from __future__ import annotations

import json
from pathlib import Path

from modelcheck.app.cli import main
from tests.conftest import check, decoded, run, trace_of, violated, write

# --- 1. `var x: T in {...}` cannot be compiled at all ----------------------------------


def test_var_in_set_gives_one_initial_state_per_value() -> None:
    """README: `var mode: Phase in {absent, ready};` gives one initial state each."""
    v = check("""
    var p: 0..5 in {1, 3, 5};
    thread w() { s: { skip; } }
    start w();
    invariant NOT-THREE: p != 3;
    """)
    assert violated(v) == {"NOT-THREE": 0}
    assert v.stats.distinct_states == 6  # three initial states, each with one successor


def test_var_in_enum_set() -> None:
    """Two allowed initial values of an enum: two initial states."""
    v = check("""
    enum Phase { absent, loading, ready }
    var mode: Phase in {absent, ready};
    thread w() { s: { await mode == ready; } }
    start w();
    option deadlock = false;
    """)
    assert v.result == "holds"
    assert v.stats.distinct_states == 3


# --- 2. one-element arrays and one-field records hold a tuple in their slot ---------------


def test_single_thread_array_of_tid() -> None:
    """The counter spec of test_engine with one thread: (K+1)^1 = 3 states."""
    v = check("""
    threads 1;
    var x: array[tid] of 0..2 = [0];
    thread w() { inc: { await x[self] < 2; x[self] = x[self] + 1; goto inc; } }
    start w();
    option deadlock = false;
    """)
    assert v.result == "holds"
    assert v.stats.distinct_states == 3


def test_one_element_int_array_arithmetic() -> None:
    """a[0] = 2 + 1 = 3 fits 0..3: the search must hold."""
    v = check("var a: array[0..0] of 0..3 = [2]; thread w() { s: { a[0] = a[0] + 1; } } "
              "start w();")
    assert v.result == "holds"


def test_one_element_bool_array_initial_value() -> None:
    """a[0] starts false, so the invariant !a[0] holds everywhere."""
    v = check("var a: array[0..0] of bool = [false]; thread w() { s: { skip; } } start w(); "
              "invariant OFF: !a[0];")
    assert v.result == "holds"


def test_one_field_record_initial_value() -> None:
    """r.a starts at 1 and is never written."""
    v = check("var r: record { a: 0..3 } = {a: 1}; thread w() { s: { skip; } } start w(); "
              "invariant ONE: r.a == 1;")
    assert v.result == "holds"


def test_one_field_record_copy() -> None:
    """q = r copies r.a = 1 into q.a, so `q.a != 1` must be violated in one step."""
    v = check("var r: record { a: 0..3 } = {a: 1}; var q: record { a: 0..3 } = {a: 0}; "
              "thread w() { s: { q = r; } } start w(); invariant DIFFERENT: q.a != 1;")
    assert violated(v) == {"DIFFERENT": 1}


# --- 3. sets and values outside the element type ----------------------------------------


def test_membership_of_value_below_element_range() -> None:
    """0 is not an element of any `set of 2..4`; the search must not crash."""
    v = check("var s: set of 2..4 = {2}; var x: 0..9 = 0; var b: bool = true; "
              "thread w() { a: { b = x in s; } } start w(); invariant B: b;")
    assert violated(v) in ({"B": 1}, {"runtime": 1})


def test_set_union_with_value_outside_element_type_is_runtime() -> None:
    """README: an expression that cannot be evaluated (a set of 0..3 cannot hold 5) is a
    runtime violation."""
    v = check("var s: set of 0..3 = {}; var x: 0..9 = 5; var n: 0..9 = 0; "
              "thread w() { a: { s = s | {x}; n = size(s); } } start w();")
    assert violated(v) == {"runtime": 1}


# --- 4. --no-deadlock together with --first ----------------------------------------------

STUCK = """
var x: 0..2 = 0;
thread stuck() { a: { await false; } }
thread w() { s: { either { exit; } or { x = x + 1; goto s; } } }
start stuck(); start w();
"""


def test_no_deadlock_first_is_the_same_as_the_option(tmp_path: Path) -> None:
    """README: --no-deadlock is the same as `option deadlock = false;` in the spec."""
    with_option = tmp_path / "opt.json"
    with_flag = tmp_path / "flag.json"
    assert main([write(tmp_path, STUCK + "option deadlock = false;", "opt.spec"), "-q",
                 "--first", "--json", str(with_option)]) == 1
    code = main([write(tmp_path, STUCK, "flag.spec"), "-q", "--first", "--no-deadlock",
                 "--json", str(with_flag)])
    flag = json.loads(with_flag.read_text())
    assert flag["result"] == "violated"
    assert code == 1


# --- 5. JSON thread status of a freed thread ---------------------------------------------


def test_json_thread_status_of_a_freed_thread() -> None:
    """README, JSON output: a thread that ran `free self` has status "freed"."""
    ts, v = run("threads 2; var x: 0..3 = 0; thread w() { s: { if self == 0 { spawn w(); } "
                "else { x = 1; free self; } } } start w(); invariant ZERO: x == 0;")
    final = decoded(ts, trace_of(v, "ZERO"))
    assert {t["status"] for t in final["threads"]} == {"done", "freed"}
