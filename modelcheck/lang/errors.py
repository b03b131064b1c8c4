"""Located, user-facing errors.

Every problem with an input file becomes a `SpecError` carrying a position, so
that the command line can print `file:line:col: error: ...` with the source
line and a caret instead of a Python traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pos:
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


NOWHERE = Pos(0, 0)


class SpecError(Exception):
    """A problem in a spec file (syntax, names, types) or in a -D override."""

    def __init__(self, message: str, pos: Pos = NOWHERE, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.hint = hint

    def render(self, filename: str, source: str) -> str:
        text = located(filename, source, self.pos, f"error: {self.message}")
        return text + (f"\n  note: {self.hint}" if self.hint else "")


def located(filename: str, source: str, pos: Pos, message: str) -> str:
    """`file:line:col: message`, then the source line and a caret under the column: how
    every located message (a spec error, an evaluation error in a trace) is shown."""
    if pos.line <= 0:
        return f"{filename}: {message}"
    lines = source.splitlines()
    text = f"{filename}:{pos.line}:{pos.col}: {message}"
    if pos.line <= len(lines):
        src = lines[pos.line - 1].expandtabs(1)
        text += f"\n  {src}\n  {' ' * (pos.col - 1)}^"
    return text


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelled name, or None."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
