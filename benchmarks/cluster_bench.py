"""Scaling of the distributed level search: one, two and four Ray shards on this machine.

    python benchmarks/cluster_bench.py                 # stop-world NM=3 (2.26 M states)
    python benchmarks/cluster_bench.py sw3 osv6        # and OSv THREADS=6 (4.43 M states)
    python benchmarks/cluster_bench.py sw4             # stop-world NM=4 (90.8 M states)
    python benchmarks/cluster_bench.py --quick         # stop-world NM=2 (51 k states)
    python benchmarks/cluster_bench.py --python        # shares expand with Python

Needs the cluster extra (`pip install -e '.[cluster]'`). One local Ray instance serves
every row, so its start-up is not timed; each row starts its own share actors (also not
timed: the clock starts once they are up). The shares expand with the native engine
(`engine/native_share.py`) unless `--python`. For each row: the search's wall-clock
seconds and states a second, the fingerprint store's bytes a state and the MiB each
shard holds (fingerprints modulo P spread evenly, so each of P shards holds 1/P), and
the bytes the shares sent each other per distinct state (`Stats.exchanged_bytes`:
exactly the pickled buffers that crossed between actors; on several machines, network
bytes).

Each model gets a table of 1, 2 and 4 shards; the first also a row of one share in this
process (no Ray), whose CPU time feeds the projection. The rows are then read as a cost
model, `seconds = states * (cpu + net * (P-1)/P /
bandwidth) / P + levels * sync` (sync: five round trips of a
call to every share, measured here; on a network it grows with the machines), and
projected to 16 and 64
machines (`projection`). On one machine with two shared cores, more than two shards
cannot be faster: the rows measure the exchange cost, which is what a cluster adds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

import ray

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import stop_world_5  # noqa: E402
from modelcheck.app.config import RunConfig  # noqa: E402
from modelcheck.app.pipeline import compile_variant, rebuild_variant  # noqa: E402
from modelcheck.backends.c import verifier  # noqa: E402
from modelcheck.engine.levels import search_levels  # noqa: E402
from modelcheck.engine.native_library import NativeLibrary  # noqa: E402
from modelcheck.engine.outcome import Outcome  # noqa: E402
from modelcheck.engine.ray_transport import RayTransport  # noqa: E402
from modelcheck.engine.transport import Sharing  # noqa: E402
from modelcheck.lang.source import LoadedSpec, load, load_text  # noqa: E402

BANDWIDTH = 1.0e9  # bytes/s a machine sends and receives at once: 10 Gbit/s, less overheads
SYNC_MACHINE = 0.002  # seconds a level's barrier grows per machine (a round trip each)


# name: (what it is, spec, variant, constants); sw4 has a fifth thread id (`stop_world_5`)
MODELS = {
    "sw2": ("stop-world master_fix NM=2", "stop_world", "master_fix", {"NM": "2"}),
    "sw3": ("stop-world master_fix NM=3", "stop_world", "master_fix", {"NM": "3"}),
    "sw4": ("stop-world master_fix NM=4", "stop_world_5", "master_fix", {"NM": "4"}),
    "osv6": ("OSv visibility levels THREADS=6", "osv_visibility", "levels", {"THREADS": "6"}),
}


def model(name: str) -> tuple[LoadedSpec, str, RunConfig]:
    _, path, variant, constants = MODELS[name]
    spec = load_text(stop_world_5(), path) if path == "stop_world_5" else \
        load(ROOT / "specs" / f"{path}.spec")
    return spec, variant, RunConfig(overrides=constants)


def run(shares: int, name: str, native: bool, local: bool = False) -> Outcome:
    spec, variant, config = model(name)
    ts = compile_variant(spec, variant, config)
    rebuild = partial(rebuild_variant, spec.source, spec.path, variant, config)
    library = NativeLibrary.of(verifier(ts.model)) if native else None
    return search_levels(ts, sharing=Sharing(shares, None if local else "ray", rebuild,
                                             library))


def round_trip(shares: int, name: str, calls: int = 20) -> float:
    """Seconds of one coordinator call that does nothing on every share: a level makes two
    such calls and three exchanges between the shares, so its barrier costs about five."""
    spec, variant, config = model(name)
    rebuild = partial(rebuild_variant, spec.source, spec.path, variant, config)
    transport = RayTransport(Sharing(shares, "ray", rebuild))
    try:
        transport.call("sizes")
        began = time.monotonic()
        for _ in range(calls):
            transport.call("sizes")
        return (time.monotonic() - began) / calls
    finally:
        transport.close()


def projection(rows: dict[int, Outcome], sync: float, cpu: float | None) -> list[str]:
    """The per-state costs read off the rows, and what they predict for 16 and 64 machines:
    the search's CPU seconds a state (`cpu`: measured in this process when a row ran here,
    which the machine's load does not inflate; else one shard's wall-clock seconds);
    exchange bytes a state from the most shards (each state crosses with probability
    (P-1)/P, so it is scaled to P -> infinity); `sync` a level; the store's bytes a state
    as one shard measured them."""
    one = rows[1]
    states, levels = one.stats.distinct_states, one.stats.depth + 1
    stored = one.store.nbytes() / states
    source = "CPU, in-process"
    if cpu is None:
        cpu, source = one.stats.seconds / states, "wall, 1 shard"
    most = max(rows)
    exchanged = rows[most].stats.exchanged_bytes or 0
    net = exchanged / states * most / max(1, most - 1)  # bytes a state, P -> infinity
    out = [f"search {cpu * 1e6:.2f} us a state ({source}); exchange {net:.0f} bytes a state "
           f"as P grows; Ray's barrier {sync * 1e3:.1f} ms a level ({levels} levels); "
           f"store {stored:.1f} bytes a state"]
    for machines in (16, 64):
        for size in (states, 10**8, 10**9):
            per_level = sync + SYNC_MACHINE * machines
            t = size * (cpu + net * (machines - 1) / machines / BANDWIDTH) / machines + \
                levels * per_level
            out.append(f"{machines} machines, {size:,} states: about {t:,.0f} s "
                       f"({size / t:,.0f} states/s), {stored * size / machines / 2**30:.2f} GiB "
                       "of store a machine")
    return out


def table(name: str, native: bool, in_process: bool
          ) -> tuple[dict[int, Outcome], float | None]:
    """The rows, and the CPU seconds a state of the in-process row (if it ran)."""
    print(f"{MODELS[name][0]}, {'native' if native else 'Python'} shares, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} before\n")
    print("| shares | distinct states | transitions | seconds | states/s | "
          "store bytes/state | store MiB a shard | exchanged bytes/state | CPU s here | "
          "load after |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    cpu = None
    rows: dict[int, Outcome] = {}
    for shares in (1, 2, 4, 0) if in_process else (1, 2, 4):  # 0: in this process, no Ray
        began = time.process_time()  # this process: the coordinator, or all of it in-process
        o = rows[shares] = run(max(1, shares), name, native, local=shares == 0)
        here = time.process_time() - began
        s = o.stats
        if shares == 0:
            cpu = here / s.distinct_states
        sent = "-" if shares == 0 else f"{(s.exchanged_bytes or 0) / s.distinct_states:.1f}"
        print(f"| {shares or 'in-process'} | {s.distinct_states:,} | {s.transitions:,} | "
              f"{s.seconds:.2f} | {s.states_per_second:,.0f} | "
              f"{o.store.nbytes() / s.distinct_states:.1f} | "
              f"{o.store.nbytes() / max(1, shares) / 2**20:.1f} | {sent} | {here:.1f} | "
              f"{os.getloadavg()[0]:.1f} |", flush=True)
    return rows, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", metavar="MODEL",
                    help=f"one table each: {', '.join(MODELS)} (default sw3)")
    ap.add_argument("--quick", action="store_true", help="stop-world NM=2 only")
    ap.add_argument("--python", action="store_true", help="Python shares, not native")
    args = ap.parse_args()
    names = ["sw2"] if args.quick else args.models or ["sw3"]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        ap.error(f"no model {', '.join(unknown)}")
    # the actors import the mcheck this script runs, not whichever the environment has
    ray.init(log_to_driver=False, include_dashboard=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    for k, name in enumerate(names):
        rows, cpu = table(name, not args.python, in_process=k == 0)
        sync = 5 * round_trip(4, name)
        print()
        print("\n".join(f"- {line}" for line in projection(rows, sync, cpu)))
        print(flush=True)
    ray.shutdown()


if __name__ == "__main__":
    main()
