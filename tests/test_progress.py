"""The live progress line and terminal colour: on for a terminal, off otherwise.

A fake terminal (a StringIO that says it is a tty) stands in for stderr and stdout, and
the thresholds are lowered so that a search of a few milliseconds reports progress.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import modelcheck.app.check_spec
import modelcheck.app.ci
import modelcheck.app.progress
from modelcheck.app.cli import main
from modelcheck.app.progress import live_progress
from modelcheck.engine.outcome import Progress
from tests.conftest import write
from tests.test_cli import VIOLATES

# 2,000 states, so the search looks at the clock (every 1024 states) more than once.
WIDE = """
var x: 0..1999 = 0;
thread w() { s: { await x < 1999; x = x + 1; goto s; } }
start w();
option deadlock = false;
"""



class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    """Report at every clock check and show the line at once."""
    monkeypatch.setattr(modelcheck.app.check_spec, "PROGRESS_EVERY", 0.0)
    monkeypatch.setattr(modelcheck.app.progress, "SHOW_AFTER", 0.0)


def test_no_progress_callback_off_a_terminal_or_when_quiet() -> None:
    with live_progress("x", False, io.StringIO()) as bar:
        assert bar is None
    with live_progress("x", True, Terminal()) as bar:
        assert bar is None


def test_progress_line_only_after_a_second() -> None:
    term = Terminal()
    with live_progress("spec v1", False, term) as bar:
        assert bar is not None
        bar(Progress(states=500, transitions=900, depth=3, queue=40, seconds=0.5))
        assert term.getvalue() == ""
        bar(Progress(states=12345, transitions=20000, depth=7, queue=321, seconds=2.0))
        shown = term.getvalue()
    for part in ("spec v1", "12,345 states", "depth 7", "queue 321", "6,172 states/s",
                 "2.0 s"):
        assert part in shown


def test_cli_progress_on_a_terminal(tmp_path: Path, eager: None,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main([write(tmp_path, WIDE)]) == 0
    assert "states/s" in term.getvalue()


def test_cli_no_progress_off_a_terminal(tmp_path: Path, eager: None,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The same run with stderr captured (not a terminal) writes nothing there."""
    assert main([write(tmp_path, WIDE)]) == 0
    assert capsys.readouterr().err == ""


def test_cli_no_progress_with_quiet(tmp_path: Path, eager: None,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main([write(tmp_path, WIDE), "-q"]) == 0
    assert term.getvalue() == ""


def test_ci_progress_on_a_terminal(tmp_path: Path, eager: None,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modelcheck.app.ci, "PROGRESS_EVERY", 0.0)
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["ci", write(tmp_path, WIDE)]) == 0
    assert "states/s" in term.getvalue()


def test_trace_in_colour_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    term = Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    assert main([write(tmp_path, VIOLATES), "-q"]) == 1
    assert "\x1b[" in term.getvalue()
    assert "Counterexample for bounds" in term.getvalue()


def test_no_colour_with_no_color_or_off_a_terminal(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    spec = write(tmp_path, VIOLATES)
    assert main([spec, "-q"]) == 1
    plain = capsys.readouterr().out
    assert "\x1b[" not in plain and "Counterexample for bounds" in plain
    monkeypatch.setenv("NO_COLOR", "1")
    term = Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    assert main([spec, "-q"]) == 1
    coloured = term.getvalue()
    assert "\x1b[" not in coloured
    assert coloured[coloured.index("Counterexample"):] == plain[plain.index("Counterexample"):]
