"""Tuples and records as thread parameters (`check/thread_params.py`): a protocol written
with them has the states, transitions and verdicts of the same protocol written with one
scalar parameter per item, as before, on the Python and native engines; counts by hand;
z3's bounded model checking finds the same violation; traces show the parameter as
written; what cannot be passed is refused with its place."""

from __future__ import annotations

import pytest

from modelcheck.app.prove import encoding
from modelcheck.check.checker import check as check_model
from modelcheck.ir.values import flat_view
from modelcheck.lang.source import load_text
from modelcheck.symbolic.bmc import VIOLATED, bmc
from tests.conftest import spec_error, trace_of, violated
from tests.test_big_sets import run, seen

# A message bounces along a link and back, each hop a new thread: thread 0 records (0, 1)
# and spawns thread 1 with (1, 0), not to be recorded, which spawns thread 2 with (0, 1)
# again, via (1, 0), and no hops left: it records both. One thread runs at a time: 7
# states, 6 transitions; `got` reaches two links in step 5.
TUPLES = """
type Node = 0..2;
type Link = tuple(Node, Node);
threads 3;
var got: set of Link = {};
thread send(l: Link, r: record { ok: bool, hops: 0..2 }, via: tuple(Link, bool)) {
    a: { if r.ok && via[1] { got = got | {l, via[0]}; } }
    b: { if r.hops > 0 { spawn send((l[1], l[0]), {ok: !r.ok, hops: r.hops - 1}, (l, true)); } }
}
start send((0, 1), {ok: true, hops: 2}, ((0, 1), true));
invariant BACK: forall t in tid : t at send.b -> (t.r.ok -> t.l in got && t.via[0] in got);
invariant TWO: size(got) <= 2;
"""

SCALARS = """
type Node = 0..2;
type Link = tuple(Node, Node);
threads 3;
var got: set of Link = {};
thread send(l0: Node, l1: Node, ok: bool, hops: 0..2, v0: Node, v1: Node, v: bool) {
    a: { if ok && v { got = got | {(l0, l1), (v0, v1)}; } }
    b: { if hops > 0 { spawn send(l1, l0, !ok, hops - 1, l0, l1, true); } }
}
start send(0, 1, true, 2, 0, 1, true);
invariant BACK: forall t in tid : t at send.b ->
    (t.ok -> (t.l0, t.l1) in got && (t.v0, t.v1) in got);
invariant TWO: size(got) <= 2;
"""


def test_the_same_states_as_scalar_parameters_on_both_engines() -> None:
    python, native, scalars = run(TUPLES, "python"), run(TUPLES, "native"), \
        run(SCALARS, "native")
    assert native.engine.startswith("native") and seen(python) == seen(native)
    counts = (python.stats.distinct_states, python.stats.transitions)
    assert counts == (scalars.stats.distinct_states, scalars.stats.transitions) == (7, 6)
    assert violated(python) == violated(scalars) == {}


def test_a_violation_found_by_every_engine_shows_the_parameter_as_written() -> None:
    src = TUPLES.replace("size(got) <= 2", "size(got) <= 1")
    python, native = run(src, "python"), run(src, "native")
    assert seen(python) == seen(native) and violated(python) == {"TWO": 5}
    loaded = load_text(src, path="t.spec")
    model = check_model(loaded.ast)
    shown = flat_view(model, trace_of(native, "TWO").steps[-1].state)
    assert (shown["thread 2.l"], shown["thread 2.via"]) == ("(0, 1)", "((1, 0), true)")
    found, _, _ = bmc(encoding(loaded, model, {}, False), 5, 60.0)
    assert {f.prop: f.length for f in found if f.status == VIOLATED} == {"TWO": 5}


def test_a_chosen_tuple_is_passed_on() -> None:
    # root picks one of two links and spawns p with it (2 states), p records it (2 more)
    v = run("""
type Link = tuple(0..2, 0..2);
threads 2;
var made: set of Link = {(0, 1), (1, 2)};
var got: set of Link = {};
thread root() { go: { choose l in made { spawn p(l); } } }
thread p(l: Link) { a: { got = got | {l}; } }
start root();
invariant SAME: got <= made;
""", "native")
    assert (v.stats.distinct_states, v.stats.transitions) == (5, 4) and violated(v) == {}


@pytest.mark.parametrize(("src", "line", "says"), [
    ("thread p(a: array[0..1] of bool) { s: { skip; } }\nstart p([false]);", 1,
     "parameters are scalars, sets, or tuples and records of them, not array"),
    ("var c: bool = true;\nthread p(l: tuple(0..1, 0..1)) { s: { skip; } }\nthreads 2;\n"
     "thread q() { s: { spawn p(if c then (0, 1) else (1, 0)); } }\nstart q();", 4,
     "is a variable, a literal or a parameter"),
    ("thread p(l: tuple(0..1, 0..1)) { s: { skip; } }\nstart p((0, 1), 1);", 2,
     "thread 'p' takes 1 argument(s), 2 given"),
    ("thread p(l: tuple(0..1, 0..1)) { s: { l = (1, 1); } }\nstart p((0, 1));", 1,
     "only variables, array elements and record fields can be assigned"),
])
def test_what_cannot_be_passed_is_refused_with_its_place(src: str, line: int,
                                                         says: str) -> None:
    err = spec_error(src + "\n")
    assert says in err.message and err.pos.line == line
