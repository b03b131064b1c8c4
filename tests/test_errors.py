"""Every kind of spec error is a located SpecError with a stable message (and a hint where
a misspelling is likely); the command line turns it into `file:line:col: error:` plus a
caret and exit code 2; and no mutation of a real spec produces any other exception.
"""

from __future__ import annotations

import json
import re
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
from tests.conftest import OSV, spec_error, write

TAIL = "thread w() {\n  s: { skip; }\n}\nstart w();\n"


def col(src: str, line: int, token: str, nth: int = 0) -> int:
    """1-based column of the nth occurrence of `token` on a 1-based line of `src`."""
    text = src.splitlines()[line - 1]
    at = -1
    for _ in range(nth + 1):
        at = text.index(token, at + 1)
    return at + 1


# (id, source, line, token on that line where the caret must point, message part, hint part)
LOCATED = [
    ("unexpected-token",
     "var x: 0..3 = 0;\nthread w() {\n  a: { x = = 1; }\n}\nstart w();\n",
     3, ("=", 1), "unexpected '='", None),
    ("expected-semicolon",
     "var x: 0..3 = 0;\nthread w() {\n  s: { x = 1; }\n  t: { x = 2 }\n}\nstart w();\n",
     4, ("}", 0), "expected ';'", None),
    ("unexpected-character",
     "var x: 0..3 = 0;\nthread w() {\n  a: { x = 1 $ 2; }\n}\nstart w();\n",
     3, ("$", 0), "unexpected character '$'", None),
    ("unknown-name",
     "var count: 0..3 = 0;\nthread w() {\n  a: { cuont = 1; }\n}\nstart w();\n",
     3, ("cuont", 0), "unknown name 'cuont'", "did you mean 'count'?"),
    ("unknown-type",
     "enum Phase { a, b }\nvar x: Phsae = a;\n" + TAIL,
     2, ("Phsae", 0), "unknown type 'Phsae'", "did you mean 'Phase'?"),
    ("unknown-thread-in-spawn",
     "thread worker() {\n  s: { spawn wroker(); }\n}\nthreads 2;\nstart worker();\n",
     2, ("spawn", 0), "unknown thread 'wroker'", "did you mean 'worker'?"),
    ("unknown-thread-in-start",
     "thread worker() {\n  s: { skip; }\n}\nstart wroker();\n",
     4, ("wroker", 0), "unknown thread 'wroker'", "did you mean 'worker'?"),
    ("unknown-label",
     "thread w() {\n  retry: { goto rerty; }\n}\nstart w();\n",
     2, ("goto", 0), "no step labelled 'rerty'", "did you mean 'retry'?"),
    ("unknown-function",
     "def holders(): bool = true;\nthread w() {\n  s: { await hodlers(); }\n}\nstart w();\n",
     3, ("hodlers", 0), "unknown function 'hodlers'", "did you mean 'holders'?"),
    ("bool-to-int",
     "var x: 0..3 = 0;\nthread w() {\n  s: { x = true; }\n}\nstart w();\n",
     3, ("true", 0), "expected 0..3, got bool", None),
    ("compare-int-enum",
     "enum E { p }\nvar x: 0..3 = 0;\nthread w() {\n  s: { await x == p; }\n}\nstart w();\n",
     4, ("==", 0), "cannot compare 0..3 with E", None),
    ("compare-bool-int",
     "var b: bool = false;\nthread w() {\n  s: { await b == 1; }\n}\nstart w();\n",
     3, ("==", 0), "cannot compare bool with int", None),
    ("plus-on-bools",
     "var b: bool = false;\nthread w() {\n  s: { b = b + true; }\n}\nstart w();\n",
     3, ("+", 0), "'+' needs ints, got bool and bool", None),
    ("index-non-array",
     "var x: 0..3 = 0;\nthread w() {\n  s: { x = x[1]; }\n}\nstart w();\n",
     3, ("x", 1), "only arrays can be indexed", None),
    ("unknown-field",
     "var r: record { owner: 0..3 } = {owner: 0};\nthread w() {\n  s: { r.ownr = 1; }\n}\n"
     "start w();\n",
     3, ("r.ownr", 0), "record has no field 'ownr'", "did you mean 'owner'?"),
    ("duplicate-var",
     "var x: 0..3 = 0;\nvar x: bool = false;\n" + TAIL,
     2, ("x", 0), "'x' is already declared at 1:5", None),
    ("duplicate-const",
     "const A = 1;\nconst A = 2;\n" + TAIL,
     2, ("A", 0), "'A' is already declared at 1:7", None),
    ("duplicate-thread",
     "thread w() {\n  s: { skip; }\n}\nthread w() {\n  s: { skip; }\n}\nstart w();\n",
     4, ("w", 0), "thread 'w' is already declared at 1:8", None),
    ("duplicate-label",
     "thread w() {\n  s: { skip; }\n  s: { skip; }\n}\nstart w();\n",
     3, ("s", 0), "label 's' is already used at 2:3", None),
    ("duplicate-enum-member",
     "enum E { a, b }\nenum F { b, c }\n" + TAIL,
     2, ("b", 0), "'b' is already declared at 1:13", None),
    ("duplicate-invariant",
     "invariant I: true;\ninvariant I: true;\n" + TAIL,
     2, ("I", 0), "property 'I' is already declared", None),
    ("duplicate-type",
     "type T = 0..1;\ntype T = 0..2;\n" + TAIL,
     2, ("T", 0), "type 'T' is already declared", None),
    ("cyclic-constants",
     "const A = B + 1;\nconst B = A;\n" + TAIL,
     1, ("A", 0), "constant 'A' is defined in terms of itself", None),
    ("recursive-def",
     "def f(n: 0..3): bool = f(n);\nthread w() {\n  s: { await f(0); }\n}\nstart w();\n",
     1, ("f(", 1), "definition 'f' calls itself with 'n' no smaller", None),
    ("mutually-recursive-defs",
     "def f(): bool = g();\ndef g(): bool = f();\nthread w() {\n  s: { await f(); }\n}\n"
     "start w();\n",
     1, ("f(", 0), "definition 'f' calls itself through g, so it needs a parameter of a "
     "range type", None),
    ("unreachable-after-goto",
     "thread w() {\n  s: { goto s;\n       skip; }\n}\nstart w();\n",
     3, ("skip", 0), "unreachable statement: the step already ended with goto", None),
    ("unreachable-after-exit",
     "thread w() {\n  s: { exit; skip; }\n}\nstart w();\n",
     2, ("skip", 0), "unreachable statement: the step already ended with exit", None),
    ("constant-out-of-range",
     "const N = 5;\nvar x: 0..3 = N;\n" + TAIL,
     2, ("N", 0), "value 5 is outside 0..3", None),
    ("self-outside-thread",
     "var x: tid = 0;\ninvariant I: x == self;\n" + TAIL,
     2, ("self", 0), "'self' is only available inside a thread", None),
    ("self-in-def",
     "def me(): tid = self;\n" + TAIL,
     1, ("self", 0), "'self' is only available inside a thread", None),
    ("expect-unknown-property",
     "variants a, b;\n" + TAIL + "expect a violates dedlock;\n",
     6, ("a", 0), "unknown property 'dedlock' in expect", "did you mean 'deadlock'?"),
    ("expect-unknown-variant",
     "variants orig, fixed;\n" + TAIL + "expect fxed holds;\n",
     6, ("fxed", 0), "unknown variant 'fxed' in expect", "did you mean 'fixed'?"),
    ("signal-depth",
     "var x: 0..1 = 0;\noption signal_depth = 9;\n" + TAIL,
     2, ("9", 0), "option signal_depth must be 1 to 8, not 9", None),
    ("nested-brackets",
     "var x: bool = false;\nthread w() {\n  s: { x = " + "!" * 300 + "x; }\n}\nstart w();\n",
     3, ("s:", 0), "step w.s is nested too deeply to compile: Python allows 200 nested brackets",
     "split it: a def, a let or a step of its own for a part"),
    ("nested-blocks",
     "var x: 0..2 = 0;\nthread w() {\n  s: { " + "either { " * 25 + "x = 1;"
     + " } or { x = 2; }" * 25 + " }\n}\nstart w();\n",
     3, ("s:", 0), "step w.s is nested too deeply to compile: Python allows 20 nested blocks",
     "split it: a def, a let or a step of its own for a part"),
    ("nested-invariant",
     "var x: bool = false;\ninvariant DEEP: " + "!" * 300 + "x;\n" + TAIL,
     2, ("DEEP", 0), "invariant DEEP is nested too deeply to compile",
     "split it: a def, a let or a step of its own for a part"),
]


