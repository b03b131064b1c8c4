"""Errors that name the likely mistake (issue 15, item 8): parse failures read against the
source text (`lang/parse_hints.py`), and a start line over the state, which used to be
an 'unknown name' when no `threads` line sized the pool first."""

from __future__ import annotations

import pytest

from tests.conftest import spec_error

STEP = "thread w() {\n  a: { %s }\n}\nstart w();\n"
VAR = "var x: 0..3 = 0;\n"


@pytest.mark.parametrize("src, line, col, message", [
    # `invariant` after a missing ';' is lexed as `in` + `variant` (no name is allowed there)
    ("def f(): bool = true\ninvariant I: f();\n" + STEP % "skip;", 1, 21,
     "missing ';' after 'true' (line 1 continues into line 2, which starts with 'invariant')"),
    (VAR + "invariant I: x < 3\ninvariant J: x < 2;\n" + STEP % "skip;", 2, 19,
     "missing ';' after '3' (line 2 continues into line 3, which starts with 'invariant')"),
    (VAR + STEP % "skip;" + "invariant I: x < 3\n", 6, 19,
     "missing ';' at the end of the file, after '3'"),
    ("thread w() { a: { skip; } }\nstart w()", 2, 10,
     "missing ';' at the end of the file, after ')'"),
    ("def f(): bool = true  // a comment\n// another\ninvariant I: f();\n" + STEP % "skip;",
     1, 21, "missing ';' after 'true' (line 1 continues into line 3"),
    (VAR + STEP % "skip;" + "invariant I: x < 3  // the end\n", 6, 19,
     "missing ';' at the end of the file, after '3'"),
    (VAR + "thread w() {\n  a: { assert x < 3, \"a//b\"\n  x = 1; }\n}\nstart w();\n", 3, 28,
     "missing ';' after '\"a//b\"' (line 3 continues into line 4"),
    (VAR + STEP % "x = 1 x = 2;", 3, 14, "missing ';' before 'x'"),
    (VAR + STEP % "await x == 1 and x == 2;", 3, 21, "'and' is not an operator here: write '&&'"),
    (VAR + STEP % "if x == 1 { x = 2; } elif x == 2 { x = 3; }", 3, 29,
     "'elif' is not a keyword: write 'else if'"),
    (VAR + STEP % "x++;", 3, 9, "'++' is not an operator"),
    (VAR + STEP % "x += 1;", 3, 10, "'+=' is not an operator"),
    (VAR + STEP % "if x = 1 { x = 2; }", 3, 13, "'=' assigns; to compare, write '=='"),
    (VAR + STEP % "await x = 1;", 3, 16, "'=' assigns; to compare, write '=='"),
    (VAR + STEP % "for (i = 0; i < 3; i = i + 1) { x = 1; }", 3, 12,
     "'for' ranges over a set, inside the one step"),
    (VAR + "thread w() {\n  x = 1;\n}\nstart w();\n", 3, 3,
     "'x' starts a statement outside any step"),
])
def test_parse_errors_name_the_likely_mistake(src: str, line: int, col: int,
                                              message: str) -> None:
    err = spec_error(src)
    assert message in err.message
    assert (err.pos.line, err.pos.col) == (line, col)


@pytest.mark.parametrize("src, message", [
    (VAR + STEP % "x = = 1;", "unexpected '='; expected an expression"),
    (VAR + "thread w() = { a: { skip; } }\nstart w();\n", "unexpected '='; expected '{'"),
])
def test_no_hint_where_the_token_says_it(src: str, message: str) -> None:
    """A second '=' or '=' after a thread's header is not a comparison written wrong."""
    assert message in spec_error(src).message


@pytest.mark.parametrize("threads", ["", "threads 3;\n"])
@pytest.mark.parametrize("domain, name, col", [
    ("members", "'members' is a variable", 21),
    ("0..hi", "'hi' is a variable", 24),
    ("members()", "members() is a definition, which may read the state", 21),
])
def test_start_lines_over_the_state_are_refused_with_their_place(
        threads: str, domain: str, name: str, col: int) -> None:
    """With or without a `threads` line (which decides when the pool is sized), the same
    located reason, never 'unknown name'."""
    decl = "def members(): set of 0..2 = {0, 2};\n" if domain.endswith(")") else \
        "var members: set of 0..2 = {0, 2};\nvar hi: 0..2 = 1;\n"
    src = threads + decl + "thread p(me: 0..2) { a: { skip; } }\n" + \
        f"start p(k) for k in {domain};\n"
    err = spec_error(src)
    assert f"start ... for k in ...: {name}, but the threads a spec starts must be known " \
           "before the search" in err.message
    assert (err.pos.line, err.pos.col) == (src.count("\n"), col)
