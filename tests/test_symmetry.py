"""Symmetry reduction: counts that can be worked out by hand, verdicts and shortest trace
lengths unchanged against the unreduced search, traces that are real executions, the
canonical form invariant under renaming, and every refused declaration located.
"""

from __future__ import annotations

import itertools
import json
import random
from math import comb
from pathlib import Path

import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.backends.python.canon import Canonicaliser
from modelcheck.backends.python.system import TransitionSystem
from modelcheck.engine.outcome import Limits
from modelcheck.engine.search import search
from modelcheck.engine.trace import Counterexample
from modelcheck.engine.verdict import Verdict
from modelcheck.ir.model import PC_EXITING
from modelcheck.lang.source import load, load_text
from tests.conftest import ROOT, spec_error, write

EXAMPLES = sorted((ROOT / "tests" / "symmetric").glob("*.spec"))

COUNTERS = """
symmetric tid;
threads N;
thread counter() {
    var c: 0..K = 0;
    inc: { await c < K; c = c + 1; goto inc; }
}
START
option deadlock = false;
"""


def counters(n: int, k: int) -> str:
    src = COUNTERS.replace("START", "start counter();\n" * n)
    return src.replace("threads N", f"threads {n}").replace("0..K", f"0..{k}") \
        .replace("c < K", f"c < {k}")


# One thread flips flags of interchangeable objects: 2^n states, n + 1 up to renaming.
FLAGS = """
symmetric type Obj = 0..N;
var on: array[Obj] of bool = [false];
var lit: set of Obj = {};
thread flipper() {
    flip: { choose o in Obj { on[o] = !on[o]; if on[o] { lit = lit | {o}; }
                              else { lit = lit - {o}; } } goto flip; }
}
start flipper();
invariant SAME: forall o in Obj : on[o] == (o in lit);
option deadlock = false;
"""


def both(src_or_path: str | Path, variant: str | None = None) -> tuple[Verdict, Verdict]:
    """The verdict with symmetry reduction, and without."""
    spec = load(src_or_path) if isinstance(src_or_path, Path) else load_text(src_or_path)
    return (run_variant(spec, variant, RunConfig(symmetry=True))[1],
            run_variant(spec, variant, RunConfig(symmetry=False))[1])


def verdict_table(v: Verdict) -> dict[str, tuple[str, int | None]]:
    return {p.name: (p.status, p.trace_length) for p in v.properties}


# ------------------------------------------------------------------ hand-derived counts

@pytest.mark.parametrize("n, k", [(2, 2), (3, 2), (4, 1), (3, 3), (4, 2)])
def test_identical_counters_are_multisets(n: int, k: int) -> None:
    """N counters of 0..K: (K+1)^N states, C(N+K, K) multisets of counts up to renaming."""
    reduced, full = both(counters(n, k))
    assert full.stats.distinct_states == (k + 1) ** n
    assert reduced.stats.distinct_states == comb(n + k, k)
    assert reduced.symmetry is not None and full.symmetry is None
    assert (reduced.symmetry.states, reduced.symmetry.without, reduced.symmetry.exact) == \
        (comb(n + k, k), (k + 1) ** n, True)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_objects_up_to_renaming(n: int) -> None:
    """n objects, each on or off: 2^n states, and n + 1 (how many are on) up to renaming."""
    src = FLAGS.replace("0..N", f"0..{n - 1}")
    reduced, full = both(src)
    assert full.stats.distinct_states == 2 ** n
    assert reduced.stats.distinct_states == n + 1
    assert reduced.result == full.result == "holds"
    assert reduced.symmetry is not None
    assert (reduced.symmetry.without, reduced.symmetry.exact) == (2 ** n, True)


