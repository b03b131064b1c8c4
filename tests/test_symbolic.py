"""The two engines checked against each other, state by state.

For every state the explicit search reaches, the symbolic encoding must admit
exactly the successors, failures and invariant values the compiled step
functions produce. On every state this is checked with the encoding evaluated
at the concrete state; on a sample, with z3 solving the symbolic transition
formula (each explicit successor satisfies it, and with those blocked it is
unsatisfiable). Then random small specs from hypothesis, targeted constructs,
and the certification of counterexamples.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import z3
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.backends.python.system import TransitionSystem
from modelcheck.backends.runtime import BOUND, EvalError
from modelcheck.engine.outcome import Limits
from modelcheck.engine.search import search
from modelcheck.ir.model import PC_EXITING
from modelcheck.lang.errors import SpecError
from modelcheck.lang.source import load, load_text
from modelcheck.symbolic.certify import CertificationError, Certifier
from modelcheck.symbolic.encoder import Unsupported
from modelcheck.symbolic.encoding import Encoding, encode
from tests.conftest import ROOT

SPECS = sorted((ROOT / "specs").glob("*.spec"))


def explicit(ts: TransitionSystem, s: tuple, me: int) -> tuple[set[tuple], set[str], bool, bool]:
    """Successors, failed properties, pool exhausted, evaluation error: the compiled step."""
    succ: set[tuple] = set()
    fails: set[str] = set()
    bound = raised = False
    try:
        for r in ts.step(s, me):
            if type(r) is tuple:
                succ.add(r)
            elif r is BOUND:
                bound = True
            else:
                fails.add(r.prop)
    except EvalError:
        raised = True
        fails.add("runtime")
    return succ, fails, bound, raised


def invariant_values(ts: TransitionSystem, s: tuple) -> dict[str, bool]:
    out = {}
    for name, fn in ts.invariants:
        try:
            out[name] = bool(fn(s))
        except EvalError:
            out[name] = False  # the search reports it as a violation of the invariant
    return out


def check_init(ts: TransitionSystem, enc: Encoding) -> None:
    inits = {r for r in ts.init() if type(r) is tuple}
    s = enc.state("i")
    solver = z3.Solver()
    solver.add(enc.init(s), *[z3.Not(enc.equals(s, x)) for x in inits])
    assert solver.check() == z3.unsat, f"z3 has another initial state: " \
                                       f"{enc.concrete(solver.model(), s)}"
    for x in inits:
        solver = z3.Solver()
        solver.add(enc.init(s), enc.equals(s, x))
        assert solver.check() == z3.sat, f"initial state {x} is not initial for z3"


def check_state(ts: TransitionSystem, enc: Encoding, s: tuple) -> None:
    """The encoding evaluated at s agrees with the compiled steps and invariants."""
    for name, ok in invariant_values(ts, s).items():
        assert z3.is_true(z3.simplify(enc.invariant(name, enc.fixed(s)))) == ok, (name, s)
    enabled = pool = False
    for me, off in enumerate(ts.pc_offsets):
        if s[off] < PC_EXITING:
            continue
        succ, fails, bound, raised = explicit(ts, s, me)
        got = enc.evaluate(s, me)
        if raised:  # the explicit engine stops at the first error: a subset, and the error
            assert succ <= got.successors and "runtime" in got.failures, (me, s)
        else:
            assert got.successors == succ, (me, s, got.successors ^ succ)
            assert got.failures == fails, (me, s)
            assert got.bound == bound, (me, s)
        enabled = enabled or bool(succ or fails)
        pool = pool or bound
    if not pool:
        dead = z3.is_true(z3.simplify(enc.deadlocked(enc.fixed(s))))
        unfinished = any(s[o] >= PC_EXITING for o in ts.pc_offsets)
        assert dead == (unfinished and not enabled), s


def check_symbolic(ts: TransitionSystem, enc: Encoding, s: tuple, pre: object,
                   post: object, solver: z3.Solver) -> None:
    """z3 on the symbolic formulas: typed, each successor admitted, no other one."""
    solver.push()
    solver.add(enc.equals(pre, s))  # type: ignore[arg-type]
    assert solver.check() == z3.sat
    solver.push()
    solver.add(z3.Not(enc.typed(pre)))  # type: ignore[arg-type]
    assert solver.check() == z3.unsat, f"reachable state {s} is not typed"
    solver.pop()
    for me, off in enumerate(ts.pc_offsets):
        if s[off] < PC_EXITING:
            continue
        succ, _, _, raised = explicit(ts, s, me)
        moves = enc.moves(pre, post, me, s[off])  # type: ignore[arg-type]
        for x in succ:
            solver.push()
            solver.add(moves, enc.equals(post, x))  # type: ignore[arg-type]
            assert solver.check() == z3.sat, (me, s, x)
            solver.pop()
        if not raised:
            solver.push()
            solver.add(moves, *[z3.Not(enc.equals(post, x)) for x in succ])  # type: ignore
            assert solver.check() == z3.unsat, (me, s, enc.concrete(solver.model(), post))
            solver.pop()
    solver.pop()


def cross_check(ts: TransitionSystem, limit: int, sample: int) -> int:
    enc = encode(ts.model)
    check_init(ts, enc)
    states = search(ts, Limits(max_states=limit)).store.states
    for s in states:
        check_state(ts, enc, s)
    pre, post, solver = enc.state("s"), enc.state("t"), z3.Solver()
    step = max(1, len(states) // sample)
    for s in states[::step]:
        check_symbolic(ts, enc, s, pre, post, solver)
    return len(states)


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_engines_agree_on_every_shipped_variant(path: Path) -> None:
    spec = load(path)
    for variant in spec.variants or [None]:
        ts = compile_variant(spec, variant)
        n = cross_check(ts, limit=300, sample=5)
        assert n > 1


# ------------------------------------------------------------------ random specs

GLOBAL_INTS = ["x", "a[0]", "a[1]", "size(s)", "0", "1", "2", "3"]
BOOL_ATOMS = ["b", "!b", "alive(1)", "o == none", "true"]


def int_expr(depth: int, local: bool = True) -> st.SearchStrategy[str]:
    """Int expressions; `local`: inside a thread, where its local `k` is visible."""
    atoms = st.sampled_from(GLOBAL_INTS + (["k"] if local else []))
    if depth == 0:
        return atoms
    sub = int_expr(depth - 1, local)
    return st.one_of(
        atoms,
        st.builds(lambda a, b: f"({a} + {b})", sub, sub),
        st.builds(lambda a, b: f"({a} - {b})", sub, sub),
        st.builds(lambda a: f"({a} / 2)", sub),
        st.builds(lambda a: f"a[{a}]", sub),
        st.builds(lambda c, a, b: f"(if {c} then {a} else {b})", bool_expr(depth - 1, None, local),
                  sub, sub),
        st.builds(lambda c: f"count(t in 0..3 : {c})", bool_expr(depth - 1, "t", local)),
        st.just("o"),  # an unwrap: `none` here is a bounds violation
    )


def bool_expr(depth: int, bound: str | None = None,
              local: bool = True) -> st.SearchStrategy[str]:
    atoms = st.sampled_from(BOOL_ATOMS + ([f"{bound} in s", f"{bound} < x"] if bound else []))
    if depth == 0:
        return atoms
    sub, ints = bool_expr(depth - 1, bound, local), int_expr(depth - 1, local)
    return st.one_of(
        atoms,
        st.builds(lambda a, b: f"({a} < {b})", ints, ints),
        st.builds(lambda a, b: f"({a} == {b})", ints, ints),
        st.builds(lambda a: f"({a} in s)", ints),
        st.builds(lambda a, b: f"({a} && {b})", sub, sub),
        st.builds(lambda a, b: f"({a} || {b})", sub, sub),
        st.builds(lambda c: f"(exists u in s : {c})", bool_expr(depth - 1, "u", local)),
    )


def set_expr() -> st.SearchStrategy[str]:
    return st.one_of(
        st.just("s"), st.just("{}"),
        st.builds(lambda a: f"(s | {{{a}}})", int_expr(1)),
        st.builds(lambda a: f"(s - {{{a}}})", int_expr(0)),
        st.builds(lambda c: f"filter(t in 0..3 : {c})", bool_expr(1, "t")),
    )


def stmt(depth: int) -> st.SearchStrategy[str]:
    simple = st.one_of(
        st.builds(lambda e: f"x = {e};", int_expr(2)),
        st.builds(lambda e: f"k = {e};", int_expr(1)),
        st.builds(lambda e: f"b = {e};", bool_expr(1)),
        st.builds(lambda e: f"s = {e};", set_expr()),
        st.builds(lambda i, e: f"a[{i}] = {e};", int_expr(1), int_expr(1)),
        st.builds(lambda e: f"o = {e};", st.sampled_from(["none", "x", "k"])),
        st.builds(lambda e: f"await {e};", bool_expr(1)),
        st.builds(lambda e: f"assert {e} as P;", bool_expr(1)),
        st.builds(lambda e: f"let v = {e}; x = v;", int_expr(1)),
        st.just("spawn w();"),
    )
    if depth == 0:
        return simple
    block = st.lists(stmt(depth - 1), min_size=1, max_size=2).map(" ".join)
    return st.one_of(
        simple,
        st.builds(lambda c, a, b: f"if {c} {{ {a} }} else {{ {b} }}", bool_expr(1), block, block),
        st.builds(lambda a, b: f"either {{ {a} }} or {{ {b} }}", block, block),
        st.builds(lambda c, a: f"choose t in 0..2 where {c} {{ x = t; {a} }}",
                  bool_expr(1, "t"), block),
    )


def steps(names: str) -> st.SearchStrategy[str]:
    body = st.lists(stmt(1), min_size=1, max_size=3).map(" ".join)
    return st.lists(body, min_size=1, max_size=3).map(
        lambda bodies: " ".join(f"{names}{i}: {{ {b} }}" for i, b in enumerate(bodies)))


@st.composite
def random_spec(draw: st.DrawFn) -> str:
    main_steps = draw(steps("m"))
    worker_steps = draw(steps("w"))
    inv = draw(bool_expr(1, local=False))
    return f"""
