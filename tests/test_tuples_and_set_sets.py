"""Tuples, sets of sets and `for` over large sets on every engine: the Python and native
searches agree step for step on lang_links, lang_quorums and lang_tickets (whose counts
test_lang_examples enumerates), z3's bounded model checking finds each expected
violation at the trace's length, and small specs check each operation against counts
derived by hand."""

from __future__ import annotations

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.app.prove import encoding
from modelcheck.check.checker import check as check_model
from modelcheck.lang.source import load, load_text
from modelcheck.symbolic.bmc import VIOLATED, bmc
from tests.conftest import ROOT, spec_error, violated
from tests.test_big_sets import run, seen

EXAMPLES = ROOT / "specs" / "examples"
# (spec, variant, violations and their lengths, whether BMC runs: the 6 steps of any_pair
# take z3 7 s, and sets of sets meet BMC in the smaller spec below)
CASES = [("lang_links.spec", "mutual", {}, False),
         ("lang_links.spec", "eager", {"BOTH-WAYS": 3}, True),
         ("lang_quorums.spec", "majority", {}, False),
         ("lang_quorums.spec", "any_pair", {"AGREEMENT": 6}, False),
         ("lang_tickets.spec", "settle", {}, False),
         ("lang_tickets.spec", "skip_last", {"COUNTED": 3}, True)]


@pytest.mark.parametrize(("spec", "variant", "broken", "with_bmc"), CASES)
def test_python_native_and_bmc_agree(spec: str, variant: str, broken: dict[str, int],
                                     with_bmc: bool) -> None:
    loaded = load(EXAMPLES / spec)
    python, native = (run_variant(loaded, variant, RunConfig(engine=e, liveness=False))[1]
                      for e in ("python", "native"))
    assert native.engine.startswith("native")
    assert seen(python) == seen(native) and violated(python) == broken
    assert all(ce.certified for ce in python.counterexamples)
    if with_bmc:
        depth = max(broken.values())
        found, _, _ = bmc(encoding(loaded, check_model(loaded.ast, variant), {}, False),
                          depth, 120.0)
        assert {f.prop: f.length for f in found if f.status == VIOLATED} == broken


TUPLES = """
type P = tuple(0..2, bool);
var s: set of P = {(1, true)};
var a: array[P] of 0..3 = [0];
var last: P = (0, false);
thread t() {
    one: { choose p in P where p[0] == 2 { s = s | {p}; a[p] = a[p] + 1; last = p; } }
    two: { for p in s { a[(p[0], !p[1])] = 3; } s = s - {(1, true)}; }
}
start t();
invariant SHAPE: size(s) <= 2 && (last == (0, false) || last[0] == 2);
invariant KEYED: forall p in P : a[p] <= 3 && (a[p] == 1 -> p == last);
invariant LIT: (2, true) != (2, false) && (s == {(1, true)} || (2, true) in s || (2, false) in s);
"""


SETS = """
type A = 0..2;
var qs: set of set of A = filter(Q in subset A : size(Q) == 2);
var got: set of set of A = {};
var n: 0..8 = 0;
thread t() {
    pick: { choose Q in qs where Q not in got { got = got | {Q, {}}; } }
    loop: { for Q in qs & got { n = n + size(Q); } }
}
start t();
invariant SIZES: size(qs) == 3 && size(got) <= 2 && size(qs | got) <= 4 && size(got - qs) <= 1;
invariant INSIDE: (got - {{}}) <= qs && !(qs < got) && (got == {} || {} in got);
invariant PAIRS: forall Q in qs : exists P in qs : P != Q && size(P & Q) == 1;
invariant COUNT: n == 0 || n == 2;
"""


def test_a_broken_invariant_over_sets_of_sets_is_found_by_bmc() -> None:
    src = SETS + "invariant BROKEN: n != 2;\n"
    assert violated(run(src, "python")) == violated(run(src, "native")) == {"BROKEN": 2}
    spec = load_text(src, path="t.spec")
    found, _, _ = bmc(encoding(spec, check_model(spec.ast), {}, False), 3, 60.0)
    assert {f.prop: (f.status, f.length) for f in found}["BROKEN"] == (VIOLATED, 2)


@pytest.mark.parametrize(("decl", "line", "says"), [
    ("var t: tuple(0..2, bool) = (0, true);\nvar k: 0..1 = 0;\ninvariant I: t[k];", 3,
     "constant"),
    ("var t: tuple(0..2, bool) = (0, true);\ninvariant I: t[2];", 2, "constant 0..1"),
    ("var a: array[tuple(bool, seq[2] of bool)] of bool = [false];", 1, "no finite type"),
    ("var a: array[set of 0..1] of bool = [false];", 1, "tuple of them"),
    ("type L = seq[2] of bool;\nthread u(l: L) { b: { skip; } }", 2, "parameters are"),
    ("symmetric type P = 0..1;\nvar a: array[tuple(P, bool)] of bool = [false];", 2,
     "symmetry"),
])
def test_refusals_are_located(decl: str, line: int, says: str) -> None:
    e = spec_error(f"{decl}\nthread t() {{ a: {{ skip; }} }}\nstart t();\n")
    assert e.pos.line == line and says in e.message


OUTSIDE = """
var s: set of tuple(0..1, bool) = {(1, true)};
var o: set of tuple(0..1, bool?) = {(0, none), (1, false)};
var a: array[tuple(0..1, bool)] of 0..2 = [0];
var k: -1..2 = -1;
thread t() { pick: { choose j in -1..2 { k = j; } } }
start t();
invariant IN: ((k, true) in s) == (k == 1) && ((k, false) in o) == (k == 1);
invariant OPT: (0, none) in o && (1, none) not in o && size(o) == 2;
"""


KEYS = """
type Node = 0..2;
type Link = tuple(Node, Node);
var loops: array[Link] of bool = [l[0] == l[1] for l in Link];
thread flip(a: Node, b: Node) { s: { loops[(a, b)] = !loops[(a, b)]; } }
start flip(0, 1);
start flip(2, 2);
invariant I: count(l in Link : loops[l]) <= 4 && loops[(1, 1)] && !loops[(1, 0)];
"""


# Counts by hand. TUPLES: `one` picks (2, false) or (2, true), 2 states; `two` sets the
# flipped key of each member to 3 and drops (1, true), 2 more: 5 states, 4 transitions.
# SETS: `pick` adds one of the 3 pairs and {}, 3 states; `loop` adds the pair's size, 2, to
# n, 3 more: 7 states, 6 transitions. OUTSIDE: one step choosing k among 4 values, 5
# states, 4 transitions; k = -1 and k = 2 would number (k, true) as another member or none
# at all, and are no member. KEYS: two threads flip one element each, in either order: 4
# states, 4 transitions.
@pytest.mark.parametrize("engine", ["python", "native"])
@pytest.mark.parametrize(("src", "counts"), [(TUPLES, (5, 4)), (SETS, (7, 6)),
                                             (OUTSIDE, (5, 4)), (KEYS, (4, 4))],
                         ids=["tuples", "sets-of-sets", "outside", "keys"])
def test_every_operation_by_hand(src: str, counts: tuple[int, int], engine: str) -> None:
    v = run(src, engine)
    assert (v.stats.distinct_states, v.stats.transitions) == counts
    assert v.result == "holds" and v.engine.startswith(engine)


def test_an_array_indexed_outside_its_tuples_cannot_be_evaluated() -> None:
    src = OUTSIDE + "invariant KEYED: a[(k, false)] == 0;\n"
    assert violated(run(src, "python")) == violated(run(src, "native")) == {"runtime": 0}
