"""The `mcheck` command: arguments, dispatch to the subcommands, exit codes.

Exit codes, the same for every command: 0 every verdict is what the spec's `expect`
lines say (a spec without them expects every property to hold) after complete
searches; 1 some verdict contradicts its expectation; 2 usage or spec error; 3 a
search, or a variant, is missing (a limit, Ctrl-C, SIGTERM) and nothing found so far
contradicts an expectation; 4 internal error: z3 rejected a counterexample of the
explicit engine (both views printed).

Nothing heavy is imported before the arguments are read, so `mcheck --help` and a
usage error answer at once; each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import interrupts

interrupts.install()  # first: Ctrl-C while the rest loads is no traceback either

from .. import __version__  # noqa: E402
from ..report import formats  # noqa: E402
from .options import UsageError, add_run_options  # noqa: E402

COMMANDS = {
    "SPEC": "check a spec's variants against its expect lines (the options below)",
    "ci [PATH...]": "check every variant of every spec under PATH, one table (mcheck ci --help)",
    "prove SPEC": "prove invariants for any number of threads with z3 (mcheck prove --help)",
    "resume DIR": "go on with a run saved by --checkpoint DIR",
}


def _parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  mcheck {name:<13} {what}" for name, what in COMMANDS.items())
    p = argparse.ArgumentParser(
        prog="mcheck", description="Explicit-state model checker for thread protocols.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"commands:\n{commands}\n\nexit codes: 0 as expected, 1 a verdict not as "
               "expected, 2 usage or spec error,\n3 incomplete (a limit, Ctrl-C, SIGTERM), "
               "4 internal error")
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
    traces = p.add_mutually_exclusive_group()
    traces.add_argument("--traces", choices=("unexpected", "all", "none"), default="unexpected",
                        help="which counterexamples to print: those of verdicts that are not "
                             "as expected (the default), all, or none")
    traces.add_argument("--no-trace", dest="traces", action="store_const", const="none",
                        default="unexpected", help="print the summary only (--traces none)")
    report = p.add_mutually_exclusive_group()
    report.add_argument("--report", metavar="PATH",
                        help="write the HTML report to PATH (a directory when several variants "
                             "are checked); by default reports/SPEC-VARIANT.html on an "
                             "unexpected violation")
    report.add_argument("--no-report", action="store_true", help="write no HTML report")
    return p


def main(argv: list[str] | None = None) -> int:
    exiting = argv is None  # the `mcheck` command, not a caller in-process
    argv = sys.argv[1:] if argv is None else argv
    interrupts.install()  # again: a caller (a test) may have changed them since the import
    try:
        code = _dispatch(argv)
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt:  # before a command could keep anything
        print(f"mcheck: {interrupts.reason()}; nothing was checked", file=sys.stderr)
        return 3
    finally:
        interrupts.settled(exiting)
    return code


def _dispatch(argv: list[str]) -> int:
    if argv[:1] == ["resume"]:
        from ..engine.checkpoint import CheckpointRefused
        from .checkpoints import resumed_command
        try:
            argv = [*resumed_command(argv[1:]), "--resume"]
        except CheckpointRefused as e:
            print(f"mcheck: error: {e}", file=sys.stderr)
            return 2
    if argv[:1] == ["ci"]:
        from ..report.html_page import write_html
        from . import ci
        return ci.main(argv[1:], write_report=write_html)
    if argv[:1] == ["prove"]:
        from .prove import main as prove_main  # z3 loads only for proofs
        return prove_main(argv[1:])
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    from ..engine.checkpoint import CheckpointRefused
    try:
        if args.checkpoint is not None and not args.resume:
            from .checkpoints import keep_command
            keep_command(args.checkpoint, argv)
        from .check_spec import checked_run
        return checked_run(args, argv)
    except (UsageError, CheckpointRefused) as e:
        print(f"mcheck: error: {e}", file=sys.stderr)
        return 2


def _closed_pipe() -> int:
    """`mcheck ... | head`: the reader left; say nothing more."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141  # what a shell reports for a program ended by SIGPIPE