threads 3;
var x: 0..3 = 0;
var b: bool in {{false, true}};
var s: set of 0..3 = {{}};
var a: array[0..3] of 0..3 = [0];
var o: 0..3? = none;
thread main() {{ var k: 0..3 = 1; {main_steps} }}
thread w() {{ var k: 0..3 = 2; {worker_steps} }}
start main();
invariant I: {inv};
"""


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(random_spec())
def test_engines_agree_on_random_specs(src: str) -> None:
    try:
        ts = compile_variant(load_text(src), None)
    except SpecError as e:  # constants folded out of range: the checker's job, not ours
        assert "is outside" in str(e), str(e)
        reject()
    cross_check(ts, limit=120, sample=2)


# ------------------------------------------------------------------ constructs

CONSTRUCTS = {
    "an optional bool used as a bool": """
var b: bool? = none;
var seen: 0..2 = 0;
thread t() {
    a: { either { b = true; } or { b = false; } }
    c: { if b { seen = 1; } else { seen = 2; } await b || seen == 2; }
}
start t();
invariant SEEN: b == none || seen == 0 || (b && seen == 1) || (!b && seen == 2);
""",
    "records, arrays over enums and tids, optionals": """
enum Ph { idle, busy }
var r: record { ph: Ph, who: tid? } = {ph: idle, who: none};
var m: map[Ph] of set of tid = [{}];
var n: array[tid] of 0..2 = [0];
thread t() {
    a: { await r.who == none; r = {ph: busy, who: self}; m[busy] = m[busy] | {self}; }
    b: { n[self] = n[self] + 1; if n[self] < 2 { goto a; } }
    c: { r.who = none; m[r.ph] = m[r.ph] - {self}; }
}
start t(); start t();
invariant ONE: count(u in tid : u in m[busy]) <= 1;
""",
    "division, modulo and negative ranges": """
