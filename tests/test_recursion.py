"""Bounded recursive definitions (issue 15, item 5): a definition calling itself with a
decreasing range parameter, unrolled by the checker into one copy per depth.

Counts are derived by hand in each spec's docstring; every spec runs on the Python and
native engines, which must agree, and z3 (which sees the unrolled copies) must admit
exactly the explicit successors and find each violation at the explicit search's depth.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.app.prove import encoding
from modelcheck.check.checker import check
from modelcheck.check.recursion import MAX_DEPTH
from modelcheck.ir.recursion import copy_name
from modelcheck.lang.source import load_text
from modelcheck.report.render import render
from modelcheck.symbolic.bmc import VIOLATED, bmc
from tests.conftest import spec_error, violated, write
from tests.test_lang2_forms import counts, engines_agree

# tri(n) = 0 + 1 + ... + n; the thread stores tri(x) and counts x down. From x = k (five
# initial states, s = 0) the states are (k-1, tri(k)) ... (0, tri(1)) at `a`, then (0, 0)
# finished: the initial 5, the 4 states (k-1, tri(k)) for k = 1..4 (each s > 0, so new)
# and the finished one, 10 states; each state at `a` has one successor: 9 transitions.
TRIANGLE = """
variants ok, off_by_one;
const N = 4;
var x: 0..N in any;
var s: 0..20 = 0;
def tri(n: 0..N): 0..20 =
    if n == 0 then 0 else tri(n - 1) + n + (if variant == off_by_one && n == 2 then 1 else 0);
thread w() {
    a: { s = tri(x); if x > 0 { x = x - 1; goto a; } }
}
start w();
invariant TRI: s == 0 || 2 * s == (x + 1) * (x + 2);
"""

# f(1) calls f(2): not below 1, an evaluation error located at the call. The initial
# state (x = 0) evaluates f(0) = true; the step sets x = 1, whose f(1) fails.
NOT_DECREASING = """
var x: 0..3 = 0;
def f(n: 0..3): bool = if n == 0 then true else f(3 - n);
thread w() { a: { x = 1; } }
start w();
invariant T: f(x);
"""


def test_triangle_numbers_on_every_engine() -> None:
    spec = load_text(TRIANGLE, path="t.spec")
    v = engines_agree(TRIANGLE)
    assert counts(v) == (10, 9, "holds")
    broken = run_variant(spec, "off_by_one", RunConfig())[1]
    # tri(2) = 4: from x = 2 the first step stores it beside x = 1
    assert violated(broken) == {"TRI": 1}


def test_one_copy_per_value_of_the_measure() -> None:
    """0..4 gives tri and four deeper copies, plus the unreachable default past them."""
    model = check(load_text(TRIANGLE, path="t.spec").ast)
    assert [d for d in model.defs if d.startswith("tri")] == \
        [copy_name("tri", k) for k in range(6)]


def test_reports_print_the_calls_as_written() -> None:
    """A copy prints as its definition and a recursive call's measure without its check."""
    model = check(load_text(TRIANGLE, path="t.spec").ast)
    assert render(model.defs[copy_name("tri", 2)].body) == \
        "if n == 0 then 0 else tri(n - 1) + n + 0"


def test_a_call_that_does_not_decrease_is_a_located_runtime_error() -> None:
    v = engines_agree(NOT_DECREASING)
    assert violated(v) == {"runtime": 1}
    ce = next(c for c in v.counterexamples if c.prop == "runtime")
    assert "'n' must decrease and stay within 0..3" in ce.message
    assert (ce.pos.line, ce.pos.col) == (3, 53)  # the argument 3 - n of the call


def test_a_measure_outside_its_range_from_outside_is_an_error() -> None:
    src = NOT_DECREASING.replace("f(3 - n)", "f(n - 1)").replace("0..3 = 0", "0..5 = 5")
    assert violated(engines_agree(src, z3=False)) == {"runtime": 0}


def test_bmc_finds_what_the_search_finds() -> None:
    """z3 unrolls the copies: the broken variant's TRI at depth 1, and the evaluation
    error of NOT_DECREASING (which BMC reports as the invariant that could not be
    evaluated, as for any invariant that raises)."""
    for src, variant, expected in ((TRIANGLE, "off_by_one", {"TRI": 1}),
                                   (TRIANGLE, "ok", {}),
                                   (NOT_DECREASING, None, {"T": 1})):
        spec = load_text(src, path="t.spec")
        found, _, why = bmc(encoding(spec, check(spec.ast, variant, {}), {}, False), 3, 60.0)
        assert why is None
        assert {f.prop: f.length for f in found if f.status == VIOLATED} == expected


@pytest.mark.parametrize("variant, outcome", [("ok", "proved"), ("off_by_one", "refuted")])
def test_k_induction_unrolls_to_the_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          variant: str, outcome: str) -> None:
    """`mcheck prove` on TRIANGLE: TRI is proved (with lemmas it infers) or refuted."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "p.json"
    main(["prove", write(tmp_path, TRIANGLE), "--variant", variant, "--json", str(out)])
    results = {r["name"]: r["outcome"] for r in json.loads(out.read_text())["results"]}
    assert results["TRI"] == outcome


@pytest.mark.parametrize("variant, outcome", [("ok", "proved"), ("off_by_one", "refuted")])
def test_prove_unbounded_takes_recursion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         variant: str, outcome: str) -> None:
    """The copies check their measure in branches no run takes; the unbounded encoding
    asks those checks only where the branch is taken, so a step calling `tri` moves and
    the broken variant is refuted by z3 itself (one step), never proved."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "p.json"
    main(["prove", "--unbounded", "--no-infer", write(tmp_path, TRIANGLE), "--variant",
          variant, "--json", str(out), "--no-report"])
    [result] = json.loads(out.read_text())["results"]
    assert result["outcome"] == outcome
    assert outcome == "proved" or result["counterexample"]["length"] == 1


