"""How much memory this process holds now: what `--max-memory` is checked against.

Every engine checks it where it checks the clock (each 1024 states, each level, each
slice of a native search), so a search that would exhaust the machine stops with
"incomplete" and what it found, instead of being killed by the kernel with nothing.
"""

from __future__ import annotations

import os
import resource

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_mib() -> float:
    """The resident set size in MiB (the peak so far where /proc is not there)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def over(limit_mib: int | None) -> bool:
    return limit_mib is not None and resident_mib() > limit_mib


def note(limit_mib: int | None) -> str:
    return f"memory limit of {limit_mib:,} MiB reached"