var x: -3..3 = -3;
var q: -3..3 = 0;
thread t() {
    s: { either { q = x / 2; } or { q = x % 2; } or { q = 3 / (x + 3); } }
    u: { x = x + 1; if x < 3 { goto s; } }
}
start t();
""",
    "destructors, free and freed": """
var c: 0..3 = 0;
var child: tid? = none;
destructor d1 { c = c + 1; }
destructor d2 { c = c + 2; }
thread kid() { a: { on_exit d1; on_exit d2; } b: { free self; } }
thread root() {
    s: { child = spawn kid(); }
    w: { await done(child); free child; }
    x: { assert freed(child) as GONE; }
}
start root();
threads 2;
""",
    "signal handlers with masks and nesting": """
var hits: 0..3 = 0;
var pend: bool = true;
option signal_depth = 2;
handler h1 { a: { await pend; pend = false; hits = hits + 1; } b: { skip; } }
handler h2 { a: { hits = hits + 1; mask h2; } }
thread t() {
    i: { install h1; install h2; }
    m: { mask h1; unmask h1; }
    e: { uninstall h2; }
}
start t();
option deadlock = false;
""",
    "fork, thread-locals and ancestry": """
thread_local mine: 0..3 = 0;
var kids: set of tid = {};
thread p() {
    var c: tid? = none;
    f: { mine = 2; c = fork; }
    g: { if c == none { kids = kids | {self}; } else { mine = 1; } }
    h: { assert forall t in kids : ancestor(0, t) && parent(t) != none as TREE; }
}
start p();
threads 3;
""",
    "the pool running out and free_threads": """