@pytest.mark.parametrize("body, reason", [
    ("def f(n: 0..3): bool = f(n);", "calls itself with 'n' no smaller"),
    ("def f(n: 0..3): bool = n == 0 || f(n + 1);", "calls itself with 'n' no smaller"),
    ("def f(n: bool): bool = f(!n);", "needs a parameter of a range type"),
    ("def f(n: 0..3): bool = g(n);\ndef g(n: 0..3): bool = f(n);",
     "definition 'f' calls 'g' with 'n' no smaller"),
    ("def f(n: 0..3): bool = n == 0 || g(n - 1);\ndef g(n: 0..3): bool = f(n);",
     "definition 'g' calls 'f' with 'n' no smaller"),
    ("def f(n: 0..3): bool = n == 0 || g(n - 1);\ndef g(m: 0..4): bool = f(m - 1);",
     "definitions that call each other share one measure: 'm' of g ranges over 0..4, f's "
     "over 0..3"),
    ("def f(n: 0..3): bool = n == 0 || g(n - 1);\ndef g(m: bool): bool = f(1);",
     "definition 'g' calls itself through f, so it needs a parameter of a range type"),
    (f"def f(n: 0..{MAX_DEPTH}): bool = n == 0 || f(n - 1);", "narrow its range"),
    ("def f(n: 0..3): bool = n == 0 || f(n - 1, n);", "takes 1 argument(s), 2 given"),
    ("def f(n: 0..3): bool = n == 0 || f(n - 1);\ndef f__rec1(): bool = true;",
     "has the name a copy of the recursive definition 'f' takes"),
])
def test_refusals(body: str, reason: str) -> None:
    src = f"var x: 0..3 = 0;\n{body}\ninvariant T: f(x);\nthread w() {{ a: {{ x = 1; }} }}\n" \
          "start w();\n"
    assert reason in str(spec_error(src))


def _pair(n: int) -> tuple[int, int]:
    """up(n) and down(n) as MUTUAL defines them, computed here by Python's recursion."""
    if n == 0:
        return 1, 0
    up, down = _pair(n - 1)
    return down + 1, 2 * up


# up and down call each other with n - 1: one group, one copy of each per depth. The
# thread counts x down from its initial value (six of them) and stores both values: the
# six initial states, then (k - 1, up(k), down(k)) for k = 1..5, each new (up(k) > 0), and
# one successor per state at `a` with x > 0 or x == 0 (which finishes): 6 + 5 + 1 = 12
# states, 11 transitions. In `off`, down(3) is one more, which UP-DOWN sees at x = 2.
MUTUAL = """
variants right, off;
const N = 5;
var x: 0..N in any;
var u: 0..20 = 0;
var d: 0..20 = 0;
def up(n: 0..N): 0..20 = if n == 0 then 1 else down(n - 1) + 1;
def down(m: 0..N): 0..20 =
    if m == 0 then 0 else 2 * up(m - 1) + (if variant == off && m == 3 then 1 else 0);
def even(n: 0..N): bool = if n == 0 then true else odd(n - 1);
def odd(n: 0..N): bool = if n == 0 then false else even(n - 1);
thread w() {
    a: { u = up(x); d = down(x); if x > 0 { x = x - 1; goto a; } }
}
start w();
invariant PARITY: even(x) == (x mod 2 == 0) && odd(x) != even(x);
"""


def mutual_expectation() -> str:
    facts = " && ".join(f"(x == {k - 1} -> u == {_pair(k)[0]} && d == {_pair(k)[1]})"
                        for k in range(1, 6))
    return f"invariant UP-DOWN: u == 0 || x == 0 || ({facts});\n"


def test_definitions_calling_each_other_on_every_engine() -> None:
    src = MUTUAL + mutual_expectation()
    v = engines_agree(src)  # the first variant, right
    assert counts(v) == (12, 11, "holds")
    model = check(load_text(src, path="t.spec").ast)
    # a copy of each per depth 0..5, then the unreachable defaults past them
    assert [d for d in model.defs if d.startswith(("up", "down"))] == \
        [copy_name(f, k) for k in range(6) for f in ("up", "down")] + ["up__rec6", "down__rec6"]
    assert render(model.defs[copy_name("up", 2)].body) == \
        "if n == 0 then 1 else down(n - 1) + 1"
    spec = load_text(src, path="t.spec")
    broken = run_variant(spec, "off", RunConfig(engine="native"))[1]
    assert violated(broken) == {"UP-DOWN": 1}  # down(3) stored from x = 3, beside x = 2
    found, _, _ = bmc(encoding(spec, check(spec.ast, "off", {}), {}, False), 1, 60.0)
    assert {f.prop: f.length for f in found if f.status == VIOLATED} == {"UP-DOWN": 1}
