"""The `mcheck` command: arguments, output, exit codes.

Exit codes: 0 every property holds after a complete search (or, for several
variants, every verdict is as its `expect` line says); 1 a violation (or a
verdict that differs from its expectation); 2 usage or spec error; 3 the
search was incomplete and found nothing that decides the answer; 4 internal
error: z3 rejected a counterexample of the explicit engine (both views printed).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.text import Text

from .. import __version__
from ..backends.base import TransitionSystem
from ..engine.checkpoint import CheckpointRefused
from ..engine.store import collision_note
from ..engine.verdict import Verdict
from ..lang.errors import SpecError
from ..lang.source import load
from ..report import formats
from ..report.html_page import write_html
from ..report.junit import SpecFailure
from ..report.text import certification_failure, summary, trace_text
from ..symbolic.certify import INTERNAL_ERROR, CertificationError
from . import ci
from .checkpoints import keep_command, resumed_command
from .options import (
    UsageError,
    add_run_options,
    run_config,
    write_files,
    write_html_report,
)
from .pipeline import run_variant
from .progress import PROGRESS_EVERY, colour, live_progress


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mcheck", description="Explicit-state model checker for thread protocols.",
        epilog="mcheck ci [PATH...] checks every variant of every spec against its expect "
               "line; see mcheck ci --help. mcheck resume DIR goes on with a run saved by "
               "--checkpoint DIR.")
    p.add_argument("--version", action="version", version=f"mcheck {__version__}")
    p.add_argument("spec", help="the .spec file to check")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--variant", help="check only this variant")
    which.add_argument("--all-variants", action="store_true",
                       help="check every variant against its expect line (the default when "
                            "the spec declares variants)")
    formats.add_options(p)
    add_run_options(p)
    p.add_argument("--first", action="store_true",
                   help="stop at the first violation instead of deciding every property")
    p.add_argument("--no-trace", action="store_true", help="print the summary only")
    report = p.add_mutually_exclusive_group()
    report.add_argument("--report", metavar="PATH",
                        help="write the HTML report to PATH (a directory when several variants "
                             "are checked); by default reports/SPEC-VARIANT.html on a violation")
    report.add_argument("--no-report", action="store_true", help="write no HTML report")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["resume"]:
        try:
            argv = [*resumed_command(argv[1:]), "--resume"]
        except CheckpointRefused as e:
            print(f"mcheck: error: {e}", file=sys.stderr)
            return 2
    if argv[:1] == ["ci"]:
        return ci.main(argv[1:], write_report=write_html)
    if argv[:1] == ["prove"]:
        from .prove import main as prove_main  # z3 loads only for proofs
        try:
            return prove_main(argv[1:])
        except BrokenPipeError:
            return _closed_pipe()
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.checkpoint is not None and not args.resume:
            keep_command(args.checkpoint, argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    except CheckpointRefused as e:
        print(f"mcheck: error: {e}", file=sys.stderr)
        return 2
    try:
        return _run(args)
    except BrokenPipeError:
        return _closed_pipe()
    except SpecError as e:
        message = e.render(args.spec, _source_of(args.spec))
        print(message, file=sys.stderr)
        try:
            write_files(formats.files(args, [SpecFailure(args.spec, args.variant, message)],
                                       several=False))
        except UsageError as usage:
            print(f"mcheck: error: {usage}", file=sys.stderr)
        return 2
    except (UsageError, CheckpointRefused) as e:
        print(f"mcheck: error: {e}", file=sys.stderr)
        return 2
    except CertificationError as e:
        print(certification_failure(e), file=sys.stderr)
        return INTERNAL_ERROR


def _closed_pipe() -> int:
    """`mcheck ... | head`: the reader left; say nothing more."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141  # what a shell reports for a program ended by SIGPIPE


def _source_of(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _run(args: argparse.Namespace) -> int:
    config = replace(run_config(args), stop_at_first=args.first,
                     progress_every=PROGRESS_EVERY)
    spec = load(args.spec)
    several = args.all_variants or (args.variant is None and len(spec.ast.variants) > 0)
    variants = spec.variants if several else [args.variant]
    checked: list[tuple[TransitionSystem, Verdict]] = []
    styled = colour(sys.stdout)
    for variant in variants:
        with live_progress(f"{Path(args.spec).name} {variant or ''}", args.quiet,
                           sys.stderr) as bar:
            ts, v = run_variant(spec, variant, config, bar)
        checked.append((ts, v))
        print(summary(v))
        if v.fingerprints:
            print(f"  {collision_note(v.stats.distinct_states)}")
        if not args.no_trace:
            for ce in v.counterexamples:
                print()
                _print(trace_text(ts, ce), styled)
        print()
        _write_report(args, several, ts, v)
    write_files(formats.files(args, checked, several))
    return _exit_code([v for _, v in checked], several)


def _print(text: Text, styled: bool) -> None:
    if styled:
        Console(file=sys.stdout, force_terminal=True, soft_wrap=True, highlight=False).print(text)
    else:
        print(text.plain)


def _write_report(args: argparse.Namespace, several: bool, ts: TransitionSystem,
                  v: Verdict) -> None:
    """`--report` always writes; without it, a violation gets reports/SPEC-VARIANT.html."""
    if args.no_report or (args.report is None and v.result != "violated"):
        return
    write_html_report(args.report, several, f"{Path(args.spec).stem}-{v.variant}.html",
                      lambda path: write_html(ts, v, path))


def _exit_code(verdicts: list[Verdict], several: bool) -> int:
    if not several:
        return verdicts[0].exit_code
    states = [v.expectation for v in verdicts]
    if "unmet" in states:
        return 1
    return 3 if "open" in states else 0
