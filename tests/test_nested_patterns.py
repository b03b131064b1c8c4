"""Binders whose patterns nest as their tuples do (`forall ((x, y), z) in s`, and exists,
count, filter, sum, pick, choose, for and array comprehensions): the Python and native
engines against values enumerated here for a sample of sets, z3's bounded model checking
on a wrong expectation, the pattern printed back as written, and the errors of a pattern
that does not fit."""

from __future__ import annotations

import itertools
import random

import pytest

from modelcheck.app.prove import encoding
from modelcheck.check.checker import check as check_model
from modelcheck.lang.source import load_text
from modelcheck.report.render import render
from modelcheck.symbolic.bmc import VIOLATED, bmc
from tests.conftest import spec_error, violated
from tests.test_big_sets import run, seen

Q = list(itertools.product(itertools.product(range(2), range(2)), range(2)))
SETS = [set(), set(Q)] + [set(random.Random(k).sample(Q, k % 6 + 1)) for k in range(6)]


def spelled(s: set) -> str:
    return "{" + ", ".join(f"(({x}, {y}), {z})" for (x, y), z in sorted(s)) + "}"


STEP = f"""
option deadlock = false;
type P = 0..1;
type Q = tuple(tuple(P, P), P);
var s: set of Q in any;
init {" || ".join(f"s == {spelled(s)}" for s in SETS)};
var n: 0..60 = 0;
var m: 0..8 = 0;
var d: set of Q = {{}};
var e: bool = false;
var f: bool = false;
var u: 0..30 = 0;
var p: Q = ((0, 0), 0);
var c: 0..3 = 0;
var fin: bool = false;
var a: array[Q] of 0..7 = [4 * x + 2 * y + z for ((x, y), z) in Q];
thread t() {{
    one: {{
        for ((x, y), z) in s {{ n = n + x + 2 * y + 3 * z; }}
        m = count(((x, y), z) in s: x != z);
        d = filter(((x, y), z) in s: x == y);
        e = exists ((x, y), z) in s: x < y && z == 1;
        f = forall ((x, y), z) in s: ((y, x), z) in s;
        u = sum(((x, y), z) in s: x + y + z);
        if exists ((x, y), z) in s: y == z {{ p = pick(((x, y), z) in s: y == z); }}
        fin = true;
    }}
    two: {{ choose ((x, y), z) in s where x == 1 {{ c = y + z; }} }}
}}
start t();
invariant INDEX: forall ((x, y), z) in Q: a[((x, y), z)] == 4 * x + 2 * y + z;
"""


def expected(off: int = 0) -> str:
    """One implication per set s: the values step `one` must leave, computed in Python;
    `off` shifts the first set's loop total, a wrong expectation the engines must catch."""
    lines = []
    for k, s in enumerate(SETS):
        same = [q for q in sorted(s) if q[0][1] == q[1]]
        (px, py), pz = same[0] if same else ((0, 0), 0)
        lines.append(
            f"(s == {spelled(s)} -> "
            f"n == {sum(x + 2 * y + 3 * z for (x, y), z in s) + (off if k == 0 else 0)} && "
            f"m == {sum(x != z for (x, _), z in s)} && "
            f"d == {spelled({q for q in s if q[0][0] == q[0][1]})} && "
            f"e == {str(any(x < y and z == 1 for (x, y), z in s)).lower()} && "
            f"f == {str(all(((y, x), z) in s for (x, y), z in s)).lower()} && "
            f"u == {sum(x + y + z for (x, y), z in s)} && p == (({px}, {py}), {pz}))")
    return "invariant VALUES: !fin || (" + " && ".join(lines) + ");\n"


def counts() -> tuple[int, int]:
    """Each set's initial state and the state after `one`; then `two` takes each member
    with x == 1, one transition each, to one state per value of y + z."""
    ones = [[y + z for (x, y), z in s if x == 1] for s in SETS]
    return 2 * len(SETS) + sum(len(set(c)) for c in ones), len(SETS) + sum(map(len, ones))


@pytest.mark.parametrize("off", [0, 1])
def test_python_and_native_match_the_enumeration(off: int) -> None:
    src = STEP + expected(off)
    python, native = run(src, "python"), run(src, "native")
    assert native.engine.startswith("native") and seen(python) == seen(native)
    assert (python.stats.distinct_states, python.stats.transitions) == counts()
    assert violated(python) == ({} if off == 0 else {"VALUES": 1})


def test_bmc_finds_the_wrong_expectation_in_one_step() -> None:
    loaded = load_text(STEP + expected(1), path="t.spec")
    found, _, _ = bmc(encoding(loaded, check_model(loaded.ast, None), {}, False), 1, 60.0)
    assert {x.prop: x.length for x in found if x.status == VIOLATED} == {"VALUES": 1}


def test_the_pattern_prints_as_written() -> None:
    src = STEP + "invariant C: c != 2;\n"
    model = check_model(load_text(src, path="t.spec").ast)
    assert render(model.invariants[0].expr) == \
        "forall ((x, y), z) in Q : a[((x, y), z)] == 4 * x + 2 * y + z"
    trace = [ce for ce in run(src, "native").counterexamples if ce.prop == "C"][0]
    assert trace.steps[-1].choices == ["((x, y), z) = ((1, 1), 1)"]


@pytest.mark.parametrize(("src", "says"), [
    ("var s: set of tuple(0..1, 0..1) = {};\ninvariant I: forall ((x, y), z) in s: x == z;",
     "'(x, y)' in '((x, y), z)' takes apart a tuple of 2 items; the item's values are 0..1"),
    ("var s: set of tuple(tuple(0..1, 0..1), 0..1) = {};\n"
     "invariant I: exists ((x, y, w), z) in s: x == z;",
     "'(x, y, w)' in '((x, y, w), z)' takes apart a tuple of 3 items"),
    ("var s: set of tuple(tuple(0..1, 0..1), 0..1) = {};\n"
     "invariant I: count(((x, y), x) in s: y == 0) == 0;", "'((x, y), x)' names 'x' twice"),
])
def test_a_nested_pattern_that_does_not_fit_is_refused_with_its_place(src: str,
                                                                      says: str) -> None:
    err = spec_error(src + "\nthread t() { a: { skip; } }\nstart t();\n")
    assert says in str(err) and err.pos.line == 2
