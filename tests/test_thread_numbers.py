"""Thread ids as numbers where the spec asks: `int(t)`, `tid(k)`, ring neighbours.

Counts are derived by hand in the docstrings. The engines' agreement is test_symbolic's and
test_native's construct "thread ids as numbers".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.source import load_text
from tests.conftest import prop, spec_error, write

RING = """
const N = 3;
threads N;
var token: tid = 0;
var laps: 0..2 = 0;
thread node() {
    pass: {
        await token == self;
        if int(self) == N - 1 { laps = (laps + 1) mod 3; }
        token = tid((int(self) + 1) mod N);
        goto pass;
    }
}
start node(); start node(); start node();
option deadlock = false;
invariant NEXT: forall t in tid : tid((int(t) + 1) mod N) != t;
"""


def run(src: str, engine: str = "python") -> Verdict:
    return run_variant(load_text(src), None, RunConfig(engine=engine))[1]


@pytest.mark.parametrize("engine", ["python", "native"])
def test_a_token_ring(engine: str) -> None:
    """The token goes 0, 1, 2, 0, ... and laps counts mod 3 each time it leaves thread 2:
    one cycle through token x laps, 9 states and 9 transitions."""
    v = run(RING, engine)
    assert (v.stats.distinct_states, v.stats.transitions, v.result) == (9, 9, "holds")


def test_a_number_outside_the_pool_cannot_be_evaluated() -> None:
    """Without `mod`, thread 2 passes the token to id 3: the step cannot be evaluated."""
    v = run(RING.replace("tid((int(self) + 1) mod N)", "tid(int(self) + 1)"))
    assert v.incomplete and prop(v, "runtime").status == "violated"
    assert prop(v, "runtime").trace_length == 3


def test_symmetry_and_the_unbounded_encoding_refuse_numbers(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture) -> None:
    err = spec_error("symmetric tid;\n" + RING)
    assert "int() numbers a thread id: it singles out one tid" in str(err)
    assert err.pos is not None and err.pos.line == 10
    monkeypatch.chdir(tmp_path)
    assert main(["prove", write(tmp_path, RING), "--unbounded"]) == 2
    err_text = capsys.readouterr().err
    assert any(f"not supported in --unbounded: {f}()" in err_text for f in ("int", "tid"))
    assert "tid() needs an int" in str(spec_error(RING.replace("(int(self) + 1) mod N",
                                                               "self")))
