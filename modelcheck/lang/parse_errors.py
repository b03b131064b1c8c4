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
from .parse_hints import likely_mistake, tla_operator

# How terminals are named in "expected ..." messages.
_READABLE = {
    "NAME": "a name", "PROPNAME": "a property name", "INT": "a number",
    "STRING": "a string", "CMPOP": "a comparison", "ADDOP": "'+' or '-'",
    "MULOP": "'*', '/' or '%'", "SEMICOLON": "';'", "COLON": "':'", "COMMA": "','",
    "LPAR": "'('", "RPAR": "')'", "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['",
    "RSQB": "']'", "EQUAL": "'='", "DOT": "'.'", "QMARK": "'?'", "VBAR": "'|'",
    "AMPERSAND": "'&'", "BANG": "'!'", "MINUS": "'-'", "$END": "end of file", "AT": "'@'",
    "SUM_OPEN": "'sum('", "PICK_OPEN": "'pick('",

}


def syntax_error(e: lark.UnexpectedToken | lark.UnexpectedCharacters | lark.UnexpectedEOF,
                 text: str, parser: lark.Lark) -> SpecError:
    """The located SpecError for a parse of `text` that failed, naming what was found and
    what would have been accepted there."""
    if isinstance(e, lark.UnexpectedToken):
        tok = e.token
        line = tok.line if tok.line is not None and tok.type != "$END" else _last_line(text)
        col = tok.column if tok.column is not None and tok.type != "$END" else _last_col(text)
        accepts = set(e.accepts or e.expected)
        prev = e.token_history[-1] if e.token_history else None
        likely = _likely_mistake(tok, prev, accepts) or likely_mistake(tok, prev, accepts, text)
        if likely is not None:
            return likely
        expected = _expected(accepts, parser)
        suspects = [tok]
        if set(e.accepts or e.expected) == {"LPAR"} and e.token_history:
            suspects.append(e.token_history[-1])  # `count + 1`: count(...) was expected
        return SpecError(f"unexpected {_token_text(tok)}{expected}", Pos(line, col),
                         _reserved_hint(suspects))
    if isinstance(e, lark.UnexpectedCharacters):
        bad = text[e.pos_in_stream] if e.pos_in_stream < len(text) else "?"
        tla = tla_operator(text, e.pos_in_stream) if bad == "\\" else None
        if tla is not None:
            return tla
        return SpecError(f"unexpected character '{bad}'{_expected(e.allowed or set(), parser)}",
                         Pos(e.line, e.column))
    return SpecError(f"unexpected end of file{_expected(set(e.expected), parser)}",
                     Pos(_last_line(text), _last_col(text)))


# Loops as other languages write them: a step runs once, so this spec language has none.
_LOOPS = {"while", "for", "do", "loop", "until"}


def _likely_mistake(tok: Token, prev: Token | None, accepts: set[str]) -> SpecError | None:
    """The mistake a user most likely made, where the token lark stopped at says little:
    a `;` missing at the end of the previous line (the next line's first word is then
    "unexpected"), or a loop keyword written as a statement."""
    if prev is not None and prev.type == "NAME" and prev.value in _LOOPS \
            and tok.type != "EQUAL":
        return SpecError(f"'{prev.value}' is not a statement: a step runs once, as one atomic "
                         "action, so there are no loops inside it", Pos(prev.line, prev.column),
                         "repeat by jumping back to an earlier step: "
                         "'a: { if x < 3 { x = x + 1; goto a; } }'")
    if "SEMICOLON" in accepts and prev is not None and prev.end_line is not None \
            and tok.line is not None and tok.type != "$END" and tok.line > prev.end_line:
        return SpecError(f"missing ';' after '{prev.value}' (line {prev.end_line} continues "
                         f"into line {tok.line})", Pos(prev.end_line, prev.end_column))
    return None


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
