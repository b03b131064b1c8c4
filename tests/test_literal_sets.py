"""Set literals of plain numbers and of tuples of them take their type from their items
and from what they meet (`check/literal_sets.py`): each expression is checked for every
value of x on both engines against Python's answer, and where nothing tells the type the
error says what to write."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import spec_error, violated
from tests.test_big_sets import run, seen

# (expression over x, a tuple of 0..2 and 0..2; its value in Python)
CASES = [
    ("x in {(0, 1), (1, 2)}", lambda x: x in {(0, 1), (1, 2)}),
    ("(x[0], 2) in {(0, 1), (1, 2), (3, 2)}", lambda x: x[0] == 1),
    ("{x} <= {(0, 1), (1, 2)}", lambda x: x in {(0, 1), (1, 2)}),
    ("size({x} | {(1, 1)}) == 1", lambda x: x == (1, 1)),
    ("{(0, 5)} == {x} || {(x[1], 0)} == {(2, 0)}", lambda x: x[1] == 2),
    ("exists (a, b) in {(0, 1), (1, 2)}: (a, b) == x", lambda x: x in {(0, 1), (1, 2)}),
    ("count(t in {(0, 0), (1, 1), (2, 2), (3, 3)}: t[0] <= x[0]) == x[0] + 1", lambda x: True),
    ("x[1] in {1, 2} && {x[0]} <= {0, 1}", lambda x: x[1] in {1, 2} and x[0] in {0, 1}),
]
VALUES = list(itertools.product(range(3), range(3)))


def spec(claims: str) -> str:
    return f"""
var x: tuple(0..2, 0..2) in any;
thread t() {{ a: {{ skip; }} }}
start t();
invariant I: {claims};
"""


@pytest.mark.parametrize(("expr", "truth"), CASES)
def test_each_value_of_x_as_python_says(expr: str, truth: object) -> None:
    facts = " && ".join(f"(x == ({a}, {b}) -> ({expr}) == {str(truth((a, b))).lower()})"  # type: ignore[operator]
                        for a, b in VALUES)
    python, native = run(spec(facts), "python"), run(spec(facts), "native")
    assert seen(python) == seen(native) and violated(python) == {}
    assert python.stats.distinct_states == 18  # 9 values of x, each before and after skip


def test_a_wrong_answer_is_caught() -> None:
    v = run(spec("x == (1, 1) -> !({x} <= {(0, 1), (1, 1)})"), "python")
    assert violated(v) == {"I": 0}


def test_an_untold_literal_says_what_to_write() -> None:
    err = spec_error(spec("size({(x[0] + 1, 1)}) == 1"))
    assert "cannot tell the member type of this set literal; write it where a typed value " \
        "fixes it" in str(err) and err.pos.line == 5
