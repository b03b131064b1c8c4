"""`mcheck SPEC`: check the variants asked for, print what a person needs, write the files.

Each variant gets a summary (its verdict against its `expect` line first); its traces
follow only when the verdict is not the expected one, or with `--traces all`. The run
ends with one line per variant and one bottom line, since that is what is read first.

A signal (Ctrl-C, SIGTERM) stops the run where it is: the variant being checked keeps
what its search found ("incomplete"), the ones not reached are named, and the files
asked for are still written. The exit code comes from the expectations (`exit_code`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.text import Text

from ..backends.base import TransitionSystem
from ..engine.store import collision_note
from ..engine.verdict import Verdict
from ..lang.errors import SpecError
from ..lang.source import LoadedSpec, load
from ..report import formats
from ..report.html_page import write_html
from ..report.junit import SpecFailure
from ..report.provenance import Invocation
from ..report.text import bottom_line, certification_failure, summary, trace_text
from ..symbolic.certify import INTERNAL_ERROR, CertificationError
from . import interrupts
from .ci import source_text
from .config import RunConfig
from .options import UsageError, run_config, write_files, write_html_report
from .pipeline import run_variant
from .progress import PROGRESS_EVERY, colour, live_progress

Checked = tuple[TransitionSystem, Verdict]


def checked_run(args: argparse.Namespace, argv: list[str]) -> int:
    """`run`, with a spec error reported (located, and in the files asked for): exit 2, and
    a certificate z3 rejects: exit 4."""
    try:
        return run(args, argv)
    except SpecError as e:
        message = e.render(args.spec, source_text(args.spec))
        print(message, file=sys.stderr)
        try:
            write_files(formats.files(args, [SpecFailure(args.spec, args.variant, message)],
                                       several=False))
        except UsageError as usage:
            print(f"mcheck: error: {usage}", file=sys.stderr)
        return 2
    except CertificationError as e:
        print(certification_failure(e), file=sys.stderr)
        return INTERNAL_ERROR


def run(args: argparse.Namespace, argv: list[str]) -> int:
    """Reading the spec counts against the time limit of the variant checked first (each
    of the others has a limit of its own)."""
    config = replace(run_config(args), stop_at_first=args.first,
                     progress_every=PROGRESS_EVERY)
    done = _Done(args, config, Invocation(argv, config.overrides, config.limits))
    try:
        with interrupts.time_limit(config.limits.time_limit):
            spec = load(args.spec)
            done.several = args.all_variants or (args.variant is None
                                                 and len(spec.ast.variants) > 0)
            variants: list[str | None] = list(spec.variants) if done.several else [args.variant]
            going = done.check(spec, variants[0], variants[1:])
    except KeyboardInterrupt:
        print(f"{args.spec}: {interrupts.reason()} while reading the spec; nothing checked")
        return 3
    for k, variant in enumerate(variants[1:], 1):
        if not going:
            break
        going = done.check(spec, variant, variants[k + 1:])
    write_files(formats.files(args, done.checked, done.several))
    verdicts = [v for _, v in done.checked]
    print(bottom_line(verdicts, done.not_run))
    return exit_code(verdicts, bool(done.not_run))


class _Done:
    """The variants checked so far, and those not run with the reason."""

    def __init__(self, args: argparse.Namespace, config: RunConfig, how: Invocation) -> None:
        self.args, self.config, self.how = args, config, how
        self.several = False
        self.checked: list[Checked] = []
        self.not_run: list[tuple[str, str]] = []

    def check(self, spec: LoadedSpec, variant: str | None, rest: list[str | None]) -> bool:
        """Check and show one variant; False when a signal stopped the run (`rest` are
        then not run)."""
        try:
            ts, v = _check(self.args, spec, variant, self.config)
        except interrupts.TimeUp:
            self.not_run.append((variant or "default",
                                 interrupts.reason() + " before the search"))
            return True
        except KeyboardInterrupt:
            self.not_run += [(name or "default", interrupts.reason())
                             for name in [variant, *rest]]
            return False
        self.checked.append((ts, v))
        _show(self.args, ts, v, self.several, self.how)
        if interrupts.ends_run(v.incomplete):
            self.not_run += [(name or "default", interrupts.reason()) for name in rest]
            return False
        return True


def _check(args: argparse.Namespace, spec: LoadedSpec, variant: str | None,
           config: RunConfig) -> Checked:
    with live_progress(f"{Path(args.spec).name} {variant or ''}", args.quiet,
                       sys.stderr) as bar:
        return run_variant(spec, variant, config, bar)


def _show(args: argparse.Namespace, ts: TransitionSystem, v: Verdict, several: bool,
          how: Invocation) -> None:
    """The variant's summary, its traces when they are news (or asked for), its report."""
    print(summary(v))
    if v.fingerprints:
        print(f"  {collision_note(v.stats.distinct_states)}")
    wanted = args.traces == "all" or (args.traces == "unexpected" and v.expectation != "met")
    if wanted:
        styled = colour(sys.stdout)
        for ce in v.counterexamples:
            print()
            _print(trace_text(ts, ce), styled)
    elif v.counterexamples and args.traces == "unexpected":
        n = len(v.counterexamples)
        print(f"  {n} trace{'s' if n != 1 else ''} not shown (as expected); --traces all "
              "shows them")
    print()
    _write_report(args, several, ts, v, how)


def _print(text: Text, styled: bool) -> None:
    if styled:
        Console(file=sys.stdout, force_terminal=True, soft_wrap=True, highlight=False).print(text)
    else:
        print(text.plain)


def _write_report(args: argparse.Namespace, several: bool, ts: TransitionSystem,
                  v: Verdict, how: Invocation) -> None:
    """`--report` always writes; without it, an unexpected violation gets
    reports/SPEC-VARIANT.html (an expected one is no news to attach anywhere)."""
    if args.no_report or (args.report is None and (v.result != "violated"
                                                   or v.expectation == "met")):
        return
    write_html_report(args.report, several, f"{Path(args.spec).stem}-{v.variant}.html",
                      lambda path: write_html(ts, v, path, how))


def exit_code(verdicts: list[Verdict], missing: bool) -> int:
    """0 every verdict as expected after complete searches; 1 some verdict contradicts its
    expectation (nothing later can change that); 3 otherwise: some search or variant is
    missing. A spec without `expect` lines expects every property to hold."""
    states = {v.expectation for v in verdicts}
    if "unmet" in states:
        return 1
    return 3 if "open" in states or missing else 0
