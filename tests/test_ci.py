"""`mcheck ci`: exit codes on matching and mismatching expectations, the table, the JUnit
file, the injected report writer, and options passed through to every search.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from modelcheck.app.ci import main as ci_main
from modelcheck.app.ci import parser as ci_parser
from modelcheck.app.ci import run_ci
from modelcheck.app.cli import main
from modelcheck.backends.python.system import TransitionSystem
from modelcheck.engine.verdict import Verdict
from modelcheck.report.provenance import Invocation
from tests.conftest import OSV, ROOT, VARIANTS
from tests.test_formats import validate_junit

HOLDS = """
const MAX = 3;
var x: 0..3 = 0;
thread w() { s: { await x < MAX; x = x + 1; goto s; } }
start w();
option deadlock = false;
"""

WRONG = VARIANTS.replace("expect original violates bounds;", "expect original holds;")


def specs(tmp_path: Path, **texts: str) -> Path:
    """A folder of spec files named after the keywords."""
    folder = tmp_path / "specs"
    folder.mkdir(exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.spec").write_text(text, encoding="utf-8")
    return folder


def table_rows(out: str) -> dict[tuple[str, str], dict[str, str]]:
    """Table rows keyed by (spec file name, variant), each cell by its column heading.

    A wide table names the specs' folder on a line of its own first. Each heading starts
    its column; a line with no variant continues the row above (a wrapped cell)."""
    lines = out.splitlines()
    if lines[0].startswith("specs in "):
        lines = lines[1:]
    heading = re.split(r"\s{2,}", lines[0].strip())
    assert heading == ["spec", "variant", "expected", "actual", "states", "seconds", "status"]
    starts = [lines[0].index(h) for h in heading] + [None]
    table: list[dict[str, str]] = []
    for line in lines[1:]:
        if not line.strip():
            break
        cells = {h: line[a:b].strip() for h, a, b in zip(heading, starts, starts[1:])}
        if cells["variant"]:
            table.append(cells)
        else:
            for h, text in cells.items():
                glue = "" if h == "spec" or table[-1][h].endswith("/") else " "
                table[-1][h] = (table[-1][h] + glue + text) if text else table[-1][h]
    return {(Path(r["spec"]).name, r["variant"]): r for r in table}


class Recorder:
    """A report writer that remembers what it was asked to write."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Path]] = []

    def __call__(self, ts: TransitionSystem, v: Verdict, path: Path,
                 run: Invocation | None = None) -> None:
        assert ts.model.variant == v.variant
        self.calls.append((Path(v.spec).name, v.variant, path))
        path.write_text("report", encoding="utf-8")