var made: 0..3 = 0;
thread w() { a: { skip; } }
thread m() {
    s: { spawn w(); made = made + 1; goto s2; }
    s2: { if free_threads() > 0 { spawn w(); } else { spawn w(); } }
}
start m();
threads 2;
""",
    "defs with ranges, quantifiers over sets, filter": """
var s: set of 0..3 = {1, 2};
var x: 0..3 = 0;
def big(): 0..2 = size(s) + x;
def odd(v: 0..3): bool = v % 2 == 1;
thread t() {
    a: { x = big(); }
    b: { s = filter(v in 0..3 : !odd(v) || v in s); choose v in s where v > 0 { x = v; } }
    c: { if s != {} { x = size({}); s = s - s; } }
}
start t();
invariant SMALL: forall v in s : v <= 3;
""",
    "for loops": """
var s: set of 0..3 = {0, 2};
var a: array[0..3] of 0..2 = [0];
var n: 0..8 = 0;
thread w() {
    x: { for v in s { a[v] = a[v] + 1; s = s | {3 - v}; } }
    y: { for i in 0..3 { if a[i] > 0 { n = n + 1; } } for t in subset s { n = n - 0; } }
    z: { either { goto x; } or { skip; } }
}
start w();
""",
    "subsets as domains": """
var t: set of 0..2 = {0, 2};
var got: set of 0..2 = {};
var n: 0..8 = 0;
thread w() {
    a: { choose s in subset t where s != got { got = s; n = count(u in subset got : true); } }
    b: { t = t | {1}; goto a; }
}
start w();
option deadlock = false;
invariant I: forall s in subset t : s & t == s;
""",
    "thread ids as numbers": """
threads 3;
var token: tid = 0;
var hops: 0..3 = 0;
thread node() {
    pass: {
        await token == self; token = tid(int(self) + 1 + hops mod 2); hops = hops + 1;
        goto pass;
    }
}
start node(); start node(); start node();
option deadlock = false;
invariant I: int(token) < 3;
""",
    "sum and pick, and pick finding nothing": """
var w: array[0..2] of 0..1 = [0];
var s: set of 0..2 = {};
var lo: 0..2? = none;
var total: 0..3 = 0;
thread t() {
    a: { choose i in 0..2 { w[i] = 1 - w[i]; s = s | {i}; } }
    b: { total = sum(i in s : w[i]); lo = pick(i in s : w[i] == 0); goto a; }
}
start t();
option deadlock = false;
invariant T: total <= sum(i in 0..2 : 1);
""",
    "mod, min, max and set domains": """
const N = 3;
var x: -4..4 = -4;
var q: 0..2 = 0;
var d: -1..2 = 2;
var s: set of 0..5 = {1, 4};
var m: 0..2 * N - 1 = 0;
thread w() {
    a: { either { q = x mod N; } or { q = x mod d; } or { d = d - 1; } }
    b: { choose v in s & {0, 1, 4} | {5} { m = max(min(v, x + 4), 0); } }
    c: { x = x + 1; s = s - {1}; if x < 4 { goto a; } }
}
start w();
invariant I: forall v in s | {m} : v mod 2 < 2;
""",
    # a: 6 pairs a[0] <= a[1]; (r, m): f false, m[busy] false: 3 * 2, f true, g none: 4.
    "initial choices and init conditions": """
