"""A liveness property with several binders (`for c in C, r in R`, TLA+'s `\\A c \\in C,
r \\in R : P ~> Q`) is checked for every combination: verdicts derived by hand on both
engines, and SimpleAllocator's merged property against the one-per-resource properties it
replaced."""

from __future__ import annotations

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.check.checker import check as check_model
from modelcheck.lang.source import load_text
from tests.conftest import ROOT, spec_error, violated

# One step per k = 0..5 puts k % 3 into got[k / 3], so the run ends after 6 steps (7
# states, 6 transitions) and then repeats its last state; `skip` leaves out k = 5, the
# pair a = 1, b = 2, whose instance alone fails: the 6 steps, then the last state staying
# for ever (a 7th step, the loop).
FILL = """
variants all, skip;
var got: array[0..1] of set of 0..2 = [{}];
var k: 0..6 = 0;
thread t() {
    s: {
        if variant == all || k != 5 { got[k / 3] = got[k / 3] | {k % 3}; }
        k = k + 1;
        if k < 6 { goto s; }
    }
}
start t();
liveness FILLED for a in 0..1, b in 0..2: eventually b in got[a];
"""


@pytest.mark.parametrize("engine", ["python", "native"])
@pytest.mark.parametrize(("variant", "broken"), [("all", {}), ("skip", {"FILLED": 7})])
def test_every_pair_is_an_instance(engine: str, variant: str, broken: dict) -> None:
    v = run_variant(load_text(FILL, path="t.spec"), variant, RunConfig(engine=engine))[1]
    assert (v.stats.distinct_states, v.stats.transitions) == (7, 6)
    assert violated(v) == broken
    assert [ce.message.split(":")[0] for ce in v.counterexamples] == \
        (["for a = 1, b = 2"] if broken else [])


def test_instances_come_first_binder_outermost() -> None:
    loaded = load_text(FILL, path="t.spec")
    live = check_model(loaded.ast, "all").temporal.properties  # type: ignore[union-attr]
    assert [p.instance for p in live] == [f"a = {a}, b = {b}" for a in range(2)
                                          for b in range(3)]


def test_a_name_bound_twice_is_refused() -> None:
    err = spec_error(FILL.replace("for a in 0..1, b in 0..2", "for a in 0..1, a in 0..2"))
    assert "'a' is bound twice in liveness FILLED" in str(err)


ALLOCATOR = (ROOT / "specs" / "examples" / "tla_simpleallocator.spec").read_text()
MERGED = ("liveness CLIENTS-WILL-OBTAIN for c in Client, r in Resource: "
          "r in unsat[c] ~> r in alloc[c];")
SPLIT = "".join(f"liveness CLIENTS-WILL-OBTAIN-R{r} for c in Client: "
                f"{r} in unsat[c] ~> {r} in alloc[c];\n" for r in range(2))


@pytest.mark.parametrize("engine", ["python", "native"])
@pytest.mark.parametrize("variant", ["fair", "lazy_return"])
def test_the_merged_property_decides_as_the_split_ones(engine: str, variant: str) -> None:
    assert MERGED in ALLOCATOR
    split_text = ALLOCATOR.replace(MERGED, SPLIT).replace("expect ", "// expect ")
    merged, split = (violated(run_variant(load_text(text, path="t.spec"), variant,
                                          RunConfig(engine=engine))[1])
                     for text in (ALLOCATOR, split_text))
    parts = [split.pop(f"CLIENTS-WILL-OBTAIN-R{r}", None) for r in range(2)]
    found = [n for n in parts if n is not None]
    assert merged.pop("CLIENTS-WILL-OBTAIN", None) == (min(found) if found else None)
    assert merged == split  # the other properties unchanged
    assert bool(found) == (variant == "lazy_return")