@pytest.mark.parametrize(("src", "line", "token", "message", "hint"),
                         [case[1:] for case in LOCATED], ids=[case[0] for case in LOCATED])
def test_located_errors(src: str, line: int, token: tuple[str, int], message: str,
                        hint: str | None) -> None:
    """The message names the problem, the position points at the offending token."""
    err = spec_error(src)
    assert message in err.message
    assert (err.pos.line, err.pos.col) == (line, col(src, line, *token))
    if hint is None:
        assert err.hint is None or "did you mean" not in err.hint
    else:
        assert err.hint == hint


def test_unknown_name_without_close_match_has_no_hint() -> None:
    """A name like nothing declared gets no misleading suggestion."""
    err = spec_error("var x: 0..3 = 0;\nthread w() {\n  a: { zzzzqq = 1; }\n}\nstart w();\n")
    assert "unknown name 'zzzzqq'" in err.message
    assert err.hint is None


@pytest.mark.parametrize(("src", "line", "col_", "message"), [
    ("var x: 0..3 = 0;\nthread w() {\n  a: { x = 1; }\n", 3, 16, "unexpected end of file"),
    ("var x: 0..3 = 0;\nthread w() {\n  a: { x = ", 3, 11, "unexpected end of file"),
])
def test_unexpected_end_of_file(src: str, line: int, col_: int, message: str) -> None:
    """End of file is reported on the last line with text, just after its last character."""
    err = spec_error(src)
    assert message in err.message
    assert (err.pos.line, err.pos.col) == (line, col_)