def test_an_array_by_one_type_of_sets_of_another() -> None:
    """Ids of the indexing type have no signature (their elements hold only ids of the
    other type), so they always tie; the generated code once emitted `((,), k)` for them.
    A 2 x 2 grid of bits: 16 values, 7 up to swapping rows and swapping columns."""
    src = """
symmetric type C = 0..1;
symmetric type R = 0..1;
var a: array[C] of set of R = [{}];
thread sys() { s: { skip; } }
start sys();
"""
    reduced, full = both(src)
    assert reduced.result == full.result == "holds"
    assert reduced.stats.distinct_states == full.stats.distinct_states == 2
    reduced, full = both(ROOT / "tests" / "symmetric" / "grid.spec")
    assert (reduced.stats.distinct_states, full.stats.distinct_states) == (7, 16)
    assert verdict_table(reduced) == verdict_table(full)
    assert reduced.symmetry is not None
    assert (reduced.symmetry.without, reduced.symmetry.exact) == (16, True)


def test_an_array_by_one_type_of_optional_ids_of_another() -> None:
    """The same shape with `Val?` elements (`array[C] of R?` in the issue): the cell ids have
    no signature. 9 pairs of none/0/1, 4 up to swapping cells and values (both none, one
    none, one value twice, two values)."""
    reduced, full = both(ROOT / "tests" / "symmetric" / "pointers.spec")
    assert (reduced.stats.distinct_states, full.stats.distinct_states) == (4, 9)
    assert verdict_table(reduced) == verdict_table(full) == \
        {"UNSHARED": ("violated", 2), "bounds": ("holds", None), "runtime": ("holds", None)}
    assert reduced.symmetry is not None
    assert (reduced.symmetry.without, reduced.symmetry.exact) == (9, True)


def test_spawning_makes_the_orbit_count_a_bound() -> None:
    """With thread creation the orbit sum only bounds the unreduced count, and says so."""
    path = ROOT / "tests" / "symmetric" / "objects.spec"
    reduced, full = both(path, "counted")
    assert reduced.symmetry is not None and not reduced.symmetry.exact
    assert reduced.symmetry.without >= full.stats.distinct_states > reduced.stats.distinct_states


def test_different_start_lines_make_the_orbit_count_a_bound() -> None:
    """One server, two clients: the initial state is not closed under renaming."""
    reduced, full = both(ROOT / "tests" / "symmetric" / "mixed.spec")
    assert reduced.symmetry is not None and not reduced.symmetry.exact
    assert reduced.symmetry.without >= full.stats.distinct_states > reduced.stats.distinct_states


# ------------------------------------------------------ verdicts and traces unchanged

def cases() -> list[tuple[Path, str | None]]:
    out: list[tuple[Path, str | None]] = []
    for path in EXAMPLES:
        spec = load(path)
        out += [(path, v) for v in spec.variants] if spec.ast.variants else [(path, None)]
    return out


SLOW = {"signals.spec"}  # 150,000 states unreduced: checked once, in the CLI test below


@pytest.mark.parametrize("path, variant", [c for c in cases() if c[0].name not in SLOW],
                         ids=lambda c: getattr(c, "name", str(c)))
def test_same_verdicts_and_trace_lengths(path: Path, variant: str | None) -> None:
    """Every property has the same status and the same shortest trace length either way,
    and each variant meets its expect line."""
    reduced, full = both(path, variant)
    assert verdict_table(reduced) == verdict_table(full)
    assert reduced.expectation == full.expectation == "met"
    assert reduced.stats.distinct_states < full.stats.distinct_states


def test_violations_are_found_under_symmetry() -> None:
    """The examples' broken variants really break under reduction (not vacuous)."""
    racy, _ = both(ROOT / "tests" / "symmetric" / "mutex.spec", "racy")
    early, _ = both(ROOT / "tests" / "symmetric" / "objects.spec", "early")
    assert {p.name for p in racy.properties if p.status == "violated"} == {"MUTEX", "LAST"}
    assert {p.name for p in early.properties if p.status == "violated"} == {"UAF"}


