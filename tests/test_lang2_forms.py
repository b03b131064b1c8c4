"""What TLA+ translations needed workarounds for (issue 15): ranges with bounds that are
not constant, a type's name as the set of its values, set inclusion, thread locals that
start with a chosen value, `start t(k) for k in D` and `[e for x in D]`.

Each spec's counts come from a brute-force enumeration written here in Python (or by
hand, in the docstring); every spec is then run on the Python and native engines, which
must agree, and its transitions are compared with the fixed-pool z3 encoding state by
state (`test_symbolic.cross_check`); one violation is found again by z3's BMC.
"""

from __future__ import annotations

import itertools

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.app.prove import encoding
from modelcheck.check.checker import check
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.source import load_text
from modelcheck.symbolic.bmc import VIOLATED, bmc
from modelcheck.symbolic.encoder import Unsupported
from tests.conftest import ROOT, prop, spec_error, violated
from tests.test_symbolic import cross_check
from tests.test_tla_translations import explore, replace


def engines_agree(src: str, defines: dict[str, str] | None = None, z3: bool = True) -> Verdict:
    """The Python verdict, after checking that the native engine finds the same counts and
    verdicts and (`z3`) that z3's transition formula admits exactly the explicit
    successors of every reachable state."""
    spec = load_text(src, path="t.spec")
    config = {"overrides": defines or {}, "liveness": False}
    python = run_variant(spec, None, RunConfig(engine="python", **config))[1]  # type: ignore
    native = run_variant(spec, None, RunConfig(engine="native", **config))[1]  # type: ignore
    assert native.engine.startswith("native"), native.engine
    assert (native.stats.distinct_states, native.stats.transitions) == \
        (python.stats.distinct_states, python.stats.transitions)
    assert [(p.name, p.status, p.trace_length) for p in native.properties] == \
        [(p.name, p.status, p.trace_length) for p in python.properties]
    if z3:
        ts = compile_variant(spec, None, RunConfig(overrides=defines or {}))
        assert cross_check(ts, limit=3000, sample=12) == python.stats.distinct_states
    return python


def counts(v: Verdict) -> tuple[int, int, str]:
    return v.stats.distinct_states, v.stats.transitions, v.result


# ------------------------------------------------------------- 1. ranges from the state

RANGES = """
type R = 0..3;
var n: R in any;
var m: R in any;
var s: set of R = {};
thread w() {
    step: {
        either { choose j in n..m { s = s | {j}; } }
        or { for k in m..n - 1 { s = s | {k}; n = 0; } }
    }
}
start w();
invariant EXISTS: (exists j in 0..n : j == n) && !(exists j in n + 1..n : true);
invariant COUNT: count(j in n..m : true) == (if n <= m then m - n + 1 else 0);
invariant SUM: sum(j in 0..n : j) == n * (n + 1) / 2;
invariant FILTER: filter(x in n..m : true) == filter(x in R : n <= x && x <= m);
invariant PICK: n > m || pick(j in n..m : true) == n;
"""


def ranges_space() -> tuple[int, int]:
    """Every (n, m) starts; `choose` adds one j of n..m (none when n > m); the loop runs
    over m..n-1 as the bounds were before it, setting n to 0 in its first pass. The
    thread then finishes (its pc is part of the state)."""
    states, transitions = set(), 0
    for n, m in itertools.product(range(4), repeat=2):
        states.add((n, m, frozenset(), "step"))
        after = [(n, m, frozenset({j})) for j in range(n, m + 1)]
        passes = frozenset(range(m, n))
        after.append((0 if passes else n, m, passes))
        transitions += len(after)
        states.update((*a, "done") for a in after)
    return len(states), transitions


def test_ranges_whose_bounds_are_variables() -> None:
    v = engines_agree(RANGES)
    assert counts(v) == (*ranges_space(), "holds")


def test_a_loop_over_a_range_reads_its_bounds_once() -> None:
    """From n = 3, m = 0 the loop passes over 0, 1, 2 although its first pass sets n = 0."""
    v = engines_agree(RANGES.replace("var n: R in any;", "var n: R = 3;")
                      .replace("var m: R in any;", "var m: R = 0;")
                      + "invariant RESULT: s != {0, 1, 2};\n")
    assert violated(v) == {"RESULT": 1}