def test_constant_override_out_of_range() -> None:
    """-D gives a value the declared range cannot hold: located at the use."""
    src = "const N = 2;\nvar x: 0..3 = N;\n" + TAIL
    err = spec_error(src, defines={"N": "7"})
    assert "value 7 is outside 0..3" in err.message
    assert (err.pos.line, err.pos.col) == (2, col(src, 2, "N"))


# Errors about the command line rather than a place in the file carry no position.
VARIANTS_SRC = "const N = 2;\nvariants orig, fixed;\n" + TAIL


@pytest.mark.parametrize(("kw", "message", "hint"), [
    ({"defines": {"M": "3"}}, "-D M: the spec has no constant 'M'", None),
    ({"defines": {"NN": "3"}}, "the spec has no constant 'NN'", "did you mean 'N'?"),
    ({"defines": {"N": "three"}}, "-D N=three: the value must be an integer, true or false",
     None),
    ({"defines": {"N": "2.5"}}, "the value must be an integer", None),
    ({"variant": "fxed"}, "unknown variant 'fxed'; the spec declares orig, fixed",
     "did you mean 'fixed'?"),
])
def test_command_line_errors(kw: dict, message: str, hint: str | None) -> None:
    """-D and --variant problems are SpecErrors with the offending name in the message."""
    err = spec_error(VARIANTS_SRC, **kw)
    assert message in err.message
    assert err.pos.line == 0
    if hint is not None:
        assert err.hint == hint


def test_render_has_location_caret_and_hint() -> None:
    """render() prints file:line:col, the source line, a caret under the token, the hint."""
    src = "var count: 0..3 = 0;\nthread w() {\n  a: { cuont = 1; }\n}\nstart w();\n"
    text = spec_error(src).render("x.spec", src).splitlines()
    assert text[0] == "x.spec:3:8: error: unknown name 'cuont'"
    assert text[1] == "    a: { cuont = 1; }"
    assert text[2].index("^") == text[1].index("cuont")
    assert text[3] == "  note: did you mean 'count'?"


@pytest.mark.parametrize("case_id", ["unexpected-token", "unexpected-character", "unknown-name",
                                     "bool-to-int", "unknown-label"])
