"""Small things TLA+ and C users write first: arithmetic in type bounds, `mod`, `min`/`max`,
set operators in quantifier domains, and parse errors that name the likely mistake.

Counts are derived by hand in the docstrings; the engines' agreement on these operators is
test_symbolic's and test_native's construct "mod, min, max and set domains".
"""

from __future__ import annotations

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.check.checker import check
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.parser import parse
from modelcheck.lang.source import load_text
from modelcheck.report.render import render, render_domain
from tests.conftest import prop, spec_error


def run(src: str, engine: str = "python") -> Verdict:
    return run_variant(load_text(src), None, RunConfig(engine=engine))[1]


@pytest.mark.parametrize("engine", ["python", "native"])
def test_products_in_type_bounds(engine: str) -> None:
    """`0..2 * N - 1` with N = 3 is 0..5: a counter stepping through it by `mod 6` visits
    6 states; `N * N / 2 % 4` = 0 and `7 mod N` = 1 fold to constants."""
    src = """
const N = 3;
type Pos = 0..2 * N - 1;
var p: Pos = 0;
var c: N * N / 2 % 4 .. 7 mod N = 1;
thread w() { s: { p = (p + 1) mod (2 * N); goto s; } }
start w();
option deadlock = false;
invariant LOW: p < 2 * N;
"""
    v = run(src, engine)
    assert (v.stats.distinct_states, v.stats.transitions, v.result) == (6, 6, "holds")


MOD = """
var x: -4..4 = -4;
var q: 0..2 = 0;
var r: -2..2 = 0;
thread w() { s: { q = x mod 3; r = x % 3; x = x + 1; if x < 4 { goto s; } } }
start w();
invariant MATH: q == (if x - 1 >= 0 then (x - 1) % 3 else ((x - 1) % 3 + 3) % 3) || x == -4;
invariant C-LIKE: x == -4 || r == (x - 1) - (x - 1) / 3 * 3;
"""


@pytest.mark.parametrize("engine", ["python", "native"])
def test_mod_is_mathematical_and_percent_is_c(engine: str) -> None:
    """x runs from -4 to 4 (8 steps, 9 states); q = x mod 3 stays in 0..2 (a bounds
    violation otherwise) while r = x % 3 takes C's sign."""
    v = run(MOD, engine)
    assert (v.stats.distinct_states, v.result) == (9, "holds")


def test_mod_folds_and_refuses_a_non_positive_divisor() -> None:
    model = check(parse("const A = -7 mod 3;\nconst B = -7 % 3;\nconst C = 7 / -2;\n"
                        "thread w() { s: { skip; } }\nstart w();\n"))
    assert (model.consts["A"], model.consts["B"], model.consts["C"]) == (2, -1, -3)
    assert "'mod' needs a positive divisor, got 0" in str(spec_error(
        "var x: 0..3 = 1 mod 0;\nthread w() { s: { skip; } }\nstart w();\n"))


def test_mod_by_a_variable_that_is_not_positive_cannot_be_evaluated() -> None:
    v = run("var d: -1..1 = 1;\nvar x: 0..3 = 0;\n"
            "thread w() { s: { d = d - 1; } t: { x = 3 mod d; } }\nstart w();\n")
    assert v.incomplete


@pytest.mark.parametrize("engine", ["python", "native"])
def test_min_and_max(engine: str) -> None:
    """lo climbs 0..3 and hi falls 3..0 in one step each: 4 states; min/max of several."""
    src = """
var lo: 0..3 = 0;
var hi: 0..3 = 3;
thread w() { s: { await lo < 3; lo = lo + 1; hi = hi - 1; goto s; } }
start w();
option deadlock = false;
invariant ORDER: min(lo, hi) + max(lo, hi) == 3 && max(lo, hi, 2) >= 2 && min(1, lo, hi) <= 1;
"""
    v = run(src, engine)
    assert (v.stats.distinct_states, v.result) == (4, "holds")
    assert "takes two or more ints" in str(spec_error(src.replace("min(1, lo, hi)", "min(lo)")))


