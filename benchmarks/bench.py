"""Speed and memory of the explicit engine on specs whose sizes are known.

Prints a table; run `python benchmarks/bench.py` (add `--quick` for a short
run). Timings are wall-clock on a shared machine: compare rows of one run,
not numbers across runs. "max RSS" is the process's high-water mark so far,
so it only grows down the table; run one case alone to isolate it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modelcheck.pipeline import compile_variant, load, load_text  # noqa: E402
from modelcheck.search import search  # noqa: E402


def counters(n: int, k: int) -> str:
    """n threads counting to k: exactly (k+1)^n states."""
    return f"""
threads {n};
var x: array[tid] of 0..{k} = [0];
thread counter() {{ tick: {{ await x[self] < {k}; x[self] = x[self] + 1; goto tick; }} }}
{"start counter();" * n}
option deadlock = false;
"""

SPAWN_TREE = """
const P = 7;
threads P;
var total: 0..P = 1;
thread node() {
    grow: {
        either child: { await free_threads() > 0; spawn node(); total = total + 1; goto grow; }
        or stop: { skip; }
    }
}
start node();
"""


def cases(quick: bool) -> list[tuple[str, object, str | None, dict[str, str]]]:
    osv = load(ROOT / "specs" / "osv_visibility.spec")
    out: list[tuple[str, object, str | None, dict[str, str]]] = [
        ("osv fe37650, 4 threads", osv, "fe37650", {}),
        ("osv levels, 5 threads", osv, "levels", {"THREADS": "5"}),
        ("counters 4x(K=9)", load_text(counters(4, 9)), None, {}),
        ("spawn tree, 7 ids", load_text(SPAWN_TREE), None, {}),
    ]
    if not quick:
        out += [("counters 6x(K=5)", load_text(counters(6, 5)), None, {}),
                ("osv fe37650, 5 threads", osv, "fe37650", {"THREADS": "5"})]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    print(f"{'case':<26} {'states':>10} {'transitions':>12} {'depth':>6} {'seconds':>8} "
          f"{'states/s':>9} {'max RSS MiB':>12}")
    for name, spec, variant, overrides in cases(args.quick):
        t0 = time.perf_counter()
        ts = compile_variant(spec, variant, overrides)  # type: ignore[arg-type]
        compile_s = time.perf_counter() - t0
        outcome = search(ts)
        s = outcome.stats
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{name:<26} {s.distinct_states:>10,} {s.transitions:>12,} {s.depth:>6} "
              f"{s.seconds:>8.2f} {s.states_per_second:>9,.0f} {peak:>12.0f}"
              + (f"  (compile {compile_s:.2f} s)" if compile_s > 0.5 else ""))


if __name__ == "__main__":
    main()
