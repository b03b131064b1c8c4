"""What a first-hour user met writing specs/examples/lang_dtv.spec from the README alone:
each friction now has an error that names what to write, checked here with its place."""

from __future__ import annotations

import pytest

from tests.conftest import spec_error

SPEC = """var loaded: set of 0..2 = {0};
var gen: 0..2 = 0;
thread t() { a: { %s } }
start t();
"""


@pytest.mark.parametrize(("stmt", "col", "message", "note"), [
    ("loaded = loaded \\cup {1};", 35, "'\\cup' is TLA+'s; write '|'", None),
    ("if 1 \\in loaded { skip; }", 24, "'\\in' is TLA+'s; write 'in'", None),
    ("if 1 \\notin loaded { skip; }", 24, "'\\notin' is TLA+'s; write 'not in'", None),
    ("if 1 in loaded /\\ gen == 0 { skip; }", 34, "'/\\' is TLA+'s; write '&&'", None),
    ("if 1 in loaded \\/ gen == 0 { skip; }", 34, "'\\/' is TLA+'s; write '||'", None),
    ("if \\E m \\in loaded : m == 1 { skip; }", 22,
     "'\\E' is TLA+'s; write 'exists x in S : ...'", None),
    ("if (1 in loaded) skip;", 36, "an 'if' takes its statements in braces: 'if c { ... }'",
     None),
    ("if gen == !true { skip; }", 29, "'!' binds less tightly than '==' (as Python's 'not'): "
     "put the negation in parentheses, as in 'x == (!y)'", None),
    ("loaded = loaded + {1};", 35, "'+' needs ints, got set of 0..2 and set of 0..2",
     "a union of sets is 'S | T' (TLA+'s \\cup)"),
    ("let n = len(loaded);", 31, "len() needs a sequence, got set of 0..2",
     "size(S) counts a set's members"),
])
def test_each_friction_says_what_to_write(stmt: str, col: int, message: str,
                                          note: str | None) -> None:
    e = spec_error(SPEC % stmt)
    assert (e.pos.line, e.pos.col, e.message, e.hint) == (3, col, message, note)


def test_an_unknown_backslash_word_still_names_the_character() -> None:
    assert spec_error(SPEC % "if 1 \\foo loaded { skip; }").message.startswith(
        "unexpected character '\\'")


@pytest.mark.parametrize("decl", ["var s: set of tuple(0..1, 0..1) in {{(0, 1)}, {}};",
                                  "var s: tuple(0..1, 0..1) in {(0, 1), (1, 0)};",
                                  "var s: array[0..1] of bool in {[true], [false]};"])
def test_initial_choices_of_a_compound_value_say_what_to_write(decl: str) -> None:
    e = spec_error(decl + "\nthread t() { a: { skip; } }\nstart t();\n")
    assert e.pos.line == 1 and e.message.startswith(
        "'var s: T in S' takes a scalar T or a set of scalars; for ") and \
        e.message.endswith("write 'in any' and an 'init' line: 'init s == a || s == b;'")
