"""`mcheck ci [PATHS...]`: every variant of every spec against its `expect` line, as a gate.

One command for a CI job or a pre-commit hook: it finds the specs, checks each variant,
prints one table, and exits 0 only when every verdict is the expected one after a complete
search. Exit codes: 2 some spec could not be loaded or checked (the others are still
checked and tabulated), else 1 some verdict differs from its expectation, else 3 some
search was incomplete, else 0.

The HTML report writer is passed in (`write_report`) rather than imported, so this module
does not depend on how reports are rendered; it is called for every variant whose verdict
is not the expected one (an expected counterexample is no news to attach to a CI failure).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from ..engine.checkpoint import CheckpointRefused
from ..lang.errors import SpecError
from ..lang.source import LoadedSpec, load
from ..report import formats
from ..report.junit import Checked, SpecFailure
from ..report.provenance import Invocation
from ..report.text import certification_failure
from ..symbolic.certify import INTERNAL_ERROR, CertificationError
from . import interrupts
from .checkpoints import keep_command
from .ci_table import Row, table
from .config import DEFAULT, RunConfig
from .options import UsageError, add_run_options, run_config, write_files, write_output
from .pipeline import run_variant
from .progress import PROGRESS_EVERY, live_progress

ReportWriter = Callable[..., None]  # (system, verdict, path, run=Invocation)
EXIT = {"ERROR": 2, "MISMATCH": 1, "INCOMPLETE": 3}  # in order of precedence


@dataclass
class CiRun:
    rows: list[Row] = field(default_factory=list)
    results: list[Checked | SpecFailure] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        statuses = {r.status for r in self.rows}
        return next((code for status, code in EXIT.items() if status in statuses), 0)

    @property
    def errors(self) -> list[SpecFailure]:
        return [r for r in self.results if isinstance(r, SpecFailure)]


def spec_files(paths: Sequence[str]) -> list[Path]:
    """The spec files named, and every `*.spec` under the directories named, in order."""
    out: list[Path] = []
    for name in paths:
        p = Path(name)
        if p.is_dir():
            out += sorted(p.rglob("*.spec"))
        elif p.is_file():
            out.append(p)
        else:
            raise UsageError(f"no such file or directory: {name}")
    if not out:
        raise UsageError(f"no .spec files in {', '.join(paths)}")
    return out


def run_ci(paths: Sequence[str], config: RunConfig = DEFAULT,
           write_report: ReportWriter | None = None, reports: Path = Path("reports"),
           quiet: bool = True) -> CiRun:
    """Check every variant of every spec found; a signal ends the run early, with a row
    for each variant (or spec) not run, so the table still says what is missing."""
    run = CiRun()
    files = spec_files(paths)
    for n, path in enumerate(files):
        try:
            with interrupts.time_limit(config.limits.time_limit):
                spec = load(path)
        except SpecError as e:
            _failed(run, str(path), None, e, source_text(path))
            continue
        except interrupts.TimeUp:
            _not_run(run, [(str(path), "-")])
            continue
        except KeyboardInterrupt:
            _not_run(run, [(str(p), "-") for p in files[n:]])
            break
        variants: list[str | None] = list(spec.variants) if spec.ast.variants else [None]
        later = [(str(p), "-") for p in files[n + 1:]]
        for k, variant in enumerate(variants):
            try:
                checked = _check(run, spec, variant, config, quiet)
            except interrupts.TimeUp:
                _not_run(run, [(spec.path, variant or "default")])
                continue
            except KeyboardInterrupt:
                _not_run(run, [(spec.path, name or "default") for name in variants[k:]] + later)
                return run
            if checked is None:
                continue
            ts, v = checked
            if write_report is not None and run.rows[-1].status != "ok":
                target = reports / f"{Path(v.spec).stem}-{v.variant}.html"
                write_output(target, partial(write_report, ts, v))
                run.reports.append(target)
            if interrupts.ends_run(v.incomplete):
                _not_run(run, [(spec.path, name or "default") for name in variants[k + 1:]] + later)
                return run
    return run


def _not_run(run: CiRun, which: list[tuple[str, str]]) -> None:
    """Rows for variants a signal or the time limit kept from being checked."""
    why = interrupts.reason()
    run.rows += [Row(spec, variant, "-", f"not run: {why}", None, None, "INCOMPLETE")
                 for spec, variant in which]


def _check(run: CiRun, spec: LoadedSpec, variant: str | None, config: RunConfig,
           quiet: bool) -> Checked | None:
    """Check one variant and add its row; None when the variant does not check."""
    try:
        with live_progress(f"{Path(spec.path).name} {variant or ''}", quiet, sys.stderr) as bar:
            ts, v = run_variant(spec, variant, config, bar)
    except SpecError as e:
        _failed(run, spec.path, variant, e, spec.source)
        return None
    if v.expectation == "unmet":
        status = "MISMATCH"
    elif v.expectation == "open" or v.incomplete:
        status = "INCOMPLETE"
    else:
        status = "ok"
    if v.violated:
        actual = _violations(v.violated) + (" (incomplete)" if v.incomplete else "")
    else:
        actual = v.result
    run.rows.append(Row(spec.path, v.variant, _violations(v.expected), actual,
                        v.stats.distinct_states, v.stats.seconds, status))
    run.results.append((ts, v))
    return ts, v


def _violations(props: frozenset[str]) -> str:
    return "violates " + ", ".join(sorted(props)) if props else "holds"


def _failed(run: CiRun, spec: str, variant: str | None, e: SpecError, source: str) -> None:
    run.rows.append(Row(spec, variant or "-", "-", "error", None, None, "ERROR"))
    run.results.append(SpecFailure(spec, variant, e.render(spec, source)))


def source_text(path: str | Path) -> str:
    """The spec's text for an error message's caret line, whatever its encoding."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mcheck ci",
        description="Check every variant of every spec against its expect line.")
    p.add_argument("paths", nargs="*", default=["specs/"], metavar="PATH",
                   help="spec files, or directories searched for *.spec (default: specs/)")
    formats.add_options(p, only=("junit",))
    p.add_argument("--reports", metavar="DIR", default="reports",
                   help="where reports of failing variants go (default: reports/)")
    add_run_options(p)
    return p


def main(argv: list[str], write_report: ReportWriter | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    try:
        config = replace(run_config(args), progress_every=PROGRESS_EVERY)
        if write_report is not None:  # each page says which command made it
            write_report = partial(write_report, run=Invocation(["ci", *argv], config.overrides,
                                                                config.limits))
        if config.checkpoint is not None and not config.resume:
            keep_command(config.checkpoint, ["ci", *argv])
        run = run_ci(args.paths, config, write_report, Path(args.reports), args.quiet)
        print(table(run.rows))
        for failure in run.errors:
            print(f"\n{failure.message}")
        if run.reports:
            print()
        for report in run.reports:
            print(f"report: {report}")
        write_files(formats.files(args, run.results, several=True))
    except (UsageError, CheckpointRefused) as e:
        print(f"mcheck ci: error: {e}", file=sys.stderr)
        return 2
    except CertificationError as e:
        print(certification_failure(e), file=sys.stderr)
        return INTERNAL_ERROR
    return run.exit_code
