"""What `mcheck SPEC`, `mcheck ci` and `mcheck prove` share: options and writing report files.

Both commands bound the search the same way and must fail the same way (exit 2, one
line on stderr) when an option or an output file is wrong, so that lives here once.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the engine loads when a run starts, not for `mcheck --help`
    from .config import RunConfig

# More processes than this only share the cores and multiply the memory each one holds.
MAX_WORKERS_PER_CORE = 4


class UsageError(Exception):
    """A bad option or an output file that cannot be written: exit code 2."""


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The options of a run (`RunConfig`), the same for `mcheck SPEC` and `mcheck ci`."""
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant")
    p.add_argument("--max-states", type=int, metavar="N")
    p.add_argument("--max-depth", type=int, metavar="N")
    p.add_argument("--time-limit", type=float, metavar="SECONDS")
    p.add_argument("--max-memory", type=int, metavar="MIB",
                   help="stop (incomplete) when the process holds more memory than this")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line on stderr")
    p.add_argument("--no-deadlock", action="store_true", help="do not report deadlocks")
    p.add_argument("--no-liveness", action="store_true",
                   help="do not check liveness properties (they are reported unknown)")
    p.add_argument("--no-symmetry", action="store_true",
                   help="ignore the spec's 'symmetric' declarations (search every state)")
    p.add_argument("--store", choices=("exact", "fingerprint"), default="exact",
                   help="visited states: whole tuples (exact, the default) or 64-bit "
                        "fingerprints, 16 bytes a state (implied by --workers above 1)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="search with N processes, the frontier split by fingerprint")
    p.add_argument("--no-certify", action="store_true",
                   help="do not have z3 check the counterexamples")
    p.add_argument("--engine", default="auto", metavar="{auto,native,python}",
                   help="search with the model compiled to C (native), the reference Python "
                        "engine, or native whenever it can (auto, the default)")
    p.add_argument("--checkpoint", metavar="DIR",
                   help="save the search in DIR between levels, to go on with "
                        "'mcheck resume DIR' after a crash, Ctrl-C or a lost machine")
    p.add_argument("--every", type=float, default=60.0, metavar="SECONDS",
                   help="seconds between two checkpoints (default 60; 0: every level)")
    p.add_argument("--cluster", metavar="ray|ray://ADDRESS",
                   help="search with --workers Ray actors, each a share: a Ray of its "
                        "own on this machine, or the cluster at ADDRESS (needs mcheck[cluster])")
    p.add_argument("--resume", action="store_true", help=argparse.SUPPRESS)  # `mcheck resume`


def run_config(args: argparse.Namespace) -> RunConfig:
    """The run the options describe, checked (a bad value is a UsageError)."""
    from ..engine.outcome import Limits
    from ..engine.run import ENGINES
    from .config import RunConfig
    if args.engine not in ENGINES:
        raise UsageError(f"--engine must be one of {', '.join(ENGINES)}, not '{args.engine}'")
    for flag in ("max_states", "max_depth", "time_limit", "max_memory"):
        value = getattr(args, flag)
        if value is not None and not 0 <= value < math.inf:  # nan compares false
            raise UsageError(f"--{flag.replace('_', '-')} must be a number, 0 or more")
    if args.max_states == 0:  # every engine keeps the initial states: a bound of 0 would lie
        raise UsageError("--max-states must be at least 1 (--max-depth 0 searches only the "
                         "initial states)")
    cap = MAX_WORKERS_PER_CORE * (os.cpu_count() or 1)
    if args.workers < 1 or (args.cluster is None and args.workers > cap):
        raise UsageError(f"--workers must be between 1 and {cap} "
                         f"({MAX_WORKERS_PER_CORE} per core) on this machine")
    if not 0 <= args.every < math.inf:
        raise UsageError("--every must be a number, 0 or more")
    if args.cluster is not None and not (args.cluster == "ray" or
                                         args.cluster.startswith("ray://")):
        raise UsageError("--cluster takes 'ray' or 'ray://ADDRESS'")
    return RunConfig(overrides=defines(args.defines),
                     limits=Limits(args.max_states, args.max_depth, args.time_limit,
                                   args.max_memory),
                     deadlock=not args.no_deadlock, symmetry=not args.no_symmetry,
                     store=args.store, workers=args.workers, certify=not args.no_certify,
                     engine=args.engine, liveness=not args.no_liveness,
                     checkpoint=args.checkpoint, every=args.every, cluster=args.cluster,
                     resume=args.resume)


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


def write_files(texts: dict[Path, str]) -> None:
    """Write report files (path -> text), as `write_output` does."""
    for path, text in texts.items():
        write_output(path, lambda p, text=text: p.write_text(text, encoding="utf-8"))


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
