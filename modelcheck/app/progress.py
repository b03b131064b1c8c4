"""The live progress line on stderr, and whether the terminal gets colour at all.

A search of a second or less needs no progress, and a log file or a pipe must not fill up
with redraws, so the line appears only on a terminal, only after SHOW_AFTER seconds, and is
erased when the search ends. The search reports every PROGRESS_EVERY seconds (it checks
the clock every 1024 states), which redraws the line about four times a second.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console
from rich.live import Live
from rich.text import Text

from ..engine.outcome import Progress

PROGRESS_EVERY = 0.25
SHOW_AFTER = 1.0


def colour(stream: IO[str]) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


class LiveProgress:
    """A progress callback for `search` that redraws one status line in place."""

    def __init__(self, label: str, stream: IO[str]):
        self.label = label
        self.console = Console(file=stream, highlight=False, no_color=not colour(stream))
        self.live: Live | None = None

    def __call__(self, p: Progress) -> None:
        if p.seconds < SHOW_AFTER:
            return
        if self.live is None:
            self.live = Live(console=self.console, auto_refresh=False, transient=True)
            self.live.start()
        rate = p.states / p.seconds if p.seconds > 0 else 0.0
        line = Text.assemble(
            (self.label, "bold"),
            f"  {p.seconds:.1f} s: {p.states:,} states, depth {p.depth}, queue {p.queue:,}, "
            f"{rate:,.0f} states/s",
            no_wrap=True, overflow="ellipsis")  # one line, even on a narrow terminal
        self.live.update(line, refresh=True)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


@contextmanager
def live_progress(label: str, quiet: bool, stream: IO[str]) -> Iterator[LiveProgress | None]:
    """A callback while the block runs, or None when stderr is no terminal or with -q."""
    if quiet or not stream.isatty():
        yield None
        return
    bar = LiveProgress(label, stream)
    try:
        yield bar
    finally:
        bar.close()