def assert_real_execution(ts: TransitionSystem, ce: Counterexample) -> None:
    """Each printed step is a transition of the unreduced system from the printed state before."""
    first = ce.steps[0]
    assert first.state in [r for r, _ in ts.labelled_init()]
    for pre, st in zip(ce.steps, ce.steps[1:]):
        assert st.thread is not None
        pc = pre.state[ts.pc_offsets[st.thread]]
        assert pc >= PC_EXITING
        produced = [r for r, _ in ts.labelled_steps[pc](pre.state, st.thread)]
        if st.failed:
            assert any(getattr(r, "state", None) == st.state for r in produced)
        else:
            assert st.state in produced


@pytest.mark.parametrize("path, variant", [
    (ROOT / "tests" / "symmetric" / "mutex.spec", "racy"),
    (ROOT / "tests" / "symmetric" / "objects.spec", "early"),
    (ROOT / "tests" / "symmetric" / "matrix.spec", None),
])
def test_traces_are_real_executions(path: Path, variant: str | None) -> None:
    spec = load(path)
    ts, v = run_variant(spec, variant)
    assert ts.canon is not None and v.counterexamples
    for ce in v.counterexamples:
        assert_real_execution(ts, ce)
    # ...and at least one of them passes through states the search stored in another form
    stored = set(search(ts).store.states)
    assert any(st.state not in stored for ce in v.counterexamples for st in ce.steps)


@pytest.mark.parametrize("path, variant", [
    (ROOT / "tests" / "symmetric" / "mutex.spec", "racy"),
    (ROOT / "tests" / "symmetric" / "matrix.spec", None),
])
@pytest.mark.parametrize("mode", [{"store": "fingerprint"}, {"workers": 2}])
def test_fingerprint_and_worker_searches_reduce_alike(path: Path, variant: str | None,
                                                       mode: dict) -> None:
    """The level search canonicalises like the exact one: same states, same real traces."""
    spec = load(path)
    _, exact = run_variant(spec, variant)
    ts, other = run_variant(spec, variant, RunConfig(**mode))
    assert other.stats.distinct_states == exact.stats.distinct_states
    assert verdict_table(other) == verdict_table(exact)
    assert [[st.state for st in ce.steps] for ce in other.counterexamples] == \
        [[st.state for st in ce.steps] for ce in exact.counterexamples]
    for ce in other.counterexamples:
        assert_real_execution(ts, ce)


def test_invariant_trace_after_renaming() -> None:
    """A thread other than the canonical one can be the actor: the replay follows the real one."""
    src = counters(3, 2).replace("c = c + 1;", "c = c + 1; hits = hits + 1;") + \
        "var hits: 0..9 = 0;\ninvariant LOW: hits < 4;\n"
    ts, v = run_variant(load_text(src), None, RunConfig(symmetry=True))
    ce = v.counterexamples[0]
    assert ce.prop == "LOW" and ce.length == 4
    assert_real_execution(ts, ce)
    _, full = run_variant(load_text(src), None, RunConfig(symmetry=False))
    assert full.counterexamples[0].length == 4


# ------------------------------------------------------------ the canonical form itself

@pytest.mark.parametrize("name, variant", [("objects.spec", "early"), ("signals.spec", None),
                                           ("mixed.spec", None), ("matrix.spec", None),
                                           ("grid.spec", None), ("pointers.spec", None)])
def test_canonical_form_is_invariant_and_steps_commute(name: str, variant: str | None) -> None:
    """For reachable states s and random renamings g: canon(g(s)) == canon(s), and the
    successors of g(s) are, up to renaming, those of s (the transition relation is symmetric,
    which is what the checker's refusals must guarantee)."""
    spec = load(ROOT / "tests" / "symmetric" / name)
    ts = compile_variant(spec, variant, RunConfig(symmetry=False))
    canon = compile_variant(spec, variant).canon
    assert canon is not None
    rng = random.Random(7)
    states = search(ts, None).store.states if name != "signals.spec" else \
        _first_states(ts, 3000)

    def successors(s: tuple) -> set:
        out: set = set()
        for me, off in enumerate(ts.pc_offsets):
            if s[off] >= PC_EXITING:
                out |= {canon(r) if type(r) is tuple else (type(r).__name__,
                                                           getattr(r, "prop", None))
                        for r in ts.step(s, me)}
        return out

    for s in rng.sample(states, min(400, len(states))):
        perms = []
        for x in range(len(canon.sorts)):
            ids = canon._movable(s, x)
            shuffled = rng.sample(ids, len(ids))
            perm = list(range(canon.sizes[x]))
            for a, b in zip(ids, shuffled):
                perm[a] = b
            perms.append(perm)
        g = canon.apply(s, perms)
        assert canon(g) == canon(s)
        assert successors(g) == successors(s)


