"""Shared helpers: run a spec text through the real pipeline and read the verdict.

Every test goes through `modelcheck.pipeline` (or the CLI), so what is asserted is what a
user would see, never an internal data structure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.backends.python.system import TransitionSystem
from modelcheck.engine.outcome import Limits
from modelcheck.engine.trace import Counterexample
from modelcheck.engine.verdict import PropertyVerdict, Verdict
from modelcheck.ir.values import state_dict
from modelcheck.lang.errors import SpecError
from modelcheck.lang.source import load_text

ROOT = Path(__file__).resolve().parent.parent
OSV = ROOT / "specs" / "osv_visibility.spec"


def readme_table(section: str) -> list[dict[str, str]]:
    """The first table under a `## ` heading of specs/README.md, one {column: cell} a row,
    so example tests read the counts and verdicts the documentation states."""
    text = (ROOT / "specs" / "README.md").read_text()
    body = text[text.index(section) + len(section):].split("\n## ")[0]
    table = [ln for ln in body.splitlines() if ln.startswith("|")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip().strip("`") for c in ln.strip("|").split("|"))))
            for ln in table[2:]]


def run(src: str, variant: str | None = None, defines: dict[str, str] | None = None,
        max_states: int | None = None, max_depth: int | None = None,
        time_limit: float | None = None, first: bool = False,
        path: str = "t.spec") -> tuple[TransitionSystem, Verdict]:
    """Load and check a spec text; the transition system is returned to decode trace states."""
    spec = load_text(src, path=path)
    return run_variant(spec, variant, RunConfig(
        overrides=defines or {}, limits=Limits(max_states, max_depth, time_limit),
        stop_at_first=first))


def check(src: str, **kw: Any) -> Verdict:
    """The verdict alone, for tests that only look at results and counts."""
    return run(src, **kw)[1]


def states(src: str, **kw: Any) -> int:
    """Distinct reachable states of a spec that must be searched completely."""
    v = check(src, **kw)
    assert not v.incomplete, v.incomplete
    return v.stats.distinct_states


def prop(v: Verdict, name: str) -> PropertyVerdict:
    """The verdict of one property by name (fails the test if it does not exist)."""
    found = [p for p in v.properties if p.name == name]
    assert len(found) == 1, f"no single property {name!r} in {[p.name for p in v.properties]}"
    return found[0]


def violated(v: Verdict) -> dict[str, int | None]:
    """Violated property names mapped to their trace lengths: the shape most tests compare."""
    return {p.name: p.trace_length for p in v.properties if p.status == "violated"}


def trace_of(v: Verdict, name: str) -> Counterexample:
    """The counterexample of one violated property."""
    found = [ce for ce in v.counterexamples if ce.prop == name]
    assert len(found) == 1, f"no single trace for {name!r}"
    return found[0]


def decoded(ts: TransitionSystem, ce: Counterexample, step: int = -1) -> dict[str, Any]:
    """A trace step's state as the JSON report shows it (variables by name, threads list)."""
    return state_dict(ts.model, ce.steps[step].state)


def spec_error(src: str, **kw: Any) -> SpecError:
    """The SpecError that loading and checking `src` must raise."""
    with pytest.raises(SpecError) as info:
        run(src, **kw)
    return info.value


def write(tmp_path: Path, src: str, name: str = "t.spec") -> str:
    """Put a spec text in a file for the command line; returns its path as a string."""
    p = tmp_path / name
    p.write_text(src, encoding="utf-8")
    return str(p)


def actions(ce: Counterexample) -> list[tuple[int | None, str, list[str]]]:
    """(thread, action, choices) of every step: what a reader of the trace sees."""
    return [(st.thread, st.action, list(st.choices)) for st in ce.steps]


def values_along(ts: TransitionSystem, ce: Counterexample, var: str) -> list[Any]:
    """The value of one variable in every state of a trace, initial state first."""
    return [state_dict(ts.model, st.state)[var] for st in ce.steps]


# The README's variants example: `original` overflows x, `fixed` waits before it would.
VARIANTS = """
variants original, fixed;
var x: 0..3 = 0;
thread t() {
    step: { if variant == original { x = x + 1; } else { await x < 3; x = x + 1; } goto step; }
}
start t();
option deadlock = false;
expect original violates bounds;
expect fixed holds;
"""
