r"""Parse failures whose cause the failing token hides, found by reading the source text.

`parse_errors` names the token lark stopped at; here are the mistakes for which that token
is misleading:

- a `;` missing before a line that starts with a keyword lark could split: where no name
  is allowed the contextual lexer reads `invariant` as `in` + `variant` and `index` as
  `in` + `dex`, so the error lands inside the word, or later;
- a `;` missing where lark's parse stack kept no previous token, at the end of the file,
  or between two statements on one line (`x = 1 y = 2;`);
- operators and keywords of other languages: `and`/`or` for `&&`/`||`, `elif`, `x++`,
  `x += 1`, `=` where a comparison was meant, C's `for (...)` and `if (c) x;`, a
  statement outside a step, TLA+'s `\in`, `\cup`, `/\`, ... (a backslash the lexer stops at).
"""

from __future__ import annotations

import re

from lark import Token

from .errors import Pos, SpecError

_OTHER_LANGUAGES = {
    "and": "'and' is not an operator here: write '&&'",
    "or": "'or' is not an operator here: write '||'",
    "elif": "'elif' is not a keyword: write 'else if'",
}
_WORD_TOKENS = ("NAME", "PROPNAME")
# C's loop header up to where the parser stops: `for (` and at most one word (`for (int i`,
# `for (i =`); a tuple pattern, `for (a, b) in S`, goes on with ',' or ')'
_C_FOR = re.compile(r"\bfor\s*(\()\s*(?:[A-Za-z_]\w*\s*)?$")


def likely_mistake(tok: Token, prev: Token | None, accepts: set[str],
                   text: str) -> SpecError | None:
    """The mistake the source text shows around a parse failure at `tok`, or None."""
    split = _split_word(text, [t for t in (prev, tok) if t is not None])
    if split is not None:
        return _missing_before(text, *split) or SpecError(
            f"unexpected '{split[1]}'", _pos(text, split[0]))
    if tok.type == "$END":
        if "SEMICOLON" in accepts:
            end, last = _text_before(text, len(text))
            return SpecError(f"missing ';' at the end of the file, after '{last}'",
                             _pos(text, end))
        return None
    word = str(tok.value)
    if word in _OTHER_LANGUAGES and tok.type in _WORD_TOKENS:
        return SpecError(_OTHER_LANGUAGES[word], _pos(text, tok.start_pos))
    if prev is not None and prev.type in _WORD_TOKENS and prev.value in _OTHER_LANGUAGES:
        return SpecError(_OTHER_LANGUAGES[prev.value], _pos(text, prev.start_pos))
    pair = text[tok.start_pos:tok.start_pos + 2]
    if pair in ("++", "--", "+=", "-=", "*=", "/="):
        return SpecError(f"'{pair}' is not an operator: assign the new value, as in "
                         "'x = x + 1;'", _pos(text, tok.start_pos))
    c_for = _C_FOR.search(text, 0, tok.start_pos)
    if c_for is not None and tok.type not in ("COMMA", "RPAR"):  # not `for (a, b) in S`
        return SpecError("'for' ranges over a set, inside the one step: 'for i in 0..2 { ... }'",
                         _pos(text, c_for.start(1)))
    if accepts and accepts <= {"COLON", "WHEN"} and prev is not None:
        return SpecError(f"'{prev.value}' starts a statement outside any step: a thread's body "
                         "is a list of steps, each 'label: { statements }'",
                         _pos(text, prev.start_pos))
    if tok.type == "EQUAL" and (prev is None or prev.type != "RPAR") and "INT" not in accepts \
            and accepts & {"CMPOP", "SEMICOLON", "LBRACE"}:  # not `thread t() = {`, `x = = 1`
        return SpecError("'=' assigns; to compare, write '=='", _pos(text, tok.start_pos))
    if tok.type == "BANG" and prev is not None and prev.type in ("CMPOP", "IN", "NOT"):
        return SpecError(f"'!' binds less tightly than '{prev.value}' (as Python's 'not'): "
                         "put the negation in parentheses, as in 'x == (!y)'",
                         _pos(text, tok.start_pos))
    if prev is not None and prev.type == "RPAR" and "LBRACE" in accepts and \
            re.search(r"\bif\s*\(", text[text.rfind("\n", 0, tok.start_pos) + 1:
                                            tok.start_pos]) is not None and \
            tok.type != "LBRACE":
        return SpecError("an 'if' takes its statements in braces: 'if c { ... }'",
                         _pos(text, tok.start_pos))
    if "SEMICOLON" in accepts:
        missing = _missing_before(text, tok.start_pos, word)
        if missing is None and tok.type in _WORD_TOKENS:
            return SpecError(f"missing ';' before '{word}'", _pos(text, tok.start_pos))
        return missing
    return None