# ------------------------------------------------------------- 2, 3. types as sets, inclusion

SUBSETS = """
type R = 0..2;
enum E { a, b, c }
var s: set of R = {};
var t: set of E = {};
thread w() {
    step: {
        choose S in subset R where S < R {
            choose T in subset E where T >= {a} { s = S; t = T; }
        }
    }
}
start w();
invariant SUBSET: s <= R && s - R == {} && !(R <= s) && (s < R || s == {}) && 2 in R;
invariant SUPERSET: t == {} || t >= {a} && (t > {a} || t == {a}) && E >= t;
invariant FOLDED: {a, b} - {b, c} == {a} && {a} < E && !(E > E) && E <= E && E == {a, b, c};
invariant NOT-ALL: !(t == E && size(s) == 2);
"""


def test_subsets_of_a_type_and_inclusion() -> None:
    """From ({}, {}) the step picks a proper subset of R (7) and a superset of {a} in E
    (4): 28 transitions to 28 distinct states, 29 with the first. NOT-ALL fails after
    one step (s with two elements, t = E)."""
    v = engines_agree(SUBSETS)
    proper = [x for k in range(3) for x in itertools.combinations(range(3), k)]
    supersets = [x for k in range(3) for x in itertools.combinations("bc", k)]
    assert (len(proper), len(supersets)) == (7, 4)
    assert (v.stats.distinct_states, v.stats.transitions) == (29, 28)
    assert violated(v) == {"NOT-ALL": 1}
    assert all(prop(v, p).status == "holds" for p in ("SUBSET", "SUPERSET", "FOLDED"))


# ------------------------------------------------------------- 4. locals with chosen values

LOCALS = """
enum C { red, green, blue }
var seen: 0..4 = 0;
thread w() {
    var b: bool in any;
    var c: C in {red, blue};
    one: { if b { seen = seen + 1; } }
    two: { if c == blue { seen = seen + 1; } }
}
start w();
start w();
"""


def locals_space() -> tuple[int, int]:
    """Each started thread starts with any b and c in {red, blue}: 16 initial states.
    A thread is (pc, b, c) until it finishes, when its locals are cleared."""
    def successors(s: tuple) -> list[tuple]:
        seen, threads = s[0], s[1:]
        out = []
        for k, (pc, b, c) in enumerate(threads):
            if pc == "one":
                moved, seen2 = ("two", b, c), seen + b
            elif pc == "two":
                moved, seen2 = ("done", None, None), seen + (c == "blue")
            else:
                continue
            out.append((seen2, *threads[:k], moved, *threads[k + 1:]))
        return out

    starts = [("one", b, c) for b in (False, True) for c in ("red", "blue")]
    space = explore([(0, x, y) for x, y in itertools.product(starts, repeat=2)], successors,
                    {}, deadlock=False)
    return space.states, space.transitions


def test_started_threads_start_with_every_allowed_local() -> None:
    v = engines_agree(LOCALS)
    assert counts(v) == (*locals_space(), "holds")


def test_a_spawn_has_one_result_per_choice() -> None:
    """The spawner's one step has 4 results (b, c); the child then reaches its second
    step with seen = b (4 states) and finishes with seen in {0, 1, 2} (3 states, its
    locals cleared): 1 + 4 + 4 + 3 = 12 states, 4 + 4 + 4 = 12 transitions."""
    src = LOCALS.replace("start w();\nstart w();\n",
                         "threads 2;\nthread m() { s: { spawn w(); } }\nstart m();\n")
    assert counts(engines_agree(src)) == (12, 12, "holds")


def test_prove_unbounded_refuses_a_chosen_local_by_name() -> None:
    spec = load_text(LOCALS, path="t.spec")
    with pytest.raises(Unsupported, match="a choice of initial values for 'b'"):
        encoding(spec, check(spec.ast, None, {}), {}, True)


# ------------------------------------------------------------- 5. process sets, array values

PROCESSES = """
const N = 3;
type P = 0..N - 1;
var token: array[P] of 0..N = [p + 1 for p in P];
var next: array[P] of tid = [tid((p + 1) mod N) for p in 0..N - 1];
thread proc(k: P) { give: { token[k] = 0; } }
start proc(k) for k in P;
invariant TOKENS: forall p in P : token[p] == 0 || token[p] == p + 1;
invariant RING: forall p in P : int(next[p]) == (p + 1) mod N;
invariant SOME-LEFT: exists p in P : token[p] != 0;
"""


