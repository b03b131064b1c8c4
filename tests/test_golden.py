"""Golden outputs: what the commands print and write for a fixed set of small specs.

Each case runs `mcheck` in this process, as a user would from the repository root, and
compares its exit code, stdout, stderr and every file it writes with `tests/golden/expected/`,
after blanking what changes from run to run (times, rates, the temporary folder). A change
of output that is intended is recorded by regenerating the files and reviewing the diff:

    python -m tests.test_golden --regen
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path

import pytest

from modelcheck.app.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPECS = "tests/golden/specs"
EXPECTED = ROOT / "tests" / "golden" / "expected"
OUT = "@OUT@"  # stands for the case's output folder in argv

# name: the command line (after `mcheck`); files the command writes appear under OUT
CASES: dict[str, list[str]] = {
    "divzero": [f"{SPECS}/01_divzero.spec", "--no-report", "--json", f"{OUT}/v.json"],
    "deadlock": [f"{SPECS}/02_deadlock.spec", "--report", f"{OUT}/report.html",
                 "--itf", f"{OUT}/trace.itf.json"],
    "choices": [f"{SPECS}/03_choices.spec", "--no-report", "--json", f"{OUT}/v.json",
                "--sarif", f"{OUT}/v.sarif"],
    "lifetime": [f"{SPECS}/04_lifetime.spec", "--report", f"{OUT}/report.html",
                 "--junit", f"{OUT}/junit.xml"],
    "lifetime-fp": [f"{SPECS}/04_lifetime.spec", "--no-report", "--store", "fingerprint",
                    "--no-trace"],
    "signals": [f"{SPECS}/05_signals.spec", "--no-report", "--json", f"{OUT}/v.json"],
    "destructors": [f"{SPECS}/06_destructors.spec", "--report", f"{OUT}/report.html",
                    "--json", f"{OUT}/v.json"],
    "data": [f"{SPECS}/07_data.spec", "--no-report", "--junit", f"{OUT}/junit.xml"],
    "symmetric": ["tests/symmetric/mutex.spec", "--report", f"{OUT}/reports/",
                  "--itf", f"{OUT}/itf/", "--json", f"{OUT}/v.json"],
    "osv": ["specs/osv_visibility.spec", "--variant", "fe37650", "--no-report",
            "--json", f"{OUT}/v.json", "--itf", f"{OUT}/itf/", "--junit", f"{OUT}/junit.xml",
            "--sarif", f"{OUT}/v.sarif"],
    "markdown": ["specs/osv_visibility.spec", "--variant", "fe37650", "--no-report",
                 "--traces", "none", "--report-md", f"{OUT}/v.md"],
    "limited": ["specs/osv_visibility.spec", "--variant", "levels", "--max-states", "500",
                "--no-report", "--json", f"{OUT}/v.json"],
    "parse-error": [f"{SPECS}/10_parse_error.spec", "--json", f"{OUT}/v.json"],
    "type-error": [f"{SPECS}/11_type_error.spec", "--junit", f"{OUT}/junit.xml"],
    "ci": ["ci", f"{SPECS}/ci", "--reports", f"{OUT}/reports", "--junit", f"{OUT}/junit.xml"],
    "lasso": ["specs/examples/live_tas_lock.spec", "--variant", "weak", "--no-report",
              "--traces", "all",
              "--json", f"{OUT}/v.json", "--itf", f"{OUT}/trace.itf.json"],
    "prove": ["prove", "specs/osv_visibility.spec", "--variant", "levels", "--property",
              "V-SAFE", "--no-report"],
}

_VOLATILE = [
    (re.compile(r"(?m)^  engine: .*$"), "  engine: <engine>"),
    (re.compile(r'"engine": "[^"]*"'), '"engine": "<engine>"'),
    (re.compile(r'"store_bytes": \d+'), '"store_bytes": "<bytes>"'),
    (re.compile(r"\d[\d,]*\.\d+ s \([\d,]+ states/s\)"), "<seconds> s (<rate> states/s)"),
    (re.compile(r'"seconds": [\d.e-]+'), '"seconds": "<seconds>"'),
    (re.compile(r'time="[\d.]+"'), 'time="<seconds>"'),
    (re.compile(r"(?m)^(\S.*\S)  +\d+\.\d\d  (ok|MISMATCH|INCOMPLETE|ERROR)$"),
     r"\1  <seconds>  \2"),
    # before the seconds rule: a cold cache puts "compiled in N s" inside this cell
    (re.compile(r"<tr><th>engine</th><td><code>[^<]*</code>"),
     "<tr><th>engine</th><td><code><engine></code>"),
    (re.compile(r"\b\d+\.\d+ s\b"), "<seconds> s"),
    (re.compile(r"[\d,]+ states/s"), "<rate> states/s"),
    (re.compile(r"<b>[\d,]+</b>states per second"), "<b><rate></b>states per second"),
    (re.compile(r"<tr><th>date</th><td><code>[^<]*</code>"),
     "<tr><th>date</th><td><code><date></code>"),
    (re.compile(r" --engine (?:python|native)</code>"), "</code>"),  # both engines' runs
]


def normalise(text: str, out: Path) -> str:
    text = text.replace(str(out), OUT).replace(ROOT.as_uri(), "file://@ROOT@")
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


# the cases that search, each run by both engines: their outputs must be the same
SEARCHING = sorted(n for n in CASES if n not in ("prove", "parse-error", "type-error"))


def run_case(name: str, out: Path, engine: str = "python") -> dict[str, str]:
    """Every output of one case, normalised, by file name (`exit`, `stdout`, `stderr` and the
    files the command wrote, by their path under the output folder)."""
    argv = [a.replace(OUT, str(out)) for a in CASES[name]]
    if name in SEARCHING:
        argv += ["--engine", engine]
    stdout, stderr = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(argv)
    finally:
        os.chdir(cwd)
    found = {"exit": f"{code}\n", "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        found["out/" + path.relative_to(out).as_posix()] = path.read_text(encoding="utf-8")
    return {k: normalise(v, out) for k, v in found.items()}


def expected(name: str) -> dict[str, str]:
    folder = EXPECTED / name
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name,engine",
                         [(n, "python") for n in sorted(CASES)]
                         + [(n, "native") for n in SEARCHING])
def test_output_is_the_golden_one(name: str, engine: str, tmp_path: Path) -> None:
    got = run_case(name, tmp_path / "out", engine)
    want = expected(name)
    assert want, f"no golden files for {name}: run python -m tests.test_golden --regen"
    assert sorted(got) == sorted(want), "the set of outputs changed"
    for key in sorted(want):
        assert got[key] == want[key], f"{name}/{key} differs from the golden file"


def regenerate() -> None:
    import shutil
    import tempfile
    for name in sorted(CASES):
        with tempfile.TemporaryDirectory() as tmp:
            got = run_case(name, Path(tmp) / "out")
        folder = EXPECTED / name
        shutil.rmtree(folder, ignore_errors=True)
        for key, text in got.items():
            path = folder / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        print(f"{name}: {len(got)} files")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regen"]:
        sys.exit("usage: python -m tests.test_golden --regen")
    regenerate()