enum Ph { idle, busy }
var a: array[0..1] of 0..2 in any;
var r: record { f: bool, g: 0..1? } in any;
var m: map[Ph] of bool in any;
var c: 0..3 in {1, 3};
init a[0] <= a[1] && (r.g == none || !r.f);
init m[busy] -> r.f;
thread t() { s: { a[0] = a[1]; r.f = !r.f; } }
start t(); start t();
""",
    # `t at w`, `t at w.b`, at a handler's step, `t.w.k` (k is also v's) and `t.id`; reading
    # the locals of a finished thread or of one inside the handler cannot be evaluated.
    "another thread's step and locals": """
var seen: 0..3 = 0;
var hits: 0..1 = 0;
handler h { a: { hits = 1; } b: { skip; } }
thread w(id: 0..1) {
    var k: 0..2 = id;
    i: { install h; }
    a: { k = k + 1; }
    b: { if k < 2 { goto a; } }
}
thread v() {
    var k: bool = false;
    look: { choose t in tid where t != self && t at w { seen = t.w.k + t.id; } }
    peek: {
        either { await 0 at w.b || 1 at h.b; k = true; }
        or { choose t in tid where t != self { seen = t.w.k; } }
        goto look;
    }
}
start w(0); start w(1); start v();
invariant I: forall t in tid : t at w.b -> t.w.k >= 1;
option deadlock = false;
""",
    "TSO store buffers: forwarding, flushes, a fence, a locked step, a thread's end": """
option memory = tso;
atomic var x: 0..2 = 0;
atomic var y: 0..1 = 0;
var r: 0..2 = 0;
thread p() {
    a: { x = 1; r = x; }
    b: { store(y, 1, relaxed); fence; }
    c: { if x < 2 { x = x + 1; } }
}
thread q() { a: { r = load(x, acquire); y = 0; } }
start p();
start q();
invariant R: r <= 2;
""",
    "release/acquire: chosen messages, stores placed before unseen ones, views, fences": """
