"""Ctrl-C, SIGTERM and an overrun time limit reach every stage as one exception.

A run can spend its time anywhere: parsing a huge spec, enumerating initial states,
a quantifier over a billion values, replaying traces, z3, lints. The searches already
turn `KeyboardInterrupt` into an "interrupted" note and keep what they found; making
SIGTERM and a time limit raise the same exception (recording why) lets every other
stage stop the same way, so a run always ends with what it has, "incomplete", exit 3.

The time limit is also checked by each search in its loop; the alarm here is the
backstop for the code that does not check (generated init and invariant code, the
checker), firing `GRACE` seconds later so a search's own, more precise, note wins.
"""

from __future__ import annotations

import math
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

GRACE = 0.25  # seconds past --time-limit before the alarm stops whatever runs


class TimeUp(KeyboardInterrupt):
    """The time limit ran out in a stage that does not watch the clock: this variant
    stops, the next one still runs (Ctrl-C and SIGTERM stop them all)."""


_why: list[str] = []  # what the last signal was, for the run's notes


def install() -> None:
    """SIGTERM ends a run as Ctrl-C does, and both say which it was."""
    try:
        signal.signal(signal.SIGTERM, _terminated)
        signal.signal(signal.SIGINT, _interrupted)
    except ValueError:  # not the main thread (mcheck run from a library): leave them
        pass


def settled(exiting: bool) -> None:
    """The results are out: a signal from now on changes nothing. A process about to exit
    ignores it (or the exit code would become 'killed by SIGINT'); a caller in-process
    (a test) gets Python's defaults back."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN if exiting else signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_IGN if exiting else signal.SIG_DFL)
    except ValueError:  # not the main thread: install() changed nothing
        pass


def _interrupted(signum: int, frame: FrameType | None) -> None:
    _stop("interrupted (Ctrl-C)")


def _terminated(signum: int, frame: FrameType | None) -> None:
    _stop("interrupted (SIGTERM)")


def _stop(why: str) -> None:
    """Raise the interrupt; from now on, objects the interrupt left half-built (z3's, whose
    destructors then fail) are dropped without the 'Exception ignored' noise."""
    _why[:] = [why]
    sys.unraisablehook = _quiet
    raise KeyboardInterrupt


def _quiet(unraisable: object) -> None:
    """Say nothing: the run is stopping and these are consequences, not news."""


def reason() -> str:
    """Why the last KeyboardInterrupt was raised, in the words of the run's notes."""
    return _why[0] if _why else "interrupted"


def explain(notes: list[str]) -> list[str]:
    """The notes with a search's bare "interrupted" replaced by why it was."""
    return [reason() if n == "interrupted" else n for n in notes]


def ends_run(notes: list[str]) -> bool:
    """Whether a variant's notes say a signal stopped it, so no other variant should start
    (a time limit stops only the variant it limits)."""
    return any(n.startswith("interrupted") for n in notes)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise TimeUp in this (main) thread once `seconds` + GRACE have passed, or sooner
    when an enclosing limit runs out first (that one is restored after)."""
    _why.clear()
    if seconds is None or not math.isfinite(seconds):
        yield
        return
    outer = signal.getitimer(signal.ITIMER_REAL)[0]  # 0: no enclosing limit

    def up(signum: int, frame: FrameType | None) -> None:
        _why[:] = [f"time limit of {seconds:g} s reached"]
        raise TimeUp

    start = time.monotonic()
    wait = min(outer, seconds + GRACE) if outer else seconds + GRACE
    before = signal.signal(signal.SIGALRM, up)
    signal.setitimer(signal.ITIMER_REAL, wait)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
        if outer:
            signal.setitimer(signal.ITIMER_REAL,
                             max(1e-3, outer - (time.monotonic() - start)))