@pytest.mark.parametrize("n", [3, 4])
def test_one_start_line_for_n_processes(n: int) -> None:
    """Each of the N processes has given its token or not: 2^N states; a state where k
    have given has N - k successors: N * 2^(N - 1) transitions. SOME-LEFT fails once all
    N have given, after N steps."""
    v = engines_agree(PROCESSES, {"N": str(n)})
    assert (v.stats.distinct_states, v.stats.transitions) == (2 ** n, n * 2 ** (n - 1))
    assert violated(v) == {"SOME-LEFT": n}


# ------------------------------------------------------------- the README's example

BALLOTS = ROOT / "specs" / "examples" / "lang2_ballots.spec"


def ballots_space(n: int) -> tuple[int, int]:
    """lang2_ballots.spec enumerated: each voter starts with any choice; a voter who has
    not voted may vote (its locals are cleared when it finishes)."""
    def successors(s: tuple) -> list[tuple]:
        ballot, tally, pending = s
        out = []
        for me, choice in enumerate(pending):
            if choice is None:
                continue
            cast = sum(b is not None for b in ballot)
            out.append((replace(ballot, cast, choice),
                        replace(tally, choice, tally[choice] + me + 1),
                        replace(pending, me, None)))
        return out

    init = [((None,) * n, (0,) * n, c) for c in itertools.product(range(n), repeat=n)]
    space = explore(init, successors, {}, deadlock=False)
    return space.states, space.transitions


@pytest.mark.parametrize("n", [3, 4])
def test_the_ballots_example(n: int) -> None:
    """`cast` and `voted` follow from the ballots and who is pending, so the enumeration
    leaves them out; 336 and 378 for N = 3, as the README says. (z3 has checked each
    construct above.)"""
    v = engines_agree(BALLOTS.read_text(), {"N": str(n)}, z3=False)
    assert counts(v) == (*ballots_space(n), "holds")


# ------------------------------------------------------------- what is refused, and why

STEP = "thread w() { s: { skip; } }\nstart w();\n"
REFUSED = {
    "a bound without a known range": (
        "var n: 0..3 = 0;\n" + STEP + "invariant I: exists j in 0..n * 2 : j == 1;\n",
        "no known least and greatest value"),
    "a type too large for a set": (
        "type Big = 0..99;\nvar x: 0..99 = 0;\n" + STEP + "invariant I: x in Big;\n",
        "'Big' is a type, not a value"),
    "inclusion of a non-set": (
        "enum E { a }\nvar s: set of E = {};\n" + STEP + "invariant I: s <= 1;\n",
        "compares two sets"),
    "a comprehension short of its index type": (
        "var a: array[0..2] of 0..3 = [k for k in 0..1];\n" + STEP,
        "ranges over its index type, 0..2"),
    "start lines over a variable": (
        "threads 3;\nvar v: 0..2 = 0;\nthread w(k: 0..2) { s: { skip; } }\n"
        "start w(k) for k in 0..v;\n",
        "'v' is a variable, but the threads a spec starts must be known before the search"),
    "liveness instances over a range from the state": (
        "var v: 0..2 = 0;\n" + STEP + "liveness L for k in 0..v: eventually v >= k;\n",
        "'v' is a variable; a constant is needed here"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_with_a_reason(case: str) -> None:
    src, reason = REFUSED[case]
    assert reason in str(spec_error(src))


# ------------------------------------------------------------- all of them under BMC

def test_bmc_finds_the_violations_the_search_finds() -> None:
    """z3's bounded search, on its own encoding of every construct above, finds each
    violation at the depth the explicit search reports."""
    for src, defines in ((PROCESSES, {"N": "3"}), (SUBSETS, {}),
                         (RANGES + "invariant FULL: size(s) < 3;\n", {})):
        spec = load_text(src, path="t.spec")
        v = run_variant(spec, None, RunConfig(overrides=defines))[1]
        expected = violated(v)
        assert expected, src
        found, _, why = bmc(encoding(spec, check(spec.ast, None, defines), defines, False),
                            max(n for n in expected.values() if n is not None), 60.0)
        assert why is None
        assert {f.prop: f.length for f in found if f.status == VIOLATED} == expected