def _first_states(ts: TransitionSystem, n: int) -> list[tuple]:
    return search(ts, Limits(max_states=n)).store.states


# An array indexed by one symmetric type holds only ids of another: the indexing ids have
# empty signatures, so every state takes the search over tied orders.
NO_SIGNATURE = {"grid.spec", "pointers.spec"}


def every_renaming(canon: Canonicaliser, s: tuple) -> list[list[list[int]]]:
    """All renamings of the ids that may move in s, one perm per symmetric type."""
    per_sort = []
    for x in range(len(canon.sorts)):
        ids = canon._movable(s, x)
        perms = []
        for image in itertools.permutations(ids):
            perm = list(range(canon.sizes[x]))
            for a, b in zip(ids, image):
                perm[a] = b
            perms.append(perm)
        per_sort.append(perms)
    return [list(c) for c in itertools.product(*per_sort)]


@pytest.mark.parametrize("name, variant", [("mutex.spec", "racy"), ("objects.spec", "early"),
                                           ("matrix.spec", None), ("mixed.spec", None),
                                           ("grid.spec", None), ("pointers.spec", None)])
def test_generated_canonical_form_against_the_whole_group(name: str, variant: str | None) -> None:
    """On every reachable state and every renaming g of it (no sampling): renaming is a
    group action, canon(g(s)) == canon(s), canon(s) is one of the g(s), and the orbit
    size equals the number of distinct g(s). This covers both the one-sort fast path
    (signatures all distinct) and the search over tied orders, and that no ties means
    only the identity fixes the state."""
    spec = load(ROOT / "tests" / "symmetric" / name)
    canon = compile_variant(spec, variant).canon
    assert canon is not None
    paths = {"fast": 0, "tied": 0}
    for s in search(compile_variant(spec, variant, RunConfig(symmetry=False))).store.states:
        renamings = every_renaming(canon, s)
        images = [canon.apply(s, g) for g in renamings]
        assert images[0] == s  # the first renaming is the identity
        for g, gs in zip(renamings[1:4], images[1:4]):
            for h in renamings[1:4]:
                after = [[hx[gx[k]] for k in range(len(gx))] for gx, hx in zip(g, h)]
                assert canon.apply(gs, h) == canon.apply(s, after)
        rep = canon(s)
        assert rep in images
        assert all(canon(gs) == rep for gs in images)
        assert canon.orbit_size(s) == len(set(images))
        paths["tied" if canon._ranked(s)[3] else "fast"] += 1
    assert paths["tied"] and (paths["fast"] or name in NO_SIGNATURE)


# ------------------------------------------------------------------- refused declarations

HEAD = ("symmetric tid;\nthreads 3;\nvar owner: tid? = none;\n"
        "var flags: array[tid] of bool = [false];\n")
OBJ = "symmetric type Obj = 0..2;\nvar cur: Obj? = none;\nvar refs: array[Obj] of 0..3 = [0];\n"


def body(step: str, head: str = HEAD) -> str:
    return head + "thread w() {\n  a: { " + step + " }\n}\nstart w(); start w();\n"


