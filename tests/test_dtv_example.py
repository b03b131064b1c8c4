"""specs/examples/lang_dtv.spec, written from the README alone as a first-hour user would:
its state counts from the enumeration of the protocol in Python (`test_lang_examples.dtv`,
against which that file also checks the table of specs/README.md), and the Python and native
engines and z3's bounded model checking agreeing on its verdicts and trace lengths."""

from __future__ import annotations

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.app.prove import encoding
from modelcheck.check.checker import check as check_model
from modelcheck.lang.source import load
from modelcheck.symbolic.bmc import VIOLATED, bmc
from tests.conftest import ROOT, violated
from tests.test_big_sets import seen
from tests.test_lang_examples import dtv

SPEC = ROOT / "specs" / "examples" / "lang_dtv.spec"
@pytest.mark.parametrize(("variant", "broken"), [
    ("snapshot_late", {"COPIED": 7, "CURRENT": 6}), ("snapshot_first", {})])
def test_engines_and_bmc_agree(variant: str, broken: dict[str, int]) -> None:
    loaded = load(SPEC)
    python, native = (run_variant(loaded, variant, RunConfig(engine=e, liveness=False))[1]
                      for e in ("python", "native"))
    assert native.engine.startswith("native")
    assert seen(python) == seen(native) and violated(python) == broken
    assert (python.stats.distinct_states, python.stats.transitions) == dtv(variant)
    if broken:
        found, _, _ = bmc(encoding(loaded, check_model(loaded.ast, variant), {}, False),
                          max(broken.values()), 120.0)
        assert {f.prop: f.length for f in found if f.status == VIOLATED} == broken