def test_a_def_named_min_wins() -> None:
    v = run("def min(a: 0..3): 0..3 = a;\nvar x: 0..3 = 0;\n"
            "thread w() { s: { x = min(2); } }\nstart w();\ninvariant I: x == 0 || x == 2;\n")
    assert prop(v, "I").status == "holds"


SETS = """
var s: set of 0..3 = {1, 2};
var t: set of 0..3 = {2, 3};
var m: 0..3 = 0;
thread w() { a: { choose v in s & t { m = v; } } b: { choose v in s - t | {0} { m = v; } } }
start w();
option deadlock = false;
invariant BOTH: forall v in s & t : v == 2;
invariant ANY: exists v in s | t : v == 3;
invariant DIFF: count(v in s - t : v > 0) == 1 && size(filter(v in s & t | {0} : true)) == 2;
"""


def test_set_operators_in_domains_need_no_parentheses() -> None:
    """a takes the one member of s & t (2); b then picks 0 or 1 from (s - t) | {0}: 4 states
    (start, after a, and the two after b)."""
    v = run(SETS)
    assert (v.stats.distinct_states, v.result) == (4, "holds")


def test_printed_domains_and_operators_parse_back() -> None:
    """Every invariant rendered, put back into its spec and checked again, renders the same."""
    for src in (SETS, MOD):
        for inv in check(parse(src)).invariants:
            text = render(inv.expr)
            again = check(parse(src + f"invariant P: {text};\n")).invariants[-1].expr
            assert render(again) == text
    quant = check(parse(SETS)).invariants[0].expr
    assert render_domain(quant.domain) == "s & t"  # type: ignore[attr-defined]


@pytest.mark.parametrize("src, line, col, message, hint", [
    ("var x: 0..3 = 0\nthread w() { a: { skip; } }\nstart w();\n", 1, 16,
     "missing ';' after '0' (line 1 continues into line 2)", None),
    ("thread w() { a: { skip; } }\nstart w()\ninvariant I: true;\n", 2, 10,
     "missing ';' after ')'", None),
    ("var x: 0..3 = 0;\nthread w() { a: { while x < 3 { x = x + 1; } } }\nstart w();\n", 2, 19,
     "'while' is not a statement", "goto a;"),
])
def test_parse_errors_name_the_likely_mistake(src: str, line: int, col: int, message: str,
                                              hint: str | None) -> None:
    err = spec_error(src)
    assert message in str(err) and err.pos is not None and (err.pos.line, err.pos.col) == (
        line, col)
    assert (hint is None) == (err.hint is None) and (hint is None or hint in str(err.hint))


def test_built_in_function_names_are_free_for_values() -> None:
    """`done`, `parent`, `alive`, `size` as a variable, constant and local: the calls still
    mean the built-ins. Two states (before and after the one step)."""
    v = run("const parent = 2;\nvar done: bool = false;\n"
            "thread w(alive: 0..1) { var size: 0..3 = parent; a: { done = alive + size == 3; } }\n"
            "start w(1);\n"
            "invariant I: done(0) -> done && size(filter(x in 0..parent : true)) == 3;\n")
    assert (v.stats.distinct_states, v.result) == (2, "holds")
    assert "'done' is a built-in name" in str(spec_error(
        "def done(): bool = true;\nthread w() { a: { skip; } }\nstart w();\n"))


SUM_PICK = """
var w: array[0..2] of 0..1 in any;
var lo: 0..2? = none;
var total: 0..3 = 0;
thread t() { a: { total = sum(i in 0..2 : w[i]); lo = pick(i in 0..2 : w[i] == 1 || i == 2); } }
start t();
invariant SUM: lo == none || total == count(i in 0..2 : w[i] == 1);
invariant LEAST: lo == none || (w[lo] == 1 || lo == 2) && forall j in 0..2 : j < lo -> w[j] == 0;
"""