# (id, source, line, token the caret points at, message part)
REFUSED = [
    ("tid-compared-with-literal", body("await owner == 1;"), 6, "1", "the literal 1 singles out"),
    ("tid-literal-index", body("flags[0] = true;"), 6, "0", "the literal 0 singles out one tid"),
    ("tid-ordering", body("let o = self; await o < self;"), 6, "< self", "'<' orders ids"),
    ("tid-literal-in-builtin", body("await alive(2);"), 6, "2", "the literal 2 singles out"),
    ("tid-literal-assigned", body("owner = 0;"), 6, "0", "the literal 0 singles out"),
    ("tid-set-literal", body("await {self} != {0};"), 6, "0}", "the literal 0 singles out"),
    ("tid-listed-array", body("flags = [true, false, false];"), 6, "[",
     "an array listed element by element singles out one tid"),
    ("tid-const", "const BOSS = 0;\n" + body("await owner == BOSS;"), 7, "BOSS",
     "the literal 0 singles out one tid"),
    ("tid-in-local-init", HEAD + "thread w() {\n  var k: tid = 1;\n  a: { skip; }\n}\n"
     "start w();\n", 6, "1", "the literal 1 singles out"),
    ("tid-spawn-arg", HEAD + "thread w() {\n  a: { spawn v(0); }\n}\nthread v(t: tid) "
     "{ b: { skip; } }\nstart w();\n", 6, "0", "the literal 0 singles out"),
    ("tid-in-invariant", HEAD + "thread w() {\n  a: { skip; }\n}\nstart w();\n"
     "invariant I: owner != 0;\n", 9, "0", "the literal 0 singles out"),
    ("tid-thread-local", "symmetric tid;\nthread_local mine: tid? = none;\n"
     "thread w() {\n  a: { skip; }\n}\nstart w();\n", 2, "mine",
     "a thread-local of type tid? is refused under symmetry"),
    ("obj-literal", body("await cur == 1;", OBJ), 5, "1", "the literal 1 singles out one Obj"),
    ("obj-index", body("refs[2] = 1;", OBJ), 5, "2", "the literal 2 singles out one Obj"),
    ("obj-ordering", body("choose o in Obj where cur != none && o < cur { skip; }", OBJ), 5,
     "< cur", "'<' orders ids: it singles out one Obj"),
    ("obj-listed-array", body("refs = [1, 0, 0];", OBJ), 5, "[",
     "an array listed element by element singles out one Obj"),
    ("obj-thread-local", OBJ + "thread_local at: Obj = 0;\nthread w() {\n  a: { skip; }\n}\n"
     "start w();\n", 4, "at", "a thread-local of type Obj is refused"),
    ("obj-arithmetic", body("choose o in Obj { refs[o] = o + 1; }", OBJ), 5, "+ 1",
     "'+' needs ints, got Obj"),
    ("obj-as-int", body("choose o in Obj { refs[o] = o; }", OBJ), 5, "o;",
     "expected 0..3, got Obj"),
    ("not-a-type", "symmetric worker;\nthread worker() {\n  a: { skip; }\n}\nstart worker();\n",
     1, "worker", "'symmetric worker;' names no symmetric type"),
    ("not-from-zero", "symmetric type Obj = 1..3;\n" + body("skip;", "symmetric tid;\n"), 1,
     "Obj", "a symmetric type is a range of ids 0..N, not 1..3"),
    ("twice", "symmetric tid;\n" + body("skip;"), 2, "tid", "'symmetric tid;' is declared twice"),
]


@pytest.mark.parametrize("src, line, token, message", [r[1:] for r in REFUSED],
                         ids=[r[0] for r in REFUSED])
def test_refused_with_location(src: str, line: int, token: str, message: str) -> None:
    err = spec_error(src)
    assert message in err.message
    text = src.splitlines()[line - 1]
    assert (err.pos.line, err.pos.col) == (line, text.index(token) + 1)


