"""Evaluation errors are violations of the built-in `runtime` property, located to the column.

Each kind of error (division by zero, index out of range, `none` used as a value, a def's
result out of range), where it can happen (a step, a guard, a def, an invariant), on the
Python search, the level search and the native engine: the verdict, the trace and the
`file:line:col` with its caret must agree. The column expected is found in the spec text
itself (the `@` marker is where the caret must point), not copied from a run.
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
from tests.test_formats import validate_junit, validate_sarif

ENGINES = [RunConfig(engine="python"), RunConfig(engine="python", workers=2),
           RunConfig(engine="native")]

# (name, spec with `@` before the expression the caret must point at, message, depth)
CASES = [
    ("step-division", """
var x: 0..3 = 1;
var y: 0..3 = 0;
thread t() { a: { x = x - 1; } b: { y = 3 @/ x; } }
start t();""", "division by zero", 2),
    ("step-index", """
var a: array[0..2] of bool = [false];
var i: 0..5 = 0;
thread t() { s: { i = i + 1; a[i] = @a[i] || true; goto s; } }
start t();
option deadlock = false;""", "index 3 is outside 0..2", 3),
    ("guard-none", """
var n: 0..3? = none;
var x: 0..3 = 0;
thread t() { s: { await @n > 0; x = 1; } }
start t();""", "'none' used as a value", 1),
    ("def-modulo", """
var x: 0..3 = 2;
def share(a: 0..3): 0..3 = 6 @% a;
thread t() { s: { x = x - 1; } u: { x = x - 1; } v: { x = share(x); } }
start t();""", "division by zero", 3),
    ("def-result", """
var x: 0..3 = 0;
def next(a: 0..3): 0..2 = a @+ 1;
thread t() { s: { x = next(x); goto s; } }
start t();
option deadlock = false;""", "result 3 is outside 0..2", 3),
]


def _source(marked: str) -> tuple[str, int, int]:
    """The spec without its marker, and the (line, col) the marker stood at."""
    before = marked[:marked.index("@")]
    return marked.replace("@", "", 1), before.count("\n") + 1, len(before) - before.rfind("\n")


def _run(text: str, config: RunConfig) -> Verdict:
    return run_variant(load_text(text, "case.spec"), None, config)[1]


@pytest.mark.parametrize("config", ENGINES, ids=["python", "levels", "native"])
@pytest.mark.parametrize(("name", "marked", "message", "depth"), CASES,
                         ids=[c[0] for c in CASES])
def test_runtime_violation_located(name: str, marked: str, message: str, depth: int,
                                   config: RunConfig) -> None:
    text, line, col = _source(marked)
    v = _run(text, config)
    status = {p.name: p.status for p in v.properties}
    assert status["runtime"] == "violated" and status["bounds"] != "violated"
    ce = next(c for c in v.counterexamples if c.prop == "runtime")
    assert ce.kind == "runtime" and ce.message == message
    assert ce.length == depth and ce.steps[-1].failed and ce.certified
    assert (ce.pos.line, ce.pos.col) == (line, col)
    head, src, caret = ce.located.splitlines()
    assert head == f"case.spec:{line}:{col}: runtime error: {message}"
    assert src == "  " + text.splitlines()[line - 1]
    assert caret == " " * (col + 1) + "^"


@pytest.mark.parametrize("config", ENGINES, ids=["python", "levels", "native"])
def test_invariant_that_cannot_be_evaluated(config: RunConfig) -> None:
    """An invariant dividing by a variable that reaches 0: a `runtime` violation located in
    the invariant, after the steps that lead there; the invariant itself has no verdict."""
    text, line, col = _source("""
var x: 0..3 = 2;
thread t() { s: { x = x - 1; goto s; } }
start t();
option deadlock = false;
invariant RATIO: 6 @/ x >= 1;""")
    v = _run(text, config)
    status = {p.name: p.status for p in v.properties}
    assert status == {"RATIO": "unknown", "bounds": "violated", "runtime": "violated"}
    assert any("RATIO could not be evaluated" in r for r in v.incomplete)
    ce = next(c for c in v.counterexamples if c.prop == "runtime")
    assert ce.length == 2 and not ce.steps[-1].failed and ce.certified
    assert ce.message == "invariant RATIO cannot be evaluated: division by zero"
    assert (ce.pos.line, ce.pos.col) == (line, col)


def test_every_format_locates_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The terminal, JSON, SARIF, JUnit, Markdown and HTML all carry file:line:col."""
    text, line, col = _source(CASES[0][1])
    spec = tmp_path / "div.spec"
    spec.write_text(text)
    out = {k: tmp_path / f"r.{k}" for k in ("json", "sarif", "xml", "md", "html")}
    code = main([str(spec), "--engine", "python", "--json", str(out["json"]),
                 "--sarif", str(out["sarif"]), "--junit", str(out["xml"]),
                 "--report-md", str(out["md"]), "--report", str(out["html"])])
    assert code == 1
    where = f"{spec}:{line}:{col}: runtime error: division by zero"
    assert where in capsys.readouterr().out
    doc = json.loads(out["json"].read_text())
    assert doc["counterexample"]["location"] == {"line": line, "column": col}
    validate_sarif(json.loads(out["sarif"].read_text()))  # the official SARIF 2.1.0 schema
    validate_junit(out["xml"])
    sarif = json.loads(out["sarif"].read_text())["runs"][0]["results"][0]
    region = sarif["locations"][0]["physicalLocation"]["region"]
    assert (sarif["ruleId"], region["startLine"], region["startColumn"]) == ("runtime", line, col)
    for k in ("xml", "md", "html"):
        assert where in out[k].read_text(), k
