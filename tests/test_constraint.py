"""`constraint P;` with TLC's meaning, on every engine: a state where P is false is stored
and checked (invariants, the step that reached it) but not expanded, and having no
successor does not make it a deadlock. Counts come from a hand count (the counter) or
from the direct enumeration in test_lang_examples (the ticket lock)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.app.prove import encoding
from modelcheck.check.checker import check as check_model
from modelcheck.engine.outcome import CONSTRAINT_NOTE, Limits
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.source import load, load_text
from modelcheck.report.text import summary
from modelcheck.symbolic.bmc import CLEAR, VIOLATED, bmc
from modelcheck.symbolic.certify import CertificationError, Certifier
from tests.conftest import ROOT, decoded, prop, spec_error, trace_of, violated, write
from tests.test_lang_examples import ticket_lock

TICKET = ROOT / "specs" / "examples" / "lang_constraint.spec"


def counter(bound: int, invariant: str) -> str:
    """x and y climb one at a time, forever; the constraint keeps x + y <= bound."""
    return f"""
var x: 0..10 = 0;
var y: 0..10 = 0;
thread inc() {{ a: {{ either {{ x = x + 1; }} or {{ y = y + 1; }} goto a; }} }}
start inc();
constraint x + y <= {bound};
invariant SMALL: {invariant};
"""


def run(src: str, **kw: object) -> Verdict:
    return run_variant(load_text(src, path="t.spec"), None,
                       RunConfig(liveness=False, **kw))[1]  # type: ignore[arg-type]


@pytest.mark.parametrize("k", [2, 3])
def test_counter_by_hand(k: int) -> None:
    """Inside: the (k+1)(k+2)/2 pairs with x + y <= k, two steps each; outside: the k + 2
    pairs with x + y == k + 1, reached and checked: (k, 0) -> (k + 1, 0) breaks x <= k in
    k + 1 steps. They have no step, yet no deadlock is reported."""
    ts, v = run_variant(load_text(counter(k, f"x <= {k}"), path="t.spec"), None,
                        RunConfig(liveness=False))
    inside = (k + 1) * (k + 2) // 2
    assert (v.stats.distinct_states, v.stats.outside) == (inside + k + 2, k + 2)
    assert v.stats.transitions == 2 * inside
    assert violated(v) == {"SMALL": k + 1}
    assert prop(v, "deadlock").status == "holds"
    ce = trace_of(v, "SMALL")
    assert ce.certified and decoded(ts, ce)["x"] == k + 1
    assert f"constraint: {k + 2} of the states outside it" in summary(v)


CONFIGS = [dict(engine="python"), dict(engine="python", store="fingerprint"),
           dict(engine="python", workers=2), dict(engine="native"),
           dict(engine="native", workers=2), dict(engine="native", store="fingerprint")]


@pytest.mark.parametrize("variant", ["capped", "awaited"])
def test_engines_agree_with_the_enumeration(variant: str) -> None:
    """Every engine and store: the enumeration's states, transitions and states outside,
    the same verdicts and the same deadlock trace (awaited)."""
    states, transitions, outside = ticket_lock(variant)
    seen = set()
    for config in CONFIGS:
        v = run_variant(load(TICKET), variant, RunConfig(liveness=False, **config))[1]  # type: ignore[arg-type]
        assert v.engine.startswith(config["engine"]), (config, v.engine)
        assert (v.stats.distinct_states, v.stats.transitions, v.stats.outside) == \
            (states, transitions, outside), config
        assert v.expectation == "met" and not v.incomplete, config
        seen.add(tuple((ce.prop, tuple((st.thread, st.action, st.state) for st in ce.steps))
                       for ce in v.counterexamples))
    assert len(seen) == 1


@pytest.mark.parametrize("engine", ["python", "native"])
def test_a_constraint_that_cannot_be_evaluated_cuts_the_search(engine: str) -> None:
    """Where the constraint fails (an index out of range), the state is not expanded and the
    search says it is incomplete, so nothing beyond it is claimed to hold."""
    v = run(counter(3, "x <= 9").replace("constraint x + y <= 3;",
                                         "var a: array[0..2] of bool = [true];\n"
                                         "constraint a[x] && x + y <= 3;"), engine=engine)
    assert v.incomplete == [CONSTRAINT_NOTE] and v.result == "incomplete"
    # inside: x <= 2 and x + y <= 3 (9); outside: x + y == 4 (4), and (3, 0) where a[3] fails
    assert (v.stats.distinct_states, v.stats.outside) == (14, 5)
    assert prop(v, "SMALL").status == "unknown"


def test_every_report_gives_the_states_outside(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON, HTML, Markdown and JUnit all say how many states were not expanded, and say
    nothing of a constraint when the spec has none."""
    monkeypatch.chdir(tmp_path)
    for src, outside in [(counter(3, "x <= 9"), 5),
                         (counter(3, "x <= 9").replace("constraint x + y <= 3;", ""), None)]:
        main([write(tmp_path, src), "--json", "out.json", "--report", "out.html",
              "--report-md", "out.md", "--junit", "out.xml", "-q", "--max-states", "200"])
        assert json.loads((tmp_path / "out.json").read_text())["stats"].get(
            "outside_constraint") == outside
        html, md, xml = ((tmp_path / f).read_text() for f in ("out.html", "out.md", "out.xml"))
        if outside is None:
            assert "outside the constraint" not in md and "outside_constraint" not in xml
            assert 'id="outside"' not in html
        else:
            assert f"<b>{outside}</b>outside the constraint" in html
            assert f"{outside} of the states are outside the constraint" in md
            assert f'name="outside_constraint" value="{outside}"' in xml