def test_cli_prints_located_error_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              case_id: str) -> None:
    """`mcheck bad.spec`: exit 2, `file:line:col: error:`, the line, a caret under the token."""
    _, src, line, token, message, _ = next(c for c in LOCATED if c[0] == case_id)
    path = write(tmp_path, src, "bad.spec")
    assert main([path]) == 2
    err = capsys.readouterr().err.splitlines()
    expected_col = col(src, line, *token)
    assert err[0].startswith(f"{path}:{line}:{expected_col}: error: ")
    assert message in err[0]
    assert err[1].strip() == src.splitlines()[line - 1].strip()
    assert err[2].strip() == "^"
    assert err[2].index("^") - 2 == expected_col - 1


def test_cli_json_on_spec_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json on a broken spec writes result "error" and the located message."""
    src = "var x: 0..3 = 0;\nthread w() {\n  a: { x = = 1; }\n}\nstart w();\n"
    path = write(tmp_path, src, "bad.spec")
    out = tmp_path / "out.json"
    assert main([path, "--json", str(out)]) == 2
    doc = json.loads(out.read_text())
    assert doc["result"] == "error"
    assert re.match(rf"{re.escape(path)}:3:12: error: unexpected '='", doc["error"])


@pytest.mark.parametrize(("argv", "needle"), [
    (["-D", "NOPE=1"], "has no constant 'NOPE'"),
    (["-D", "THREADS=x"], "THREADS=x: the value must be an integer"),
    (["-D", "THREADS"], "-D needs NAME=VALUE"),
    (["--variant", "nope"], "unknown variant 'nope'"),
    (["--max-states", "-1"], "--max-states must be a number, 0 or more"),
    (["--max-states", "0"], "--max-states must be at least 1"),
    (["--time-limit", "nan"], "--time-limit must be a number, 0 or more"),
    (["--time-limit", "inf"], "--time-limit must be a number, 0 or more"),
    (["--workers", "0"], "--workers must be between 1 and"),
    (["--workers", "1000"], "--workers must be between 1 and"),
    (["--engine", "gpu"], "--engine must be one of auto, native, python"),
])
def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str],
                                 needle: str) -> None:
    """Usage problems exit 2 with the reason on stderr and no traceback."""
    assert main([str(OSV), "-q", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert "Traceback" not in err


def test_cli_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unreadable spec is an error, not a crash."""
    assert main([str(tmp_path / "nope.spec")]) == 2
    assert "cannot read spec" in capsys.readouterr().err


# ------------------------------------------------------------------- mutation fuzzing

OSV_TEXT = OSV.read_text(encoding="utf-8")
TOKENS = re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\d+|\.\.|->|==|!=|<=|>=|&&|\|\||\s+|\S", OSV_TEXT)
VOCAB = sorted({t for t in TOKENS if not t.isspace()} | {"0", "none", "{}", "[0]", "?", "-",
                                                         "set of", "spawn", "goto", "self"})
EDITS = st.lists(st.tuples(st.sampled_from(["delete", "insert", "replace"]),
                           st.integers(0, len(TOKENS) - 1), st.sampled_from(VOCAB)),
                 min_size=1, max_size=3)


def mutate(edits: list[tuple[str, int, str]]) -> str:
    """Apply token edits to the OSV spec text."""
    tokens = list(TOKENS)
    for op, at, word in edits:
        at %= len(tokens)
        if op == "delete":
            del tokens[at]
        elif op == "insert":
            tokens.insert(at, word + " ")
        else:
            tokens[at] = word
    return "".join(tokens)


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(EDITS)
def test_mutated_spec_is_checked_or_rejected_with_spec_error(
        edits: list[tuple[str, int, str]]) -> None:
    """Whatever the edit, the front end and engine either work or raise SpecError."""
    text = mutate(edits)
    try:
        spec = load_text(text, "mutant.spec")
        for variant in spec.variants:
            _, v = run_variant(spec, variant, RunConfig(limits=Limits(max_states=400)))
            assert v.result in {"holds", "violated", "incomplete"}
    except SpecError as e:
        assert e.message
        assert e.pos.line >= 0 and e.pos.col >= 0
