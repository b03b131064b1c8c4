"""Steps, definitions and invariants that exist only in some variants: `when variant in {..}`.

Counts are derived by hand in the docstrings; the verdicts come from the engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck.app.cli import main
from modelcheck.app.pipeline import run_variant
from modelcheck.lang.source import load_text
from tests.conftest import spec_error, write

# racy: two increments, no lock. fixed and strict add a lock around them.
SPEC = """
variants racy, fixed, strict;
var x: 0..3 = 0;
var lock: bool = false;
thread w() {
    take when variant in {fixed, strict}: { await !lock; lock = true; }
    inc: { x = x + 1; }
    give when variant in {fixed, strict}: { lock = false; }
}
start w(); start w();
def limit(): 0..3 when variant in {racy, fixed} = 1;
def limit(): 0..3 when variant in {strict} = 2;
invariant BOUND: x <= limit();
invariant HELD when variant in {fixed, strict}: lock -> x <= 1 || x == 2;
expect racy violates BOUND;
expect fixed violates BOUND;
expect strict holds;
"""


@pytest.mark.parametrize("variant, states, props", [
    # each thread at inc or done, x counting the dones: 4 states; BOUND breaks at x = 2
    ("racy", 4, {"BOUND", "deadlock", "bounds", "runtime"}),
    # take, inc, give, done per thread, the lock held by one at inc or give: both at take
    # (1), one holding and the other at take (4), one done and the other at take (2) or
    # holding (4), both done (1): 12
    ("fixed", 12, {"BOUND", "HELD", "deadlock", "bounds", "runtime"}),
    ("strict", 12, {"BOUND", "HELD", "deadlock", "bounds", "runtime"}),
])
def test_each_variant_has_its_own_steps_defs_and_invariants(variant: str, states: int,
                                                             props: set[str]) -> None:
    v = run_variant(load_text(SPEC), variant)[1]
    assert v.stats.distinct_states == states
    assert {p.name for p in v.properties} == props
    assert v.expectation == "met"


def test_all_variants_meet_their_expect_lines(tmp_path: Path) -> None:
    """An expect line may name a property that only its own variant has."""
    src = SPEC.replace("expect fixed violates BOUND;", "expect fixed violates BOUND, HELD;") \
        .replace("expect strict holds;", "expect strict violates HELD;") \
        .replace("x <= 1 || x == 2", "x == 0")
    assert main([write(tmp_path, src), "--no-report", "-q"]) == 0


@pytest.mark.parametrize("src, message", [
    (SPEC.replace("{fixed, strict}: { lock = false; }", "{fixd}: { lock = false; }"),
     "unknown variant 'fixd' in 'when variant in'"),
    (SPEC.replace("inc: {", "inc when variant in {fixed}: {").replace(
        "take when variant in {fixed, strict}", "take when variant in {fixed}").replace(
        "give when variant in {fixed, strict}", "give when variant in {strict}"),
     "'w' has no step in variant racy"),
    (SPEC.replace("x = x + 1; }", "x = x + 1; goto give; }"), "give"),
    (SPEC.replace("expect racy violates BOUND;", "expect racy violates HELD;"),
     "unknown property 'HELD' in expect"),
])
def test_mistakes_are_errors(src: str, message: str) -> None:
    assert message in str(spec_error(src, variant="racy"))