# TLA+'s ASCII operators, which a spec writer coming from TLA+ types by habit
_TLA_OPERATORS = {"in": "in", "notin": "not in", "cup": "|", "union": "|", "cap": "&",
                  "intersect": "&", "subseteq": "<=", "A": "forall x in S : ...",
                  "E": "exists x in S : ...", "/": "||", "lnot": "!", "neg": "!",
                  "land": "&&", "lor": "||"}


def tla_operator(text: str, at: int) -> SpecError | None:
    """The error for a backslash at offset `at` that starts one of TLA+'s operators (or
    ends `/\\`): what this language writes instead."""
    if text[at - 1:at] == "/":
        return SpecError("'/\\' is TLA+'s; write '&&'", _pos(text, at - 1))
    word = re.match(r"\\([A-Za-z]+|/)", text[at:])
    if word is None or word.group(1) not in _TLA_OPERATORS:
        return None
    return SpecError(f"'{word.group(0)}' is TLA+'s; write '{_TLA_OPERATORS[word.group(1)]}'",
                     _pos(text, at))


def _split_word(text: str, tokens: list[Token]) -> tuple[int, str] | None:
    """A word of the text that the lexer cut into tokens: its start and the whole word."""
    for t in tokens:
        if t.start_pos is None or not str(t.value).isidentifier():
            continue
        start, end = t.start_pos, t.end_pos
        while start > 0 and _wordy(text[start - 1]):
            start -= 1
        while end < len(text) and _wordy(text[end]):
            end += 1
        if (start, end) != (t.start_pos, t.end_pos):
            return start, text[start:end]
    return None


def _missing_before(text: str, start: int, word: str) -> SpecError | None:
    """`missing ';'` when the text at `start` begins a line after the previous text."""
    end, last = _text_before(text, start)
    line, later = _pos(text, end).line, _pos(text, start).line
    if later <= line:
        return None
    return SpecError(f"missing ';' after '{last}' (line {line} continues into line {later}, "
                     f"which starts with '{word}')", _pos(text, end))


def _text_before(text: str, at: int) -> tuple[int, str]:
    """The end of the text before offset `at` (blanks and line comments skipped) and its
    last word or sign."""
    end = len(text[:at].rstrip())
    while True:
        line = text.rfind("\n", 0, end) + 1
        cut = text.find("//", line, end)  # the first one: a comment runs to the line's end
        if cut < 0 or text.count('"', line, cut) % 2:  # none, or inside a string
            break
        end = len(text[:cut].rstrip())
    start = end - 1
    while start > 0 and _wordy(text[end - 1]) and _wordy(text[start - 1]):
        start -= 1
    return end, text[start:end]


def _wordy(c: str) -> bool:
    return c.isalnum() or c == "_"


def _pos(text: str, offset: int) -> Pos:
    """The line and column of an offset; the column of an end is just past its text."""
    line_start = text.rfind("\n", 0, offset) + 1
    return Pos(text.count("\n", 0, offset) + 1, offset - line_start + 1)
