"""Bugs found while modelling the protocol library, each pinned by the smallest spec."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from modelcheck.app.pipeline import run_variant
from modelcheck.lang.source import load_text

ROOT = Path(__file__).resolve().parent.parent


def test_conditional_with_plain_and_optional_branches_is_optional() -> None:
    # `if c then T else T?` once took the type of its first branch (T) and so
    # treated the other branch's none as a bounds violation.
    for expr in ("if o == x then y else s", "if o != x then s else y"):
        src = f"""enum B {{ x, y }} var s: B? = none; var o: B? = y;
thread t() {{ r: {{ o = {expr}; }} }} start t();"""
        v = run_variant(load_text(src, "t.spec"))[1]
        assert v.result == "holds", expr
        assert v.stats.distinct_states == 2


def test_output_cut_short_by_a_closed_pipe_is_not_a_traceback() -> None:
    proc = subprocess.run(
        f"{sys.executable} -m modelcheck specs/osv_visibility.spec | head -1",
        shell=True, cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("specs/osv_visibility.spec")


def test_evaluation_error_trace_names_the_branch_and_shows_its_writes() -> None:
    src = """var a: array[0..1] of bool = [false];
var i: 0..3 = 0;
thread t() { r: { either ok: { i = 1; } or bad: { i = 2; let x = a[i]; } } }
start t();"""
    v = run_variant(load_text(src, "t.spec"))[1]
    ce = next(c for c in v.counterexamples if c.prop == "runtime")
    last = ce.steps[-1]
    assert last.failed and last.choices == ["bad"]
    assert "index 2 is outside 0..1" in ce.message


def test_thread_ids_are_ordered_and_literals_in_conditionals_are_ids() -> None:
    # bdwgc modelling had to walk threads with chains of literal assignments
    src = """threads 3;
def succ(t: tid): tid = if t == 1 then 2 else 0;
var seen: set of tid = {};
thread w() { a: { if self >= 1 { seen = seen | {succ(self)}; } } }
start w(); start w(); start w();
invariant BOTH: !(2 in seen && 0 in seen);"""
    v = run_variant(load_text(src, "t.spec"))[1]
    assert next(p.trace_length for p in v.properties if p.name == "BOTH") == 2