def test_refusal_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """file:line:col, the line and a caret, exit code 2 — as every spec error."""
    path = write(tmp_path, body("await owner == 1;"))
    assert main([path, "-q"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{path}:6:") and "singles out one tid" in err[0]
    assert err[2].strip() == "^" and err[1].index("1") == err[2].index("^")


def test_initial_values_and_start_lines_may_name_ids() -> None:
    """Where the search starts is not a transition: naming ids there is sound and accepted."""
    src = ("symmetric tid;\nthreads 3;\nvar owner: tid? = 1;\nvar boss: tid = 0;\n"
           "var flags: array[tid] of bool = [true, false, false];\n"
           "thread w(peer: tid) {\n  a: { if owner == self { owner = peer; } }\n}\n"
           "start w(1); start w(2); start w(0);\n")
    reduced, full = both(src)
    assert verdict_table(reduced) == verdict_table(full)
    assert reduced.result == "holds"


def test_equality_between_ids_is_allowed() -> None:
    """Comparing two ids of the type, membership and indexing by a variable stay symmetric."""
    src = body("if owner == none { owner = self; } else if owner == self { owner = none; }"
               " flags[self] = !(self in filter(t in tid : flags[t]));")
    reduced, full = both(src)
    assert verdict_table(reduced) == verdict_table(full)


# ----------------------------------------------------------------------- command line

def test_cli_reports_the_saving_and_no_symmetry(tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    path = write(tmp_path, counters(3, 2))
    out = tmp_path / "v.json"
    assert main([path, "-q", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "10 distinct states" in text
    assert "symmetry: 10 states (27 without, from orbit sizes)" in text
    assert json.loads(out.read_text())["symmetry"] == {"states": 10, "without": 27,
                                                       "exact": True}
    assert main([path, "-q", "--no-symmetry", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "27 distinct states" in text and "symmetry:" not in text
    assert json.loads(out.read_text())["symmetry"] is None


def test_cli_signals_example_same_verdict_both_ways(capsys: pytest.CaptureFixture) -> None:
    """The fork/signal/destructor example: same verdict table, fewer states, bound marked."""
    path = str(ROOT / "tests" / "symmetric" / "signals.spec")
    assert main([path, "-q", "--no-trace"]) == 0
    reduced = capsys.readouterr().out
    assert main([path, "-q", "--no-trace", "--no-symmetry"]) == 0
    full = capsys.readouterr().out
    assert reduced.splitlines()[4:] == full.splitlines()[3:]
    assert "at most" in reduced.splitlines()[3]


def test_quantifier_errors_do_not_depend_on_id_order() -> None:
    """`exists` over ids stops at its first witness; were it lazy, the canonical order (the
    thread with the witness first) would hide the error a later id raises in the real order
    (root first). Over a symmetric type every element is evaluated, so both searches see it."""
    src = """
symmetric tid;
threads 3;
var refs: array[tid] of 0..3 = [1];
var mark: array[tid] of bool = [true];
thread w() {
    a: { mark[self] = false; }
    b: { await exists t in tid : alive(t) && (!mark[t] || refs[parent(t)] > 0); }
}
thread root() { r: { spawn w(); } s: { await false; } }
start root();
option deadlock = false;
"""
    reduced, full = both(src)
    assert verdict_table(reduced) == verdict_table(full) == {
        "bounds": ("unknown", None), "runtime": ("violated", 3)}


def test_a_failing_step_cuts_off_every_branch() -> None:
    """`choose t in tid` fails for the root (no parent) and works for its child. Which branch
    comes first depends on the order of ids; under a symmetric declaration a step that fails
    in one branch yields no successor at all, so both searches agree, and every trace replays
    on the real system (this one used to stop with "cannot be replayed")."""
    src = """
symmetric tid;
threads 3;
var refs: array[tid] of 0..3 = [1];
var picked: bool = false;
thread w() { a: { skip; } }
thread root() {
    r: { spawn w(); }
    s: { choose t in tid where alive(t) { picked = refs[parent(t)] > 0; } }
    u: { await false; }
}
start root();
invariant NOT-PICKED: !picked;
option deadlock = false;
"""
    reduced, full = both(src)
    assert verdict_table(reduced) == verdict_table(full) == {
        "NOT-PICKED": ("unknown", None), "bounds": ("unknown", None),
        "runtime": ("violated", 2)}
