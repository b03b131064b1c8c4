"""The `mcheck` command: arguments, output, exit codes.

Exit codes: 0 every property holds after a complete search (or, for several
variants, every verdict is as its `expect` line says); 1 a violation (or a
verdict that differs from its expectation); 2 usage or spec error; 3 the
search was incomplete and found nothing that decides the answer; 4 internal
error: z3 rejected a counterexample of the explicit engine (both views printed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .certify import CertificationError
from .errors import SpecError
from .pipeline import load, run_variant
from .report_json import verdict_json
from .report_text import summary, trace
from .search import Limits, Progress
from .verdict import Verdict


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mcheck", description="Explicit-state model checker for thread protocols.")
    p.add_argument("--version", action="version", version=f"mcheck {__version__}")
    p.add_argument("spec", help="the .spec file to check")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--variant", help="check only this variant")
    which.add_argument("--all-variants", action="store_true",
                       help="check every variant against its expect line (the default when "
                            "the spec declares variants)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant")
    p.add_argument("--json", metavar="FILE", help="write the verdict(s) as JSON")
    p.add_argument("--no-deadlock", action="store_true", help="do not report deadlocks")
    p.add_argument("--max-states", type=int, metavar="N")
    p.add_argument("--max-depth", type=int, metavar="N")
    p.add_argument("--time-limit", type=float, metavar="SECONDS")
    p.add_argument("--first", action="store_true",
                   help="stop at the first violation instead of deciding every property")
    p.add_argument("--no-trace", action="store_true", help="print the summary only")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--no-certify", action="store_true",
                   help="do not have z3 check the counterexamples")
    return p


class _Usage(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["prove"]:
        from .prove import main as prove_main  # z3 loads only for proofs
        try:
            return prove_main(argv[1:])
        except BrokenPipeError:
            return _closed_pipe()
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    try:
        return _run(args)
    except BrokenPipeError:
        return _closed_pipe()
    except SpecError as e:
        message = e.render(args.spec, _source_of(args.spec))
        print(message, file=sys.stderr)
        if args.json:
            doc = {"spec": args.spec, "variant": args.variant, "result": "error",
                   "error": message.splitlines()[0]}
            try:
                _write_json(args.json, doc)
            except _Usage as usage:
                print(f"mcheck: error: {usage}", file=sys.stderr)
        return 2
    except _Usage as e:
        print(f"mcheck: error: {e}", file=sys.stderr)
        return 2
    except CertificationError as e:
        print(f"mcheck: {e}", file=sys.stderr)
        print("what the explicit engine claims:", file=sys.stderr)
        print(trace(e.system, e.ce), file=sys.stderr)
        print(f"what z3 says: step {e.step}: {e.reason}", file=sys.stderr)
        return 4


def _closed_pipe() -> int:
    """`mcheck ... | head`: the reader left; say nothing more."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141  # what a shell reports for a program ended by SIGPIPE


def _source_of(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _defines(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise _Usage(f"-D needs NAME=VALUE, got '{item}'")
        out[name.strip()] = value
    return out


def _run(args: argparse.Namespace) -> int:
    for flag in ("max_states", "max_depth", "time_limit"):
        value = getattr(args, flag)
        if value is not None and value < 0:
            raise _Usage(f"--{flag.replace('_', '-')} must not be negative")
    overrides = _defines(args.defines)
    spec = load(args.spec)
    several = args.all_variants or (args.variant is None and len(spec.ast.variants) > 0)
    variants = spec.variants if several else [args.variant]
    limits = Limits(args.max_states, args.max_depth, args.time_limit)
    docs: list[dict[str, Any]] = []
    verdicts: list[Verdict] = []
    for variant in variants:
        ts, v = run_variant(spec, variant, overrides, limits, args.first,
                            None if args.quiet else _progress(variant),
                            deadlock=not args.no_deadlock, certify=not args.no_certify)
        verdicts.append(v)
        print(summary(v))
        if not args.no_trace:
            for ce in v.counterexamples:
                print()
                print(trace(ts, ce))
        print()
        docs.append(verdict_json(ts, v))
    if args.json:
        _write_json(args.json, docs if several else docs[0])
    return _exit_code(verdicts, several)


def _progress(variant: str | None) -> Any:
    def report(p: Progress) -> None:
        print(f"mcheck: {variant or ''} {p.states:,} states, {p.transitions:,} transitions, "
              f"depth {p.depth}, {p.queue:,} queued, {p.seconds:.0f} s", file=sys.stderr,
              flush=True)
    return report


def _write_json(path: str, doc: Any) -> None:
    try:
        Path(path).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise _Usage(f"cannot write {path}: {e}") from None


def _exit_code(verdicts: list[Verdict], several: bool) -> int:
    if not several:
        return verdicts[0].exit_code
    states = [v.expectation for v in verdicts]
    if "unmet" in states:
        return 1
    return 3 if "open" in states else 0
