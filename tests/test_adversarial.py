"""Hostile input: every command line of `tests/adversarial/cases.txt` ends with its documented
exit code, within its time limit, and never with a traceback; random token streams and
random well-formed specs never crash the front end or the pipeline.
"""

from __future__ import annotations

import contextlib
import io
import shlex
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.engine.outcome import Limits
from modelcheck.lang.errors import SpecError
from modelcheck.lang.source import load_text
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "adversarial"
SLACK = 2.0  # seconds a run may take past its --time-limit
NO_LIMIT = 10.0  # the time limit of a case that sets none


def _cases() -> list[tuple[int, str]]:
    out = []
    for line in (CORPUS / "cases.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, _, args = line.partition(" ")
            out.append((int(code), args.strip()))
    return out


def test_the_corpus_is_large() -> None:
    assert len(_cases()) >= 60
    assert len(list(CORPUS.glob("*.spec"))) >= 40


@pytest.mark.parametrize(("code", "args"), _cases())
def test_hostile_command_line(code: int, args: str, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # default report folders land here, not in the repository
    argv = [a.replace("@TMP", str(tmp_path)).replace("@", f"{CORPUS}/")
            for a in shlex.split(args)]
    limit = NO_LIMIT if argv[:1] == ["ci"] else _limit(argv)  # ci: a limit per variant
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        got = main(argv)
    took = time.monotonic() - start
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    assert got == code, text[-2000:]
    assert took < limit + SLACK, f"{took:.1f} s"


def _limit(argv: list[str]) -> float:
    """The case's --time-limit; a value refused (nan, inf, a word) is refused at once."""
    if "--time-limit" not in argv:
        return NO_LIMIT
    try:
        value = float(argv[argv.index("--time-limit") + 1])
    except ValueError:
        return 0.0
    return value if 0 <= value < float("inf") else 0.0


# ------------------------------------------------------------------ fuzzing the grammar

TOKENS = ["threads", "var", "const", "thread", "start", "invariant", "expect", "variants",
          "def", "option", "if", "else", "await", "assert", "either", "or", "choose", "in",
          "goto", "exit", "spawn", "free", "let", "skip", "forall", "exists", "true",
          "false", "none", "self", "tid", "array", "of", "bool", "x", "t", "a", "0", "1",
          "3", "1000000000", "..", ";", ":", ",", "=", "==", "!=", "<", "+", "-", "*", "/",
          "%", "!", "&&", "||", "->", "(", ")", "{", "}", "[", "]", "?", "@", '"s"',
          "//", "/*", "\n", "\ufeff", "\x00", "é"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_random_token_streams_are_errors_or_specs(tokens: list[str]) -> None:
    """Whatever the tokens, the front end answers with a spec or a located SpecError."""
    try:
        load_text(" ".join(tokens))
    except SpecError:
        pass


_EXPR = st.recursive(
    st.sampled_from(["x", "y", "0", "1", "3", "true", "false"]),
    lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "==", "<",
                                                    "&&", "||"]), inner)
    .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    max_leaves=6)
_STMT = st.one_of(
    _EXPR.map(lambda e: f"x = {e};"), _EXPR.map(lambda e: f"y = {e};"),
    _EXPR.map(lambda e: f"await {e};"), _EXPR.map(lambda e: f"assert {e};"),
    st.just("goto a;"), st.just("skip;"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_STMT, min_size=1, max_size=3), min_size=1, max_size=3),
       st.integers(1, 2), _EXPR)
def test_random_well_formed_specs_check_or_fail_cleanly(steps: list[list[str]], threads: int,
                                                       invariant: str) -> None:
    """Random steps over two small variables: a type error is a SpecError, anything else is
    searched to a verdict (a step that divides by zero is a violation, never an exception)."""
    labels = ["a", "b", "c"]
    body = " ".join(f"{labels[k]}: {{ {' '.join(s)} }}" for k, s in enumerate(steps))
    src = (f"threads {threads};\nvar x: 0..3 = 0;\nvar y: 0..3 = 1;\n"
           f"thread t() {{ {body} }}\n" + "start t();\n" * threads
           + f"invariant I: {invariant};\n")
    try:
        spec = load_text(src)
        _, v = run_variant(spec, None, RunConfig(limits=Limits(max_states=2000),
                                                 engine="python", certify=False))
    except SpecError:
        return
    assert v.result in ("holds", "violated", "incomplete")
    assert v.result != "holds" or v.stats.distinct_states <= 16 ** threads * 4 ** threads
