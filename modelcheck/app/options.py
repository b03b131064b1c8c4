"""What `mcheck SPEC`, `mcheck ci` and `mcheck prove` share: options and writing report files.

Both commands bound the search the same way and must fail the same way (exit 2, one
line on stderr) when an option or an output file is wrong, so that lives here once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..engine.outcome import Limits


class UsageError(Exception):
    """A bad option or an output file that cannot be written: exit code 2."""


def add_search_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant")
    p.add_argument("--max-states", type=int, metavar="N")
    p.add_argument("--max-depth", type=int, metavar="N")
    p.add_argument("--time-limit", type=float, metavar="SECONDS")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line on stderr")


def search_settings(args: argparse.Namespace) -> tuple[dict[str, str], Limits]:
    """The -D overrides and the search limits, checked."""
    for flag in ("max_states", "max_depth", "time_limit"):
        value = getattr(args, flag)
        if value is not None and value < 0:
            raise UsageError(f"--{flag.replace('_', '-')} must not be negative")
    return defines(args.defines), Limits(args.max_states, args.max_depth, args.time_limit)


def defines(items: list[str]) -> dict[str, str]:
    """The -D NAME=VALUE overrides, checked."""
    overrides = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-D needs NAME=VALUE, got '{item}'")
        overrides[name.strip()] = value
    return overrides


def write_output(path: str | Path, writer: Callable[[Path], None]) -> None:
    """Run a report writer, creating missing folders; failing to write is a usage error."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        writer(p)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e}") from None


def write_html_report(requested: str | None, several: bool, name: str,
                      write: Callable[[Path], None]) -> None:
    """`--report PATH` writes PATH (a folder of NAME pages when several variants are
    checked) and failing to is a usage error; the default, reports/NAME, only warns."""
    path = Path(requested or "reports")
    if several or requested is None:
        path = path / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
    except OSError as e:
        if requested is not None:
            raise UsageError(f"cannot write {path}: {e}") from None
        print(f"mcheck: warning: cannot write the HTML report {path}: {e}", file=sys.stderr)
        return
    print(f"mcheck: HTML report written to {path}", file=sys.stderr)
