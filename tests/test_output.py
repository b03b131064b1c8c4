"""What `mcheck SPEC` prints for a person: each verdict against its expect line, one line per
variant and a bottom line, traces only when they are news, lints only when they are true.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

import modelcheck.app.check_spec
import modelcheck.app.progress
from modelcheck.app.cli import main
from modelcheck.app.pipeline import run_variant
from tests.conftest import write
from tests.test_progress import WIDE, Terminal
from tests.test_report_html import VIOLATES

# a violates bounds as it says; b says it holds, but overflows the same way
MIXED = VIOLATES.replace("expect b violates bounds;", "expect b holds;")

# v.t waits for y == 1, which no step makes true (z3 cannot tell: y is a variable)
NEVER = """
var x: 0..3 = 0;
var y: 0..1 = 0;
thread w() { s: { await x < 3; x = x + 1; goto s; } }
thread v() { t: { await y == 1; } }
start w();
start v();
option deadlock = false;
"""


def _tail(out: str, n: int) -> list[str]:
    return out.rstrip("\n").splitlines()[-n:]


def test_one_line_per_variant_and_a_bottom_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main([write(tmp_path, MIXED), "-q", "--no-report"]) == 1
    out = capsys.readouterr().out
    assert [re.sub(r" +", " ", line) for line in _tail(out, 3)] == [
        "a ok violates bounds, as expected",
        "b UNEXPECTED violates bounds; expected: holds",
        "2 variants: 1 as expected, 1 UNEXPECTED"]
    assert out.count("Counterexample for bounds") == 1  # b's, the unexpected one
    assert "1 trace not shown (as expected); --traces all shows them" in out


@pytest.mark.parametrize(("traces", "shown"), [("all", 2), ("none", 0), ("unexpected", 1)])
def test_traces_option(tmp_path: Path, capsys: pytest.CaptureFixture[str], traces: str,
                       shown: int) -> None:
    assert main([write(tmp_path, MIXED), "-q", "--no-report", "--traces", traces]) == 1
    assert capsys.readouterr().out.count("Counterexample for bounds") == shown


def test_all_as_expected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = MIXED.replace("expect b holds;", "expect b violates bounds;")
    assert main([write(tmp_path, src), "-q", "--no-report"]) == 0
    out = capsys.readouterr().out
    assert _tail(out, 1) == ["2 variants, all as expected"]
    assert "Counterexample" not in out


def test_variants_not_run_after_ctrl_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while b starts: a is reported and written, b is named, exit 3."""
    def run(spec, variant, config, progress):  # type: ignore[no-untyped-def]
        if variant == "b":
            raise KeyboardInterrupt
        return run_variant(spec, variant, config, progress)

    monkeypatch.setattr(modelcheck.app.check_spec, "run_variant", run)
    out_json = tmp_path / "v.json"
    assert main([write(tmp_path, MIXED), "-q", "--no-report", "--json", str(out_json)]) == 3
    lines = [re.sub(r" +", " ", line) for line in _tail(capsys.readouterr().out, 3)]
    assert lines[0] == "a ok violates bounds, as expected"
    assert lines[1].startswith("b not run interrupted")
    assert lines[2] == "2 variants: 1 as expected, 1 not run"
    assert [d["variant"] for d in json.loads(out_json.read_text())] == ["a"]


def test_lints_only_after_a_complete_search(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    spec = write(tmp_path, NEVER)
    assert main([spec, "-q", "--no-report", "--max-states", "2"]) == 3
    assert "\n  lint " not in capsys.readouterr().out
    assert main([spec, "-q", "--no-report"]) == 0
    out = capsys.readouterr().out
    group = out.index("  lint never-fired:\n")
    assert "v.t never fired" in out[group:].splitlines()[1]


@pytest.mark.parametrize("args", [["--store", "fingerprint"], ["--workers", "2"]])
def test_not_computed_lint_without_stored_states(tmp_path: Path, args: list[str]) -> None:
    """No stored states, no never-fired lint: said as such, not as 'nothing found'."""
    out_json = tmp_path / "v.json"
    assert main([write(tmp_path, NEVER), "-q", "--no-report", "--engine", "python",
                 "--json", str(out_json), *args]) == 0
    assert [lint["kind"] for lint in json.loads(out_json.read_text())["lints"]] == \
        ["not-computed"]
    assert main([write(tmp_path, NEVER), "-q", "--no-report", "--engine", "python",
                 "--json", str(out_json)]) == 0
    assert "never-fired" in [lint["kind"] for lint in json.loads(out_json.read_text())["lints"]]


def test_progress_line_is_erased_at_the_end(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modelcheck.app.check_spec, "PROGRESS_EVERY", 0.0)
    monkeypatch.setattr(modelcheck.app.progress, "SHOW_AFTER", 0.0)
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main([write(tmp_path, WIDE), "--no-report", "--engine", "python"]) == 0
    shown = term.getvalue()
    last = shown.rindex("states/s")
    assert "\x1b[2K" in shown[last:]  # the line is cleared after its last redraw
    assert shown.endswith("\x1b[2K")


def test_report_says_how_it_was_made(tmp_path: Path) -> None:
    """The HTML page carries what a bug report needs to reproduce the run."""
    src = "const N = 1;\n" + MIXED
    spec = write(tmp_path, src)
    page_path = tmp_path / "r.html"
    assert main([spec, "-q", "--variant", "b", "-D", "N=2", "--max-depth", "9",
                 "--report", str(page_path)]) == 1
    page = page_path.read_text(encoding="utf-8")
    block = page[page.index('id="provenance"'):page.index("</details>")]
    digest = hashlib.sha256(src.encode()).hexdigest()
    for row in ("<th>mcheck</th>", f"mcheck {spec} -q --variant b -D N=2 --max-depth 9",
                "N = 2", "depth 9", f"SHA-256 {digest}", "every counterexample certified by z3",
                " UTC</code>"):
        assert row in block, row


def test_each_trace_step_names_its_spec_line(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """w.s is written on line 4 of MIXED (after its leading newline and `variants`, `var`)."""
    assert MIXED.splitlines()[3].startswith("thread w() { s:")
    assert main([write(tmp_path, MIXED), "-q", "--no-report", "--variant", "b"]) == 1
    rows = [line.split() for line in capsys.readouterr().out.splitlines()
            if re.match(r"\s+[1-4]\s+0\s+w\.s", line)]
    assert [row[:4] for row in rows] == [[str(n), "0", "w.s", "4"] for n in range(1, 5)]
