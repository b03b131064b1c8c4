"""Where a report came from: what a bug tracker needs to reproduce it.

A page attached to an issue outlives the terminal it was made in, so it carries the
mcheck version, the command line, the constants it overrode, the limits, the date, the
spec file's SHA-256 (to tell whether the spec changed since), the engine and whether z3
certified the traces. The command fills an `Invocation`; the rest is read off the verdict.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__
from ..engine.outcome import Limits
from ..engine.verdict import Verdict


@dataclass(frozen=True)
class Invocation:
    """How the command was run (what the verdict does not record)."""

    argv: list[str] = field(default_factory=list)   # after `mcheck`
    overrides: dict[str, str] = field(default_factory=dict)
    limits: Limits = Limits()


def provenance(v: Verdict, run: Invocation | None) -> list[tuple[str, str]]:
    """(label, value) rows for the page, in the order a reader asks for them."""
    rows = [("mcheck", __version__)]
    if run is not None:
        rows += [("command", shlex.join(["mcheck", *run.argv])),
                 ("constants", ", ".join(f"{k} = {val}" for k, val in run.overrides.items())
                  or "as in the spec"),
                 ("limits", _limits(run.limits))]
    rows += [("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")),
             ("spec", f"{v.spec}, SHA-256 {_sha256(v.spec)}"),
             ("engine", v.engine),
             ("certification", _certification(v))]
    return rows


def _limits(limits: Limits) -> str:
    parts = [f"{label} {value:g}{unit}" for label, value, unit in (
        ("states", limits.max_states, ""), ("depth", limits.max_depth, ""),
        ("time", limits.time_limit, " s"), ("memory", limits.max_memory, " MiB"))
        if value is not None]
    return ", ".join(parts) or "none"


def _sha256(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _certification(v: Verdict) -> str:
    traces = v.counterexamples
    if not traces:
        return "no counterexample to certify"
    done = sum(ce.certified for ce in traces)
    if done == len(traces):
        return f"every counterexample certified by z3 ({done})"
    return f"{done} of {len(traces)} counterexamples certified by z3"
