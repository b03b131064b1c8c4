"""Binders that take tuples apart (`forall (x, y) in s`, and exists, count, filter, sum,
pick, choose, for and array comprehensions): every engine against values enumerated here
for each of the 16 sets of pairs over 0..1, and the errors a wrong pattern gets."""

from __future__ import annotations

import itertools

import pytest

from modelcheck.app.prove import encoding
from modelcheck.check.checker import check as check_model
from modelcheck.lang.source import load_text
from modelcheck.symbolic.bmc import VIOLATED, bmc
from tests.conftest import spec_error, violated
from tests.test_big_sets import run, seen

PAIRS = list(itertools.product(range(2), range(2)))

STEP = """
type P = 0..1;
var s: set of tuple(P, P) in any;
var n: 0..20 = 0;
var m: 0..4 = 0;
var d: set of tuple(P, P) = {};
var e: bool = false;
var f: bool = false;
var p: tuple(P, P) = (0, 0);
var fin: bool = false;
thread t() {
    a: {
        for (x, y) in s { n = n + 2 * x + y + 1; }
        m = count((x, y) in s: x != y);
        d = filter((x, y) in s: x == y);
        e = exists (x, y) in s: x < y;
        f = forall (x, y) in s: (y, x) in s;
        if exists (x, y) in s: x == y { p = pick((x, y) in s: x == y); }
        fin = true;
    }
}
start t();
"""


def spelled(pairs: set[tuple[int, int]]) -> str:
    return "{" + ", ".join(f"({x}, {y})" for x, y in sorted(pairs)) + "}"


def expected(off: int = 0) -> str:
    """One implication per set s: the values the step must leave, computed in Python;
    `off` shifts the first set's loop total, a wrong expectation the engines must catch."""
    lines = []
    for k in range(2 ** len(PAIRS)):
        s = {q for i, q in enumerate(PAIRS) if k >> i & 1}
        same = {q for q in s if q[0] == q[1]}
        n = sum(2 * x + y + 1 for x, y in s) + (off if k == 0 else 0)
        lines.append(
            f"(s == {spelled(s)} -> n == {n} && m == {sum(x != y for x, y in s)} && "
            f"d == {spelled(same)} && e == {str(any(x < y for x, y in s)).lower()} && "
            f"f == {str(all((y, x) in s for x, y in s)).lower()} && "
            f"p == ({min(same, default=(0, 0))[0]}, {min(same, default=(0, 0))[1]}))")
    return "invariant VALUES: !fin || (" + " && ".join(lines) + ");\n"


@pytest.mark.parametrize("off", [0, 1])
def test_python_and_native_match_the_enumeration(off: int) -> None:
    src = STEP + expected(off)
    python, native = run(src, "python"), run(src, "native")
    assert native.engine.startswith("native") and seen(python) == seen(native)
    # 16 initial states (one per set), each followed by its finished state
    assert python.stats.distinct_states == 32 and python.stats.transitions == 16
    assert violated(python) == ({} if off == 0 else {"VALUES": 1})


def test_bmc_finds_the_wrong_expectation_in_one_step() -> None:
    loaded = load_text(STEP + expected(1), path="t.spec")
    found, _, _ = bmc(encoding(loaded, check_model(loaded.ast, None), {}, False), 1, 60.0)
    assert {x.prop: x.length for x in found if x.status == VIOLATED} == {"VALUES": 1}


CHOICE = """
type P = 0..2;
var s: set of tuple(P, P) = {(0, 1), (1, 2), (2, 2)};
var c: 0..4 = 0;
thread t() { one: { choose (x, y) in s where x <= 1 { c = x + y; } } }
start t();
invariant PICKED: c != 2;
"""


def test_choose_takes_each_matching_pair_apart() -> None:
    # the initial state, then one successor per pair with x <= 1: c = 1 or c = 3
    v = run(CHOICE, "python")
    assert (v.stats.distinct_states, v.stats.transitions) == (3, 2) and violated(v) == {}
    trace = run(CHOICE.replace("c != 2", "c != 3"), "native").counterexamples[0]
    assert trace.steps[1].choices == ["(x, y) = (1, 2)"]  # the pattern, as written


@pytest.mark.parametrize(("claim", "holds"), [("a[(1, 2)] == 5", True), ("a[(1, 2)] == 4", False)])
def test_an_array_comprehension_takes_its_index_tuples_apart(claim: str, holds: bool) -> None:
    v = run(f"""
type Q = tuple(0..1, 0..2);
var a: array[Q] of 0..5 = [x + 2 * y for (x, y) in Q];
thread t() {{ one: {{ skip; }} }}
start t();
invariant A: {claim} && (forall (x, y) in Q: a[(x, y)] == x + 2 * y);
""", "native")
    assert violated(v) == ({} if holds else {"A": 0})


@pytest.mark.parametrize(("src", "says"), [
    ("var s: set of 0..2 = {1};\ninvariant I: forall (x, y) in s: x == y;",
     "'(x, y)' takes apart a tuple of 2 items; the domain's values are 0..2"),
    ("var s: set of tuple(0..1, 0..1, 0..1) = {};\ninvariant I: exists (x, y) in s: x == y;",
     "takes apart a tuple of 2 items"),
    ("var s: set of tuple(0..1, 0..1) = {};\ninvariant I: count((x, x) in s: x == 0) == 0;",
     "'(x, x)' names 'x' twice"),
])
def test_a_pattern_that_does_not_fit_is_refused_with_its_place(src: str, says: str) -> None:
    err = spec_error(src + "\nthread t() { a: { skip; } }\nstart t();\n")
    assert says in str(err) and err.pos.line == 2
