"""`mcheck ci`'s table: one row per variant, fitted to a 100-column terminal or CI log.

The paths and the lists of violated properties are what grows. A table too wide for the
page first names the folder every spec is in once, above it, and shows the paths below
that folder; a column still too wide is wrapped onto more lines (a path after a `/`, a
property list after a comma), so no line exceeds `WIDTH` and nothing is cut.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HEADINGS = ("spec", "variant", "expected", "actual", "states", "seconds", "status")
WIDTH = 100
NUMERIC = {HEADINGS.index("states"), HEADINGS.index("seconds")}
# the columns that give way and how narrow they may get, in turns: the property lists
# first (they wrap well, at commas), a path only when they are as narrow as they go
NARROWING = ({HEADINGS.index("expected"): 12, HEADINGS.index("actual"): 12},
             {HEADINGS.index("spec"): 16})


@dataclass
class Row:
    spec: str
    variant: str
    expected: str
    actual: str
    states: int | None
    seconds: float | None
    status: str  # ok, MISMATCH, INCOMPLETE, ERROR


def table(rows: Sequence[Row], width: int = WIDTH) -> str:
    cells = _cells(rows, "")
    if sum(_widths(cells)) + 2 * (len(HEADINGS) - 1) > width:
        folder = _folder(rows)
        cells = _cells(rows, folder)
    else:
        folder = ""
    widths = _fit(_widths(cells), width)
    lines = [f"specs in {folder}"] if folder else []
    for row in cells:
        parts = [_cell(k, v, w) for k, (v, w) in enumerate(zip(row, widths))]
        for n in range(max(map(len, parts))):
            texts = [p[n] if n < len(p) else "" for p in parts]
            lines.append("  ".join(t.rjust(w) if k in NUMERIC else t.ljust(w)
                                   for k, (t, w) in enumerate(zip(texts, widths))).rstrip())
    return "\n".join(lines)


def _cells(rows: Sequence[Row], folder: str) -> list[tuple[str, ...]]:
    """The headings, then each row's texts (the spec's path below `folder`)."""
    return [HEADINGS] + [
        (r.spec[len(folder):], r.variant, r.expected, r.actual,
         "-" if r.states is None else f"{r.states:,}",
         "-" if r.seconds is None else f"{r.seconds:.2f}", r.status) for r in rows]


def _widths(cells: list[tuple[str, ...]]) -> list[int]:
    return [max(len(row[k]) for row in cells) for k in range(len(HEADINGS))]


def _folder(rows: Sequence[Row]) -> str:
    """The folder (ending in `/`) every spec is in, or "" if they share none."""
    parents = {str(Path(r.spec).parent) for r in rows if r.spec}
    common = os.path.commonpath(parents) if parents else ""
    if common in ("", ".", "/") or any(not r.spec.startswith(common + "/") for r in rows):
        return ""
    return common + "/"


def _fit(widths: list[int], width: int) -> list[int]:
    """Narrow the widest column of the first turn that may still give way, one character
    at a time, until the line fits (or none may give way any more)."""
    widths = list(widths)
    for turn in NARROWING:
        while sum(widths) + 2 * (len(widths) - 1) > width:
            k = max((k for k, least in turn.items() if widths[k] > least),
                    key=lambda k: widths[k], default=None)
            if k is None:
                break
            widths[k] -= 1
    return widths


def _cell(k: int, text: str, w: int) -> list[str]:
    """The lines of one cell at width w."""
    if len(text) <= w:
        return [text]
    if k == HEADINGS.index("spec"):
        return _wrap_path(text, w)
    return textwrap.wrap(text, w, break_on_hyphens=False) or [""]


def _wrap_path(path: str, w: int) -> list[str]:
    """A path over lines of at most w characters, broken after a `/` (a name longer than
    a line is broken where it must be)."""
    lines: list[str] = []
    for part in (p for p in re.split(r"(?<=/)", path) if p):
        if lines and len(lines[-1]) + len(part) <= w:
            lines[-1] += part
        else:
            lines.append(part)
    return [line[i:i + w] for line in lines for i in range(0, len(line), w)]
