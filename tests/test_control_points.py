"""Another thread's control point and locals as expressions: `t at w.cs`, `t at w`, `t.x`.

Counts are derived by hand in each docstring; verdicts come from the engines. That the
Python and native engines and the fixed-pool z3 encoding agree state by state on these
constructs is `test_symbolic.py`'s and `test_native.py`'s construct "another thread's step
and locals"; the unbounded encoding is checked here through `mcheck prove`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.check.checker import check
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.parser import parse
from modelcheck.lang.source import load_text
from modelcheck.report.render import render
from tests.conftest import prop, spec_error, write


def run(src: str, engine: str = "python") -> Verdict:
    return run_variant(load_text(src), None, RunConfig(engine=engine))[1]


# Each thread sets k at a, then at b waits until no other thread is still at a.
# Per thread: at a (k = 0), at b (k = 1), finished. Of the 9 pairs, a thread finishes
# only once the other has left a, so (done, a) and (a, done) are unreachable: 7 states.
# Transitions: (a,a) 2, (b,a) 1, (a,b) 1, (b,b) 2, (done,b) 1, (b,done) 1: 8.
WAIT = """
thread w() {
    var k: 0..1 = 0;
    a: { k = 1; }
    b: { await forall u in tid : u == self || !(u at w.a); }
}
start w(); start w();
invariant K: forall t in tid : t at w.b -> t.k == 1;
invariant AT-W: forall t in tid : alive(t) == t at w;
"""


@pytest.mark.parametrize("engine", ["python", "native"])
def test_a_guard_on_another_thread_s_step(engine: str) -> None:
    v = run(WAIT, engine=engine)
    assert (v.stats.distinct_states, v.stats.transitions) == (7, 8)
    assert v.result == "holds"


def test_a_local_of_a_finished_thread_cannot_be_evaluated() -> None:
    """A thread finishes at the earliest after three steps (both leave a, then one runs b);
    then `t.k` cannot be read for it: a `runtime` violation there, located at `t.k`, with
    the reason, on both engines; K itself is checked no further, so it is unknown."""
    src = WAIT.replace("t at w.b -> t.k == 1", "t.k <= 1")
    for engine in ("python", "native"):
        v = run(src, engine=engine)
        runtime = prop(v, "runtime")
        assert (runtime.status, runtime.trace_length) == ("violated", 3)
        assert prop(v, "K").status == "unknown"
        ce = next(c for c in v.counterexamples if c.prop == "runtime")
        assert ce.message == ("invariant K cannot be evaluated: thread 0 has no 'k': it "
                              "is not at a step of w")
        assert (ce.pos.line, ce.pos.col) == (8, 32)


# A reader copies k of a writer that stands at b; writer w2 has a k of another type, so
# the reader names the template. READ holds: a writer at b has k == 1.
READER = """
var seen: 0..1 = 0;
thread w() { var k: 0..1 = 0; a: { k = 1; } b: { skip; } }
thread w2() { var k: bool = false; c: { k = true; } }
thread r() {
    look: { choose t in tid where t at w.b { assert t.w.k == 1 as READ; seen = t.w.k; } }
}
start w(); start r(); start w2();
option deadlock = false;
"""


def test_a_template_qualified_local_in_a_step() -> None:
    """w: a, b, done (3); w2: c, done (2); r: at look, done (2), and seen, which becomes 1
    only when r runs while w is at b (then r is done). r runs from w at a: 2 w2 states x
    (w at a, b, done) x r at look, seen 0: 6; r done after reading w at b: seen 1, w at b or
    done, w2 either: 4; r done from w at a or done... r's choose has no t then, so look
    waits (deadlock switched off). 6 + 4 = 10."""
    v = run(READER)
    assert v.stats.distinct_states == 10
    assert prop(v, "READ").status == "holds"


PROVE = """
thread w() { var k: 0..1 = 0; a: { k = 1; } b: { assert self.k == 1 as READ; } }
start w();
lemma K: forall t in tid : t at w.b -> t.k == 1;
invariant WRONG: forall t in tid : t at w.a -> t.k == 1;
"""


@pytest.mark.parametrize("mode", [[], ["--unbounded"]], ids=["pool", "unbounded"])
def test_proofs_read_pcs_and_locals(tmp_path: Path, mode: list[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Both z3 encodings: K is 1-inductive (a sets k as it moves to b; nothing else writes
    it), WRONG is false in the initial state, and READ (`self.k` in a step) is proved."""
    monkeypatch.chdir(tmp_path)

    out = tmp_path / "p.json"
    assert main(["prove", write(tmp_path, PROVE), "--json", str(out), *mode]) == 1
    proved = {r["name"]: (r["outcome"], r["k"]) for r in json.loads(out.read_text())["results"]}
    assert proved["K"] == proved["READ"] == ("proved", 1)
    assert proved["WRONG"][0] == "refuted"


@pytest.mark.parametrize("text", [
    "t at w.a", "t at w", "!(t at w.b)", "(t at w.a) == false", "t.w.k + 1 <= 2",
    "alive(t) && t at w -> t.w.k >= 0",
])
def test_printed_expressions_parse_back_to_the_same(text: str) -> None:
    """The renderer's text of each expression checks to a node that renders the same."""
    def rendered(expr: str) -> str:
        model = check(parse(WAIT + f"invariant P: forall t in tid : {expr};\n"))
        return render(model.invariants[-1].expr)

    once = rendered(text)
    assert rendered(once.split(" : ", 1)[1]) == once


@pytest.mark.parametrize("src, line, message", [
    (WAIT + "invariant X: 0 at v.a;\n", 10, "no thread template or handler is called 'v'"),
    (WAIT + "invariant X: 0 at w.c;\n", 10, "w has no step 'c'"),
    (WAIT + "invariant X: true.k;\n", 10, "only records have fields"),
    (WAIT + "invariant X: 2.k == 0;\n", 10, "thread id 2 is outside the pool"),
    (WAIT + "def f(t: tid): bool = t.q == 0;\n", 10, "w has no parameter or local 'q'"),
    (READER + "invariant X: forall t in tid : t.k == 1;\n", 10,
     "'k' is a local of w, w2; say whose: t.w.k"),
    (READER + "invariant X: forall t in tid : t.r.k == 1;\n", 10, "r has no parameter or "
     "local 'k'"),
    (WAIT + "const C = 0 at w.a;\n", 10, "'at' reads the state"),
])
def test_mistakes_are_located_errors(src: str, line: int, message: str) -> None:
    err = spec_error(src)
    assert message in str(err) and err.pos is not None and err.pos.line == line


def test_a_thread_local_read_as_a_local_gets_a_hint() -> None:
    err = spec_error("thread_local tl: bool = false;\n" + WAIT +
                     "invariant X: forall t in tid : t.tl;\n")
    assert err.hint is not None and "tl@t reads a thread-local" in err.hint


def test_the_name_at_is_still_free_for_users() -> None:
    """`at` is a keyword only after an expression, so a variable may still be called `at`."""
    ts = compile_variant(load_text("var at: bool = false;\nthread w() { s: { at = !at; } }\n"
                                   "start w();\ninvariant X: at || !at || 0 at w.s;\n"), None)
    assert ts.model.vars[0].name == "at"