@pytest.mark.parametrize("engine", ["python", "native"])
def test_sum_and_pick(engine: str) -> None:
    """8 initial arrays, each followed by the one step: 16 states. With w = [0, 1, 1] the
    step stores total 2 and lo 1 (the least i with w[i] == 1)."""
    v = run(SUM_PICK, engine)
    assert (v.stats.distinct_states, v.result) == (16, "holds")
    exact = SUM_PICK + "init w[0] == 0 && w[1] == 1 && w[2] == 1;\n" \
        "invariant EXACT: lo == none || total == 2 && lo == 1;\n"
    v = run(exact, engine)
    assert (v.stats.distinct_states, prop(v, "EXACT").status) == (2, "holds")


def test_pick_with_no_candidate_cannot_be_evaluated_and_is_refused_under_symmetry() -> None:
    v = run("var s: set of 0..3 = {};\nvar x: 0..3 = 0;\n"
            "thread t() { a: { x = pick(i in s : true); } }\nstart t();\n")
    assert v.incomplete and prop(v, "runtime").status == "violated"
    err = spec_error("symmetric type Obj = 0..2;\nvar o: Obj? = none;\n"
                     "thread t() { a: { o = pick(i in Obj : true); } }\nstart t();\n")
    assert "'pick' takes the least value" in str(err)


def test_sum_and_pick_stay_names_without_a_parenthesis() -> None:
    v = run("var sum: 0..3 = 0;\nvar pick: bool = false;\n"
            "thread w() { pick: { sum = sum + 1; pick = !pick; } }\nstart w();\n"
            "invariant I: sum(i in 0..1 : i) == 1 && sum <= 1 && pick(i in 0..2 : i > 0) == 1;\n")
    assert (v.stats.distinct_states, v.result) == (2, "holds")


SUBSETS = """
var t: set of 0..3 = {1, 2, 3};
var pickd: set of 0..3 = {};
thread w() { a: { choose s in subset t where size(s) == 2 { pickd = s; } } }
start w();
invariant SUB: pickd & t == pickd;
invariant N: count(s in subset t : size(s) == 2) == 3 && exists s in subset t : s == {1, 3};
invariant ALL: forall s in subset t : 0 not in s;
invariant SUMS: sum(s in subset t : size(s)) == 12;
"""


@pytest.mark.parametrize("engine", ["python", "native"])
def test_choice_and_quantifiers_over_subsets(engine: str) -> None:
    """The initial state and one per 2-element subset of {1, 2, 3}: 4 states; 3 of the 8
    subsets have 2 elements, and their sizes add up to 3 * 2^2 = 12."""
    v = run(SUBSETS, engine)
    assert (v.stats.distinct_states, v.stats.transitions, v.result) == (4, 3, "holds")


def test_subset_domains_print_back_and_are_bounded() -> None:
    """The printed domain is every set of the element type, with T's bound in the body
    (`s & t == s`), so the text parses back to the same truth in every state."""
    printed = "".join(f"invariant P{k}: {render(inv.expr)};\n"
                      for k, inv in enumerate(check(parse(SUBSETS)).invariants))
    assert "subset filter(x in 0..3 : true)" in printed
    v = run(SUBSETS + printed)
    assert v.result == "holds" and len(v.properties) == 2 * 4 + 3
    assert "too many to range over" in str(spec_error(
        "var t: set of 0..20 = {};\nthread w() { a: { choose s in subset t { t = s; } } }\n"
        "start w();\n"))
    sets = run(SUBSETS + "invariant F: size(filter(s in subset t : size(s) == 2)) == 3 && "
                         "{1, 3} in filter(s in subset t : true) && size(filter(s in subset t "
                         ": true)) == 8;\n")  # t is a variable: a set of sets of 16 bools
    assert sets.result == "holds"
