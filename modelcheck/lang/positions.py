"""Where a node of lark's tree starts, as the `Pos` every error message points at.

Each syntax node carries the position of its text, so that the checker's errors, long
after parsing, can point at the right line and column. Lark gives positions in two forms,
a rule's `meta` and a token's own fields, either of which may be missing (0 then); the
three rule sets of the parser's transformer all read them through these two functions.
"""

from __future__ import annotations

from typing import Any

from lark import Token

from .errors import Pos


def meta_pos(meta: Any) -> Pos:
    return Pos(getattr(meta, "line", 0) or 0, getattr(meta, "column", 0) or 0)


def token_pos(tok: Token) -> Pos:
    return Pos(tok.line or 0, tok.column or 0)
