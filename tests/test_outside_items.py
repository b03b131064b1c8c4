"""A set literal compared with a set whose type cannot hold one of its items gives TLA+'s
answer (`check/outside_items.py`), not an evaluation error: each comparison is checked for
every value of y on the Python and native engines and by z3's bounded model checking
against the truth Python's own sets give; storing such a literal is still an error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelcheck.app.prove import encoding
from modelcheck.check.checker import check as check_model
from modelcheck.lang.source import load_text
from modelcheck.report.render import render
from modelcheck.symbolic.bmc import VIOLATED, bmc
from tests.conftest import violated
from tests.test_big_sets import run, seen

S = {1, 2}                 # the value of s below
T = {(1, True)}            # the value of t below
YS = range(6)              # y's type, 0..5: wider than s's members (0..3) and t's (0..2)

# (expression over y, its value in Python for each y)
CASES: list[tuple[str, Callable[[int], bool]]] = [
    ("{y + 1} == {1}", lambda y: {y + 1} == {1}),
    ("{y + 1} != {1}", lambda y: {y + 1} != {1}),
    ("{y + 1} <= {1, 2}", lambda y: {y + 1} <= {1, 2}),
    ("{y + 1, 4} >= {4}", lambda y: {y + 1, 4} >= {4}),
    ("{y + 1, 4} > {4}", lambda y: {y + 1, 4} > {4}),
    ("s == {y - 1, 2}", lambda y: S == {y - 1, 2}),
    ("{y + 1} < s", lambda y: {y + 1} < S),
    ("s <= {y, y - 1}", lambda y: S <= {y, y - 1}),
    ("s > {y - 2}", lambda y: S > {y - 2}),
    ("{y * 2} != {0, 1}", lambda y: {y * 2} != {0, 1}),
    ("{y, 7} >= s", lambda y: {y, 7} >= S),
    ("y in {y + 1}", lambda y: y in {y + 1}),
    ("3 in {y + 1, y - 1}", lambda y: 3 in {y + 1, y - 1}),
    ("{(y + 1, 0)} == {(1, 0)}", lambda y: {(y + 1, 0)} == {(1, 0)}),
    ("{(y, true)} <= t", lambda y: {(y, True)} <= T),
    ("t == {(y - 2, true)}", lambda y: T == {(y - 2, True)}),
    ("{(y - 3, true)} != t", lambda y: {(y - 3, True)} != T),
    ("t < {(y, true), (1, true)}", lambda y: T < {(y, True), (1, True)}),
]


def spec(cases: list[tuple[str, Callable[[int], bool]]], flip: int | None = None) -> str:
    """One invariant per case, saying the expression's value for each y (the `flip`-th
    case's value negated for y == 0, to show a wrong answer is caught)."""
    lines = []
    for k, (expr, truth) in enumerate(cases):
        values = [truth(y) != (k == flip and y == 0) for y in YS]
        facts = " && ".join(f"(y == {y} -> ({expr}) == {str(v).lower()})"
                            for y, v in zip(YS, values))
        lines.append(f"invariant C{k}: {facts};")
    return "\n".join(["var y: 0..5 in any;", "var s: set of 0..3 = {1, 2};",
                      "var t: set of tuple(0..2, bool) = {(1, true)};",
                      "thread u() { a: { skip; } }", "start u();", *lines]) + "\n"


def test_each_comparison_as_python_says_on_both_engines() -> None:
    src = spec(CASES)
    python, native = run(src, "python"), run(src, "native")
    assert native.engine.startswith("native")
    assert seen(python) == seen(native) and violated(python) == {}
    assert python.stats.distinct_states == 12  # 6 values of y, each before and after skip
    model = check_model(load_text(src, path="t.spec").ast)
    assert all(f"({expr}) ==" in render(inv.expr)  # reports print it as written
               for (expr, _), inv in zip(CASES, model.invariants))


def test_bmc_agrees_and_a_wrong_answer_is_caught() -> None:
    loaded = load_text(spec(CASES), path="t.spec")
    found, depth, _ = bmc(encoding(loaded, check_model(loaded.ast), {}, False), 1, 60.0)
    assert depth == 1 and not [f for f in found if f.status == VIOLATED]
    flipped = spec(CASES[:6], flip=4)
    assert violated(run(flipped, "python")) == violated(run(flipped, "native")) == {"C4": 0}
    loaded = load_text(flipped, path="t.spec")
    found, _, _ = bmc(encoding(loaded, check_model(loaded.ast), {}, False), 0, 60.0)
    assert {f.prop: f.length for f in found if f.status == VIOLATED} == {"C4": 0}


@pytest.mark.parametrize(("stmt", "broken", "says"), [
    ("s = {y + 1};", "runtime", "set element 6 is outside 0..3"),
    ("y = y + 1;", "bounds", "value 6 is outside 0..5"),
])
def test_storing_a_value_outside_its_type_is_still_an_error(stmt: str, broken: str,
                                                            says: str) -> None:
    src = (f"var y: 0..5 = 5;\nvar s: set of 0..3 = {{}};\n"
           f"thread u() {{ a: {{ {stmt} }} }}\nstart u();\n")
    for engine in ("python", "native"):
        v = run(src, engine)
        assert violated(v) == {broken: 1}
        assert says in v.counterexamples[0].message
