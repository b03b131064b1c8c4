"""The native engine on one machine: one process against `--workers 1` and `--workers 2`.

    python benchmarks/workers_bench.py              # stop-world NM=3 and OSv THREADS=6
    python benchmarks/workers_bench.py --rounds 5   # more alternations
    python benchmarks/workers_bench.py --quick      # stop-world NM=2 only

Workers are native shares of the level search run as threads of this process
(`transport.ThreadTransport`): their whole level is C, so they run side by side. The
rows alternate (one process, 1 worker, 2 workers, again, ...) so that the other work on
the machine falls on every row alike; each cell is the median of its rounds. Rows come
in both stores: fingerprints (the single process in its fingerprint mode), and exact
(`--store exact`, mcheck's default: the workers keep the rows and tell states apart byte
for byte). "CPU s" is this process's CPU time (every thread), "cores" that divided by
the seconds: how much of the machine the search got (two threads can use up to 2; on a
busy machine the scheduler gives them less); "load" the one-minute load average before
the row's first round, which says how far the machine was from quiet (two cores: a load
under 1 leaves the second core free).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modelcheck.app.config import RunConfig  # noqa: E402
from modelcheck.app.pipeline import compile_variant  # noqa: E402
from modelcheck.backends.base import TransitionSystem  # noqa: E402
from modelcheck.backends.c import Verifier, verifier  # noqa: E402
from modelcheck.engine.levels import search_levels  # noqa: E402
from modelcheck.engine.native import native_search  # noqa: E402
from modelcheck.engine.native_library import NativeLibrary  # noqa: E402
from modelcheck.engine.outcome import Outcome  # noqa: E402
from modelcheck.engine.transport import Sharing  # noqa: E402
from modelcheck.lang.source import load  # noqa: E402

# name: (what it is, spec, variant, constants)
MODELS = {
    "sw2": ("stop-world master_fix NM=2", "stop_world", "master_fix", {"NM": "2"}),
    "sw3": ("stop-world master_fix NM=3", "stop_world", "master_fix", {"NM": "3"}),
    "osv6": ("OSv visibility levels THREADS=6", "osv_visibility", "levels", {"THREADS": "6"}),
}
# (workers, exact store): 0 workers is one process (`native_search`)
ROWS = ((0, False), (1, False), (2, False), (0, True), (2, True))


def system(name: str) -> tuple[TransitionSystem, Verifier]:
    _, path, variant, constants = MODELS[name]
    ts = compile_variant(load(ROOT / "specs" / f"{path}.spec"), variant,
                         RunConfig(overrides=constants))
    return ts, verifier(ts.model)


def run(ts: TransitionSystem, v: Verifier, workers: int, exact: bool
        ) -> tuple[Outcome, float, float]:
    """One search: its outcome, wall-clock and CPU seconds."""
    wall, cpu = time.monotonic(), time.process_time()
    if workers == 0:
        o = native_search(ts, v, fingerprints=not exact)
    else:
        o = search_levels(ts, sharing=Sharing(workers, library=NativeLibrary.of(v),
                                              keep=exact))
    return o, time.monotonic() - wall, time.process_time() - cpu


def table(name: str, rounds: int) -> list[str]:
    ts, v = system(name)
    seconds: dict[tuple[int, bool], list[float]] = {r: [] for r in ROWS}
    cpu: dict[tuple[int, bool], list[float]] = {r: [] for r in ROWS}
    load: dict[tuple[int, bool], float] = {}
    counts: dict[tuple[int, bool], tuple[int, int, int]] = {}
    for _ in range(rounds):
        for w in ROWS:
            load.setdefault(w, os.getloadavg()[0])
            o, wall, used = run(ts, v, *w)
            assert o.complete, o.incomplete
            counts[w] = (o.stats.distinct_states, o.stats.transitions, o.stats.depth)
            seconds[w].append(wall)
            cpu[w].append(used)
    assert len(set(counts.values())) == 1, counts  # every row searched the same states
    first = counts[ROWS[0]]
    lines = [f"{MODELS[name][0]}: {first[0]:,} states, {first[1]:,} transitions, "
             f"depth {first[2]}; median of {rounds} alternating rounds", "",
             "| search | store | seconds | states/s | speed-up | CPU s | cores | load before |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for w, exact in ROWS:
        s = statistics.median(seconds[w, exact])
        used = statistics.median(cpu[w, exact])
        one = statistics.median(seconds[0, exact])
        what = "one process" if w == 0 else f"--workers {w}"
        lines.append(f"| {what} | {'exact' if exact else 'fingerprint'} | {s:.2f} | "
                     f"{first[0] / s:,.0f} | {one / s:.2f}x | {used:.2f} | {used / s:.2f} | "
                     f"{load[w, exact]:.2f} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", metavar="MODEL",
                    help=f"one table each: {', '.join(MODELS)} (default sw3 osv6)")
    ap.add_argument("--rounds", type=int, default=3, help="alternations (default 3)")
    ap.add_argument("--quick", action="store_true", help="stop-world NM=2 only")
    args = ap.parse_args()
    names = ["sw2"] if args.quick else args.models or ["sw3", "osv6"]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        ap.error(f"no model {', '.join(unknown)}")
    print(f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    for name in names:
        print("\n".join(table(name, args.rounds)) + "\n", flush=True)


if __name__ == "__main__":
    main()
