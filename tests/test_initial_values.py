"""Nondeterministic initial values (`in any`, `in {...}`) and `init` conditions.

Every count is derived by hand in the test's docstring; every initial state is a depth-0
state. That the explicit engine's initial states are exactly the fixed-pool z3 encoding's
is test_symbolic's construct "initial choices and init conditions" (native: test_native).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.source import load_text
from tests.conftest import prop, spec_error, write


def run(src: str, engine: str = "python") -> Verdict:
    return run_variant(load_text(src), None, RunConfig(engine=engine))[1]


# a: the 6 pairs with a[0] <= a[1] over 0..2. r: f false with g none, 0 or 1 (3), or f true
# with g none (1): 4. b: 2. 6 * 4 * 2 = 48 initial states; the one thread's only step
# leads each to its own successor: 96 states, 48 transitions, depth 1.
ANY = """
var a: array[0..1] of 0..2 in any;
var r: record { f: bool, g: 0..1? } in any;
var b: bool in any;
init a[0] <= a[1] && (r.g == none || !r.f);
thread w() { s: { skip; } }
start w();
"""


@pytest.mark.parametrize("engine", ["python", "native"])
def test_every_value_of_arrays_records_and_scalars(engine: str) -> None:
    v = run(ANY, engine)
    assert (v.stats.distinct_states, v.stats.transitions, v.stats.depth) == (96, 48, 1)


# x and y in 0..3 with x + y == 3; each step moves one from x to y.
SHIFT = """
var x: 0..3 in any;
var y: 0..3 in any;
init x + y == 3;
thread w() { s: { await x > 0; x = x - 1; y = y + 1; goto s; } }
start w();
option deadlock = false;
invariant SUM: x + y == 3;
invariant WRONG: x != 3;
"""


def test_initial_states_are_depth_0_and_traces_start_there() -> None:
    """x + y == 3 leaves 4 initial states; moving one from x to y stays among them, so
    depth is 0. WRONG (x != 3) is violated by an initial state: a trace of 0 steps."""
    v = run(SHIFT)
    assert (v.stats.distinct_states, v.stats.transitions, v.stats.depth) == (4, 3, 0)
    assert prop(v, "SUM").status == "holds"
    assert prop(v, "WRONG").trace_length == 0


def test_several_conditions_all_hold_and_may_read_threads() -> None:
    """Two conditions, the second on a thread's local: x in {0, 2}, and thread 0's k is 1,
    so only x == 0 passes `0.k == x + 1`: one initial state and its one successor."""
    src = """
var x: 0..3 in {0, 2};
thread w(k0: 0..3) { var k: 0..3 = k0; s: { skip; } }
start w(1);
init x == 0 || x == 2;
init 0.k == x + 1;
"""
    v = run(src)
    assert (v.stats.distinct_states, v.stats.transitions) == (2, 1)


def test_no_initial_state_means_nothing_to_search() -> None:
    v = run("var x: bool in any;\ninit x && !x;\nthread w() { s: { skip; } }\nstart w();\n")
    assert v.stats.distinct_states == 0 and v.result == "holds"


def test_a_condition_that_cannot_be_evaluated_is_a_spec_error(tmp_path: Path) -> None:
    src = "var o: 0..1? in any;\ninit o > 0;\nthread w() { s: { skip; } }\nstart w();\n"
    assert "an init condition cannot be evaluated" in str(spec_error(src))
    assert main([write(tmp_path, src), "--no-report", "-q"]) == 2


@pytest.mark.parametrize("mode", [[], ["--unbounded"]], ids=["pool", "unbounded"])
def test_proofs_start_from_the_conditions(tmp_path: Path, mode: list[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """SUM holds initially only because of `init`, and is then 1-inductive."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "p.json"
    assert main(["prove", write(tmp_path, SHIFT), "--json", str(out), *mode]) == 1
    got = {r["name"]: r["outcome"] for r in json.loads(out.read_text())["results"]}
    assert got == {"SUM": "proved", "WRONG": "refuted"}


def test_init_is_a_bool_and_any_and_init_stay_names_elsewhere() -> None:
    assert "expected bool" in str(spec_error(
        "var x: 0..3 in any;\ninit x;\nthread w() { s: { skip; } }\nstart w();\n"))
    v = run("var init: 0..1 = 0;\nvar any: bool = false;\n"
            "thread w() { s: { init = 1; any = true; } }\nstart w();\n")
    assert v.stats.distinct_states == 2