option memory = release_acquire;
option memory_bound = 3;
atomic var x: 0..1 = 0;
atomic var y: 0..1 = 0;
var r: 0..1 = 0;
thread p() { a: { store(x, 1, relaxed); } b: { store(y, 1, release); fence; } }
thread q() { a: { await load(y, acquire) == 1; } b: { r = load(x, seq_cst); } }
thread w() { a: { store(x, 0, relaxed); let c = spawn late(); } }
thread late() { a: { r = load(x, relaxed); } }
start p();
start q();
start w();
threads 4;
invariant MP: done(1) -> r == 1;
""",
}


@pytest.mark.parametrize("name", list(CONSTRUCTS))
def test_engines_agree_on_construct(name: str) -> None:
    ts = compile_variant(load_text(CONSTRUCTS[name]), None)
    assert cross_check(ts, limit=2000, sample=10) > 1


def test_encoding_a_spec_takes_well_under_a_second() -> None:
    """Building the whole transition formula for the largest spec: a correctness smoke test
    that every step of every thread encodes symbolically (timing lives in benchmarks/)."""
    ts = compile_variant(load(ROOT / "specs" / "stop_world.spec"), "master")
    enc = encode(ts.model)
    s, t = enc.state("s"), enc.state("t")
    disjuncts = enc.steps(s, t)
    assert {d.what for d in disjuncts} == {"step", "signal"}
    assert len({d.thread for d in disjuncts}) == ts.model.pool
    solver = z3.Solver()
    solver.add(enc.typed(s), enc.init(s), enc.trans(s, t))
    assert solver.check() == z3.sat


def test_unknown_statement_is_refused_not_encoded() -> None:
    from dataclasses import dataclass

    from modelcheck.ir import model as M
    from modelcheck.lang.errors import NOWHERE

    @dataclass(frozen=True, eq=False)
    class Teleport(M.Stmt):
        pass

    ts = compile_variant(load_text("var x: 0..1 = 0; thread t() { a: { x = 1; } } start t();"))
    step = ts.model.steps_by_pc[min(ts.model.steps_by_pc)][1]
    step.body = (Teleport(NOWHERE),)
    with pytest.raises(Unsupported, match="Teleport"):
        encode(ts.model).evaluate(next(iter(ts.init())), 0)


# ------------------------------------------------------------------ certification

def test_every_shipped_counterexample_is_certified() -> None:
    for path in SPECS:
        spec = load(path)
        for variant in spec.variants or [None]:
            if path.stem == "stop_world" and variant in ("pre_d07", "master", "master_fix"):
                continue  # the large searches; their traces are certified by the CLI runs
            _, v = run_variant(spec, variant)
            assert all(ce.certified for ce in v.counterexamples), (path.stem, variant)


OSV_BUG = ROOT / "specs" / "osv_visibility.spec"


def test_a_forged_step_fails_certification() -> None:
    ts, v = run_variant(load(OSV_BUG), "fe37650", RunConfig(certify=False))
    ce = max(v.counterexamples, key=lambda c: c.length)
    forged = ce.steps[2].state
    ce.steps[2].state = ce.steps[3].state  # skip a step: no single transition does that
    with pytest.raises(CertificationError) as info:
        Certifier(ts.model).certify(ce)
    assert info.value.step in (2, 3)
    assert not ce.certified
    ce.steps[2].state = forged
    Certifier(ts.model).certify(ce)
    assert ce.certified


def test_a_wrong_final_state_fails_certification() -> None:
    ts, v = run_variant(load(OSV_BUG), "fe37650", RunConfig(certify=False))
    ce = next(c for c in v.counterexamples if c.kind == "invariant")
    ce.steps = ce.steps[:1]  # the initial state alone satisfies every invariant
    with pytest.raises(CertificationError, match="true in the last state"):
        Certifier(ts.model).certify(ce)


def test_cli_exit_code_4_prints_both_views(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(Encoding, "moves", lambda self, s, t, thread, pc: z3.BoolVal(False))
    monkeypatch.setattr(Encoding, "trans", lambda self, s, t: z3.BoolVal(False))
    code = main([str(OSV_BUG), "--variant", "fe37650", "-q"])
    err = capsys.readouterr().err
    assert code == 4
    assert "fails certification at step 1" in err
    assert "what the explicit engine claims:" in err and "Counterexample for" in err
    assert "what z3 says: step 1: no thread can take this step" in err
    assert main([str(OSV_BUG), "--variant", "fe37650", "-q", "--no-certify"]) == 0


def test_text_and_json_say_certified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json
    out = tmp_path / "v.json"
    assert main([str(OSV_BUG), "--variant", "fe37650", "-q", "--json", str(out),
                 "--traces", "all"]) == 0
    text = capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert text.count("certified by z3") == len(doc["counterexamples"]) > 0
    assert all(t["certified"] is True for t in doc["counterexamples"])
    assert main([str(OSV_BUG), "--variant", "fe37650", "-q", "--no-certify", "--json",
                 str(out), "--traces", "all"]) == 0
    assert "certified by z3" not in capsys.readouterr().out
    assert all(t["certified"] is False for t in json.loads(out.read_text())["counterexamples"])


@pytest.mark.parametrize("src, prop", [
    ("var x: 0..3 = 0; thread t(n: 0..3) { var k: 0..1 = n; a: { x = k; } }"
     " start t(1); start t(3);", "bounds"),
    ("var x: 0..3 = 0; thread t() { a: { await x > 0; } } start t();", "deadlock"),
    ("var x: 0..3 = 2; thread t() { a: { x = x + 1; } b: { x = x + 1; } } start t();", "bounds"),
])
def test_initialisation_failures_deadlocks_and_failing_steps_are_certified(src: str,
                                                                          prop: str) -> None:
    ts, v = run_variant(load_text(src), None, RunConfig(certify=False))
    ce = next(c for c in v.counterexamples if c.prop == prop)
    Certifier(ts.model).certify(ce)
    assert ce.certified
