"""Lark's parse failures, told in the spec writer's words.

Lark reports a syntax error with the names of grammar terminals (`SEMICOLON`, `$END`) and
a position that is missing at the end of the file; a user needs "expected ';'" at a line
and column. The translation lives apart from the grammar's rules because it only depends
on what lark raises, and every failure of the parse goes through it, so no lark exception
reaches a user.
"""

from __future__ import annotations

import lark
from lark import Token

from .errors import Pos, SpecError

# How terminals are named in "expected ..." messages.
_READABLE = {
    "NAME": "a name", "PROPNAME": "a property name", "INT": "a number",
    "STRING": "a string", "CMPOP": "a comparison", "ADDOP": "'+' or '-'",
    "MULOP": "'*', '/' or '%'", "SEMICOLON": "';'", "COLON": "':'", "COMMA": "','",
    "LPAR": "'('", "RPAR": "')'", "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['",
    "RSQB": "']'", "EQUAL": "'='", "DOT": "'.'", "QMARK": "'?'", "VBAR": "'|'",
    "AMPERSAND": "'&'", "BANG": "'!'", "MINUS": "'-'", "$END": "end of file", "AT": "'@'",

}


def syntax_error(e: lark.UnexpectedToken | lark.UnexpectedCharacters | lark.UnexpectedEOF,
                 text: str, parser: lark.Lark) -> SpecError:
    """The located SpecError for a parse of `text` that failed, naming what was found and
    what would have been accepted there."""
    if isinstance(e, lark.UnexpectedToken):
        tok = e.token
        line = tok.line if tok.line is not None and tok.type != "$END" else _last_line(text)
        col = tok.column if tok.column is not None and tok.type != "$END" else _last_col(text)
        expected = _expected(e.accepts or e.expected, parser)
        suspects = [tok]
        if set(e.accepts or e.expected) == {"LPAR"} and e.token_history:
            suspects.append(e.token_history[-1])  # `count + 1`: count(...) was expected
        return SpecError(f"unexpected {_token_text(tok)}{expected}", Pos(line, col),
                         _reserved_hint(suspects))
    if isinstance(e, lark.UnexpectedCharacters):
        bad = text[e.pos_in_stream] if e.pos_in_stream < len(text) else "?"
        return SpecError(f"unexpected character '{bad}'{_expected(e.allowed or set(), parser)}",
                         Pos(e.line, e.column))
    return SpecError(f"unexpected end of file{_expected(set(e.expected), parser)}",
                     Pos(_last_line(text), _last_col(text)))


def _readable(term: str, parser: lark.Lark) -> str:
    if term in _READABLE:
        return _READABLE[term]
    for t in parser.terminals:
        if t.name == term and t.pattern.type == "str":
            return f"'{t.pattern.value}'"
    return term.lower()


def _expected(names: set[str], parser: lark.Lark) -> str:
    if {"INT", "NAME", "LPAR"} <= names:
        return "; expected an expression"
    if {"THREAD", "VAR", "CONST"} <= names:
        return "; expected a declaration (const, var, thread, start, invariant, ...)"
    items = sorted({_readable(n, parser) for n in names})
    if len(items) > 8:
        return ""
    return "; expected " + (items[0] if len(items) == 1 else "one of " + ", ".join(items))


def _token_text(tok: Token) -> str:
    return "end of file" if tok.type == "$END" else f"'{tok.value}'"


def _reserved_hint(tokens: list[Token]) -> str | None:
    """Name the reserved word when one stands where the user probably meant a name."""
    for tok in tokens:
        if tok.type not in ("NAME", "PROPNAME") and str(tok.value).isidentifier() \
                and tok.type != "$END":
            return f"'{tok.value}' is a reserved word; it cannot be used as a name"
    return None


def _last_line(text: str) -> int:
    return max(1, text.rstrip().count("\n") + 1)


def _last_col(text: str) -> int:
    stripped = text.rstrip()
    return len(stripped) - (stripped.rfind("\n") + 1) + 1