@pytest.mark.parametrize("unbounded", [False, True])
def test_bmc_and_prove_expand_only_states_inside(tmp_path: Path, unbounded: bool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """x + y <= 4 holds because no step leaves a state with x + y == 4: BMC finds nothing
    and k-induction proves it; the same spec without the constraint is refuted."""
    monkeypatch.chdir(tmp_path)
    src = counter(3, "x + y <= 4")
    spec = load_text(src, path="t.spec")
    found, depth, _ = bmc(encoding(spec, check_model(spec.ast), {}, unbounded), 7, 60.0)
    assert depth == 7 and {f.prop: f.status for f in found}["SMALL"] == CLEAR
    for text, code in [(src, 0), (src.replace("constraint x + y <= 3;", ""), 1)]:
        args = ["prove", write(tmp_path, text), "--json", "p.json", "--no-report",
                "--timeout", "2"]  # refuted by the explicit search, whatever z3 says
        assert main(args + (["--unbounded"] if unbounded else [])) == code
        outcome = json.loads((tmp_path / "p.json").read_text())["results"][0]["outcome"]
        assert outcome == ("proved" if code == 0 else "refuted")


def test_bmc_finds_the_violation_in_a_state_outside() -> None:
    spec = load_text(counter(3, "x <= 3"), path="t.spec")
    found, _, _ = bmc(encoding(spec, check_model(spec.ast), {}, False), 6, 60.0)
    small = next(f for f in found if f.prop == "SMALL")
    assert (small.status, small.length) == (VIOLATED, 4)


def test_certification_rejects_a_step_from_a_state_outside() -> None:
    """The counter's trace to x == 4 is certified under x + y <= 3; under x + y <= 2 its
    state (3, 0) is outside, and z3 refuses the fourth step, taken from it."""
    v = run(counter(3, "x <= 3"))
    ce = trace_of(v, "SMALL")
    tighter = check_model(load_text(counter(2, "x <= 3"), path="t.spec").ast)
    with pytest.raises(CertificationError) as info:
        Certifier(tighter).certify(ce)
    assert info.value.step == 4 and "outside the constraint" in info.value.reason


def test_a_constraint_must_be_boolean() -> None:
    e = spec_error(counter(3, "x <= 3").replace("x + y <= 3;", "x + y;"))
    assert e.pos.line == 6 and "bool" in e.message


def test_limits_still_apply() -> None:
    v = run(counter(3, "x <= 9"), limits=Limits(max_states=5))
    assert v.result == "incomplete" and v.stats.distinct_states <= 6


@pytest.mark.parametrize("engine", ["python", "native"])
def test_liveness_sees_a_state_outside_as_one_that_stays(engine: str) -> None:
    """x climbs to 4, outside x <= 3, and stays there: x never reaches 5 (a certified lasso
    under weak fairness, since no step is enabled outside), and it always reaches 4."""
    v = run_variant(load_text("""
var x: 0..10 = 0;
thread inc() { a: { x = x + 1; goto a; } }
start inc();
constraint x <= 3;
liveness FIVE: eventually x == 5;
liveness FOUR: eventually x == 4;
fairness weak;
""", path="t.spec"), None, RunConfig(engine=engine))[1]
    assert v.engine.startswith(engine)
    assert violated(v) == {"FIVE": 5} and prop(v, "FOUR").status == "holds"
    assert trace_of(v, "FIVE").certified and trace_of(v, "FIVE").loop == 4


def test_lints_replay_steps_only_in_states_inside() -> None:
    """The branch `big` can fire only at x == 3, a state outside the constraint that the
    search never expands: it never fired, and the lint says so."""
    v = run("""
var x: 0..5 = 0;
thread inc() {
  a: { either small: { await x < 3; x = x + 1; } or big: { await x >= 3; x = 0; } goto a; }
}
start inc();
constraint x <= 2;
""")
    fired = [lint.message for lint in v.lints if lint.kind == "never-fired"]
    assert len(fired) == 1 and fired[0].startswith("inc.a [big] never fired"), fired
    assert "outside the constraint are not expanded" in fired[0]