def test_exit_0_when_every_expectation_is_met(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Each variant one row: expected and actual verdicts, states, seconds, status ok."""
    folder = specs(tmp_path, counter=HOLDS, variants=VARIANTS)
    junit = tmp_path / "ci.xml"
    assert main(["ci", str(folder), "-q", "--junit", str(junit)]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert list(rows) == [("counter.spec", "default"), ("variants.spec", "original"),
                          ("variants.spec", "fixed")]
    assert [(r["expected"], r["actual"], r["states"], r["status"]) for r in rows.values()] == [
        ("holds", "holds", "4", "ok"),
        ("violates bounds", "violates bounds", "4", "ok"),
        ("holds", "holds", "4", "ok")]
    assert all(float(r["seconds"]) >= 0 for r in rows.values())
    root = validate_junit(junit)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "0", "0")


def test_table_columns_are_aligned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every column starts at the same place on every line; numbers are right-aligned."""
    folder = specs(tmp_path, counter=HOLDS, variants=VARIANTS)
    ci_main([str(folder), "-q"])
    lines = capsys.readouterr().out.splitlines()
    lines = lines[1:5] if lines[0].startswith("specs in ") else lines[:4]
    for word in ("variant", "expected", "actual", "status"):
        at = lines[0].index(word)
        assert all(line[at - 2:at] == "  " and line[at] != " " for line in lines[1:])
    end = lines[0].index("states") + len("states")
    assert all(line[end - 1].isdigit() and line[end] == " " for line in lines[1:])


def test_exit_1_and_a_report_on_a_mismatch(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """`original` is said to hold but overflows: MISMATCH, exit 1, and a report for it
    (and none for the variants that behave as expected and violate nothing)."""
    folder = specs(tmp_path, counter=HOLDS, variants=WRONG)
    recorder = Recorder()
    reports = tmp_path / "out"
    junit = tmp_path / "ci.xml"
    assert ci_main([str(folder), "-q", "--reports", str(reports), "--junit", str(junit)],
                   write_report=recorder) == 1
    out = capsys.readouterr().out
    rows = table_rows(out)
    original = rows[("variants.spec", "original")]
    assert (original["expected"], original["actual"], original["status"]) == \
        ("holds", "violates bounds", "MISMATCH")
    assert rows[("variants.spec", "fixed")]["status"] == "ok"
    assert recorder.calls == [("variants.spec", "original", reports / "variants-original.html")]
    assert (reports / "variants-original.html").read_text() == "report"
    assert f"report: {reports / 'variants-original.html'}" in out
    root = validate_junit(junit)
    assert root.get("failures") == "1"  # only original's bounds case


def test_no_report_for_expected_violations(tmp_path: Path) -> None:
    """A counterexample the expect line asks for is no news: ci writes no page for it."""
    folder = specs(tmp_path, variants=VARIANTS)
    recorder = Recorder()
    run = run_ci([str(folder)], write_report=recorder, reports=tmp_path / "r")
    assert run.exit_code == 0
    assert any(r.actual.startswith("violates") for r in run.rows)
    assert recorder.calls == []


def test_exit_2_on_a_spec_error_and_the_others_still_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = specs(tmp_path, broken="var x: 0..3 = nothing;\n", counter=HOLDS)
    junit = tmp_path / "ci.xml"
    assert ci_main([str(folder), "-q", "--junit", str(junit)]) == 2
    out = capsys.readouterr().out
    rows = table_rows(out)
    broken = rows[("broken.spec", "-")]
    assert [broken[k] for k in ("expected", "actual", "states", "seconds", "status")] == \
        ["-", "error", "-", "-", "ERROR"]
    assert rows[("counter.spec", "default")]["status"] == "ok"
    assert "broken.spec:1:15: error:" in out
    root = validate_junit(junit)
    assert (root.get("errors"), root.get("tests")) == ("1", "3")  # error + bounds + runtime


def test_an_error_in_one_variant_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A -D naming a constant one spec lacks fails that spec's rows only; the others run."""
    folder = specs(tmp_path, counter=HOLDS, variants=VARIANTS)
    assert ci_main([str(folder), "-q", "-D", "MAX=3"]) == 2
    rows = table_rows(capsys.readouterr().out)
    assert rows[("counter.spec", "default")]["status"] == "ok"
    assert [rows[("variants.spec", v)]["status"] for v in ("original", "fixed")] == \
        ["ERROR", "ERROR"]


def test_exit_3_when_a_search_is_incomplete(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder = specs(tmp_path, counter=HOLDS)
    assert ci_main([str(folder), "-q", "--max-states", "2"]) == 3
    row = table_rows(capsys.readouterr().out)[("counter.spec", "default")]
    assert (row["actual"], row["states"], row["status"]) == ("incomplete", "2", "INCOMPLETE")


def test_define_passes_through(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """-D MAX=4 lets the counter overflow 0..3, which its (implicit) expectation denies."""
    folder = specs(tmp_path, counter=HOLDS)
    assert ci_main([str(folder), "-q", "-D", "MAX=4"]) == 1
    row = table_rows(capsys.readouterr().out)[("counter.spec", "default")]
    assert (row["actual"], row["status"]) == ("violates bounds", "MISMATCH")


def test_default_path_is_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    specs(tmp_path, counter=HOLDS)
    monkeypatch.chdir(tmp_path)
    assert ci_main(["-q"]) == 0
    assert set(table_rows(capsys.readouterr().out)) == {("counter.spec", "default")}


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ci_main([str(tmp_path / "missing")]) == 2
    assert ci_main([str(tmp_path)]) == 2  # no .spec files there
    assert ci_main([str(tmp_path), "--max-states", "-1"]) == 2
    err = capsys.readouterr().err
    assert "no such file or directory" in err and "no .spec files" in err


def test_a_shipped_spec(capsys: pytest.CaptureFixture[str]) -> None:
    """The OSV spec's three variants all behave as their expect lines say."""
    assert main(["ci", str(OSV), "-q"]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert set(rows) == {("osv_visibility.spec", v) for v in ("orig", "fe37650", "levels")}
    assert {row["status"] for row in rows.values()} == {"ok"}


def test_shipped_workflow_and_hook_use_valid_ci_command_lines() -> None:
    """The CI workflow and the pre-commit hook call `mcheck ci` with options it accepts,
    on paths that exist here."""
    workflow = (ROOT / ".github" / "workflows" / "mcheck.yml").read_text()
    hook = (ROOT / ".pre-commit-hooks.yaml").read_text()
    (run_line,) = re.findall(r"run: mcheck ci (.*)", workflow)
    (entry,) = re.findall(r"entry: mcheck ci(.*)", hook)
    args = ci_parser().parse_args(shlex.split(run_line))
    assert all((ROOT / p).exists() for p in args.paths)
    assert args.junit and args.reports
    assert "specs/**" in workflow and "upload-artifact" in workflow
    hook_args = ci_parser().parse_args(shlex.split(entry))
    assert hook_args.quiet and "files: \\.spec$" in hook


def test_the_command_writes_real_html_reports(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`mcheck ci` itself passes the HTML writer: a failing variant gets a full page."""
    folder = specs(tmp_path, variants=WRONG)
    reports = tmp_path / "out"
    assert main(["ci", str(folder), "-q", "--reports", str(reports)]) == 1
    page = (reports / "variants-original.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "bounds" in page
    capsys.readouterr()


def test_table_fits_100_columns() -> None:
    """Rows as wide as stop_world's (170 columns unwrapped) fit 100 columns: the property
    lists wrap at their commas, the path after a slash; nothing is lost."""
    from modelcheck.app.ci_table import Row, table
    long = "violates B1, B1-RUN, L, L-HANG, SEM0, V-COMPLETE, V-MEM, V-SAFE"
    path = "specs/examples/some/deeply/nested/folder/mem_bdwgc_handshake_protocol.spec"
    rows = [Row(path, "pre_d07", long, long + " (incomplete)", 257547, 12.5, "INCOMPLETE"),
            Row("x.spec", "fixed", "holds", "holds", 4, 0.01, "ok")]
    text = table(rows)
    lines = text.splitlines()
    assert max(map(len, lines)) <= 100 < len(path) + 2 * len(long)
    assert lines[0].split() == ["spec", "variant", "expected", "actual", "states", "seconds",
                                "status"]
    assert "".join(line[:line.index(" ")] for line in lines[1:-1] if line[0] != " ") == path
    assert "257,547" in lines[1] and "INCOMPLETE" in lines[1] and "12.50" in lines[1]
    words = " ".join(lines[1:-1]).split()
    for w in (long + " (incomplete)").split():  # every property, in one of the lines
        assert w in words
    assert lines[-1].split() == ["x.spec", "fixed", "holds", "holds", "4", "0.01", "ok"]
    # specs in one folder: the folder once, above, and the paths below it
    inside = [Row("specs/examples/" + name, "v", long, long, 1, 0.0, "ok")
              for name in ("a.spec", "b.spec")]
    lines = table(inside).splitlines()
    assert lines[0] == "specs in specs/examples/" and lines[2].startswith("a.spec  ")
    assert max(map(len, lines)) <= 100
    narrow = table([Row("specs/x.spec", "fixed", "holds", "holds", 4, 0.01, "ok")])
    assert narrow.splitlines()[1].split()[0] == "specs/x.spec"  # it fits: left as it was
