"""Speed and memory of mcheck, side by side with SPIN, and the performance targets.

    python benchmarks/bench.py --quick      # about a minute
    python benchmarks/bench.py              # the full set (several minutes)
    python benchmarks/bench.py --write      # also rewrite benchmarks/RESULTS.md

Each mcheck case runs in a fresh subprocess (`--case NAME`), so its peak RSS is its
own. Where a Promela model of exactly the same state machine exists
(benchmarks/models/*.pml), SPIN runs in the same invocation (`spin -a`, `gcc -O2
-DSAFETY -DNOREDUCE`, `./pan`), and the table shows its state count and the ratio
of speeds. Timings are wall-clock on a shared machine: compare rows of one run.

mcheck rows use the Python engine unless the case says `engine="native"` (the model
compiled to C, `backends/c`): there the library is compiled (or taken from the cache)
before the clock starts, so the row times the search alone, as SPIN's does.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "benchmarks" / "models"
sys.path.insert(0, str(ROOT))

from modelcheck.app.config import RunConfig  # noqa: E402
from modelcheck.app.pipeline import compile_variant  # noqa: E402
from modelcheck.backends.c import Compile  # noqa: E402
from modelcheck.backends.python.system import TransitionSystem  # noqa: E402
from modelcheck.engine.levels import search_levels  # noqa: E402
from modelcheck.engine.memory import resident_mib  # noqa: E402
from modelcheck.engine.native import native_search  # noqa: E402
from modelcheck.engine.native_library import NativeLibrary  # noqa: E402
from modelcheck.engine.search import search  # noqa: E402
from modelcheck.engine.transport import Sharing  # noqa: E402
from modelcheck.lang.source import load, load_text  # noqa: E402


def counters(n: int, k: int) -> str:
    """n threads counting to k: exactly (k+1)^n states, n*k*(k+1)^(n-1) transitions."""
    return f"""
threads {n};
var x: array[tid] of 0..{k} = [0];
thread counter() {{ tick: {{ await x[self] < {k}; x[self] = x[self] + 1; goto tick; }} }}
{"start counter();" * n}
option deadlock = false;
"""


@dataclass(frozen=True)
class Case:
    name: str
    model: str                      # shown in the table
    spec: str                       # a path under ROOT, or "counters:N:K"
    variant: str | None = None
    defines: dict[str, str] = field(default_factory=dict)
    store: str = "exact"
    workers: int = 1
    spin: tuple[str, dict[str, str], str] | None = None  # .pml, -D for spin, pan flags
    quick: bool = True
    symmetry: bool = True  # False: --no-symmetry, for a symmetric spec's unreduced row
    engine: str = "python"  # or "native"

    @property
    def constants(self) -> str:
        words = [f"{k}={v}" for k, v in self.defines.items()]
        if self.spec.startswith("counters:"):
            _, n, k = self.spec.split(":")
            words = [f"{n} threads", f"K={k}"]
        mode = self.store + (f", {self.workers} workers" if self.workers > 1 else "") + \
            ("" if self.symmetry else ", no symmetry") + \
            (f", {self.engine}" if self.engine != "python" else "")
        return " ".join(([self.variant] if self.variant else []) + words) + f" [{mode}]"


PETERSON = "benchmarks/models/peterson.spec"
OSV = "specs/osv_visibility.spec"
STOP_WORLD = "specs/stop_world.spec"
STOP_WORLD_5 = "stop_world:threads5"  # STOP_WORLD with room for NM=4, see stop_world_5()
NM3 = {"NM": "3"}
NM4 = {"NM": "4"}
SIGNALS = "tests/symmetric/signals.spec"

PETERSON4 = {"N": "4"}
OSV5, OSV6 = {"THREADS": "5"}, {"THREADS": "6"}
NATIVE = "native"

# Each model: the Python engine, the native engine (one process; fingerprints; two workers),
# and SPIN on the twin with the same state graph. `targets` reads the rows by name.
CASES = [
    Case("peterson3", "Peterson filter lock", PETERSON, None, {"N": "3"},
         spin=("peterson.pml", {"N": "3"}, "")),
    Case("peterson4", "Peterson filter lock", PETERSON, None, PETERSON4),
    Case("peterson4-native", "Peterson filter lock", PETERSON, None, PETERSON4, engine=NATIVE,
         spin=("peterson.pml", PETERSON4, "")),
    Case("peterson4-native-fp", "Peterson filter lock", PETERSON, None, PETERSON4,
         "fingerprint", engine=NATIVE),
    Case("peterson4-fp", "Peterson filter lock", PETERSON, None, PETERSON4, "fingerprint"),
    Case("osv5", "OSv visibility", OSV, "levels", OSV5),
    Case("osv5-native", "OSv visibility", OSV, "levels", OSV5, engine=NATIVE,
         spin=("osv_levels.pml", {"T": "5"}, "-E")),
    Case("osv6-fp", "OSv visibility", OSV, "levels", OSV6, "fingerprint", quick=False),
    Case("osv6-native", "OSv visibility", OSV, "levels", OSV6, engine=NATIVE,
         spin=("osv_levels.pml", {"T": "6"}, "-E")),
    Case("osv6-native-fp", "OSv visibility", OSV, "levels", OSV6, "fingerprint",
         engine=NATIVE),
    Case("sw2-w1", "bdwgc stop-world", STOP_WORLD, "master_fix", {}, "fingerprint"),
    Case("sw2-w2", "bdwgc stop-world", STOP_WORLD, "master_fix", {}, "fingerprint", 2),
    Case("sw3", "bdwgc stop-world", STOP_WORLD, "master_fix", NM3, quick=False),
    Case("sw3-native", "bdwgc stop-world", STOP_WORLD, "master_fix", NM3, engine=NATIVE,
         spin=("stop_world.pml", NM3, "")),
    Case("sw3-native-w2", "bdwgc stop-world", STOP_WORLD, "master_fix", NM3, workers=2,
         engine=NATIVE),
    Case("sw3-native-fp", "bdwgc stop-world", STOP_WORLD, "master_fix", NM3, "fingerprint",
         engine=NATIVE),
    Case("sw3-w1", "bdwgc stop-world", STOP_WORLD, "master_fix", NM3, "fingerprint",
         quick=False),
    Case("sw3-w2", "bdwgc stop-world", STOP_WORLD, "master_fix", NM3, "fingerprint", 2,
         quick=False),
    # 90.8 million states: the Python engine would take about 40 minutes at its NM=3 rate, so
    # only the native one runs it (exact store, about 5 GB); SPIN needs about 9 GB (88 bytes
    # a state) and a larger hash table (-w27).
    Case("sw4-native", "bdwgc stop-world, threads 5", STOP_WORLD_5, "master_fix", NM4,
         engine=NATIVE, spin=("stop_world.pml", NM4, "-w27"), quick=False),
    Case("sw4-native-fp", "bdwgc stop-world, threads 5", STOP_WORLD_5, "master_fix", NM4,
         "fingerprint", engine=NATIVE, quick=False),
    Case("signals-sym", "fork/signal, symmetric tid", SIGNALS),
    Case("signals-sym-native", "fork/signal, symmetric tid", SIGNALS, engine=NATIVE),
    Case("signals-nosym", "fork/signal, symmetric tid", SIGNALS, symmetry=False),
    Case("counters-1m", "synthetic counters", "counters:2:999", store="fingerprint"),
    Case("counters-10m", "synthetic counters", "counters:2:3199", store="fingerprint",
         quick=False),
]


def stop_world_5() -> str:
    """specs/stop_world.spec with a fifth thread id, so that NM=4 compiles: its pool is
    `threads 4` (the collector and mutators 1..3) and its loops over the mutators step
    gi 1 -> 2 -> 3. Four edits, nothing else; for NM <= 3 the counts stay those of the
    spec itself (the fifth id is never used)."""
    text = (ROOT / STOP_WORLD).read_text(encoding="utf-8")
    edits = [  # (old, new, how often old must occur)
        ("threads 4;", "threads 5;", 1),
        ("(NM >= 3 && t == 3);", "(NM >= 3 && t == 3) || (NM >= 4 && t == 4);", 1),
        ("if NM >= 3 { spawn mutator(); }",
         "if NM >= 3 { spawn mutator(); }\n        if NM >= 4 { spawn mutator(); }", 1),
        ("if gi == 1 { gi = 2; } else { gi = 3; }",
         "if gi == 1 { gi = 2; } else if gi == 2 { gi = 3; } else { gi = 4; }", 3),
    ]
    for old, new, count in edits:
        if text.count(old) != count:
            raise RuntimeError(f"{STOP_WORLD} changed: '{old}' occurs {text.count(old)} "
                               f"times, not {count}; update stop_world_5()")
        text = text.replace(old, new)
    return text


def compile_case(case: Case) -> TransitionSystem:
    if case.spec.startswith("counters:"):
        _, n, k = case.spec.split(":")
        spec = load_text(counters(int(n), int(k)))
    elif case.spec == STOP_WORLD_5:
        spec = load_text(stop_world_5(), STOP_WORLD_5)
    else:
        spec = load(ROOT / case.spec)
    return compile_variant(spec, case.variant,
                           RunConfig(overrides=case.defines, symmetry=case.symmetry))


def run_case(case: Case) -> dict[str, object]:
    """In the child process: compile, search, measure."""
    ts = compile_case(case)
    verifier = Compile(ts.model).verifier() if case.engine == "native" else None
    children = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])  # the C compiler's
    before = resident_mib()
    cpu = time.process_time()
    if verifier is not None and case.workers == 1:
        outcome = native_search(ts, verifier, fingerprints=case.store == "fingerprint")
    elif verifier is not None:  # forked native shares; with the exact store they keep states
        outcome = search_levels(ts, sharing=Sharing(
            case.workers, library=NativeLibrary.of(verifier), keep=case.store == "exact"))
    elif case.store == "exact" and case.workers == 1:
        outcome = search(ts)
    else:
        outcome = search_levels(ts, sharing=Sharing(case.workers))
    s = outcome.stats
    cpu = time.process_time() - cpu + sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]) \
        - children
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss += case.workers * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss \
        if case.workers > 1 else 0
    return {"states": s.distinct_states, "transitions": s.transitions, "seconds": s.seconds,
            "cpu": cpu, "packed": verifier.layout.size if verifier is not None else None,
            "bytes": outcome.store.nbytes() / max(1, s.distinct_states),
            "rss_mib": rss / 1024, "complete": outcome.complete,
            # what the search added to the process's peak: the store, queues, buffers
            "peak_per_state": (rss / 1024 - before) * 2**20 / max(1, s.distinct_states)}


def profile_case(case: Case, top: int = 8) -> list[str]:
    """Where one process spends its time (cProfile, so slower than the timed run): the
    functions with the most time of their own, as shares of the whole."""
    ts = compile_case(case)
    prof = cProfile.Profile()
    prof.runcall(search, ts)
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]  # type: ignore[attr-defined]
    return [f"{100 * tt / total:4.1f}% {calls:>9,} calls  {Path(file).name}:{line} {name}"
            for (file, line, name), (_, calls, tt, _, _) in rows]


def spawn_case(case: Case) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--case", case.name], check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_spin(pml: str, defines: dict[str, str], flags: str) -> dict[str, object]:
    """spin -a, gcc, ./pan in a scratch directory; the state count and the time."""
    with tempfile.TemporaryDirectory() as tmp:
        dflags = [f"-D{k}={v}" for k, v in defines.items()]
        subprocess.run(["spin", *dflags, "-a", str(MODELS / pml)], cwd=tmp, check=True,
                       capture_output=True)
        subprocess.run(["gcc", "-O2", "-DSAFETY", "-DNOREDUCE", "-o", "pan", "pan.c"],
                       cwd=tmp, check=True, capture_output=True)
        cpu0 = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
        out = subprocess.run(["./pan", "-m10000000", *flags.split()], cwd=tmp, check=True,
                             capture_output=True, text=True).stdout
        cpu = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]) - cpu0
    def grab(pattern: str) -> float:
        m = re.search(pattern, out)
        if m is None:
            raise RuntimeError(f"no '{pattern}' in pan's output:\n{out}")
        return float(m.group(1))
    def count(what: str) -> tuple[int, int]:
        """A count pan prints with 8 significant digits (`%9.8g`): 441639490 comes out as
        4.4163949e+08. The value, and how far off it may be (0 when printed in full)."""
        m = re.search(r"([\d.]+)(?:e\+(\d+))? " + what, out)
        if m is None:
            raise RuntimeError(f"no '{what}' in pan's output:\n{out}")
        digits, exponent = m.group(1), int(m.group(2) or 0)
        decimals = len(digits.partition(".")[2])
        return round(float(digits) * 10 ** exponent), \
            (5 * 10 ** (exponent - decimals - 1) if exponent > decimals else 0)
    seconds = grab(r"elapsed time ([\d.e+-]+) seconds")
    states, states_off = count("states, stored")
    transitions, transitions_off = count("transitions")
    # pan's CPU time includes clearing its hash table (hundreds of MB) before the search;
    # its elapsed time is the search alone, so the smaller of the two is the search's CPU.
    return {"states": states, "states_off": states_off,
            "transitions": transitions, "transitions_off": transitions_off,
            "seconds": seconds, "cpu": min(cpu, seconds),
            "rss_mib": grab(r"([\d.]+)\s+total actual memory usage"),
            "errors": int(grab(r"errors: (\d+)"))}


def row(model: str, constants: str, r: dict[str, object], tool: str) -> str:
    states, seconds = int(r["states"]), float(r["seconds"])  # type: ignore[arg-type]
    per_s = states / seconds if seconds > 0 else float("inf")
    stored = f"{float(r['bytes']):.1f}" if "bytes" in r else "-"  # type: ignore[arg-type]
    cpu = max(float(r.get("cpu", seconds)), 1e-3)  # type: ignore[arg-type]
    return (f"| {tool} | {model} | {constants} | {states:,} | {int(r['transitions']):,} | "  # type: ignore[call-overload]
            f"{seconds:.2f} | {per_s:,.0f} | {cpu:.2f} | {states / cpu:,.0f} | {stored} | "
            f"{float(r['rss_mib']):,.0f} |")  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the subset that runs in a minute")
    ap.add_argument("--write", action="store_true", help="rewrite benchmarks/RESULTS.md")
    ap.add_argument("--only", metavar="NAMES",
                    help="these cases only (comma-separated, e.g. sw3,sw4-native)")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        case = next(c for c in CASES if c.name == args.case)
        print(json.dumps(profile_case(case) if args.profile else run_case(case)))
        return
    if shutil.which("spin") is None or shutil.which("gcc") is None:
        sys.exit("bench: spin and gcc are needed (Debian packages spin, gcc)")
    cases = [c for c in CASES if c.quick or not args.quick]
    if args.only:
        if args.write:
            sys.exit("bench: --write records a whole run, not --only")
        names = args.only.split(",")
        unknown = set(names) - {c.name for c in CASES}
        if unknown:
            sys.exit(f"bench: no case {', '.join(sorted(unknown))}")
        cases = [c for c in CASES if c.name in names]
    load_before = os.getloadavg()
    lines = ["| tool | model | constants | distinct states | transitions | seconds | "
             "states/s | CPU s | states/CPU s | bytes/state stored | peak RSS MiB |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    print("\n".join(lines), flush=True)
    results: dict[str, dict[str, object]] = {}
    spins: dict[str, dict[str, object]] = {}
    notes: list[str] = []
    for case in cases:
        r = results[case.name] = spawn_case(case)
        lines.append(row(case.model, case.constants, r, "mcheck"))
        print(lines[-1], flush=True)
        if case.spin is not None:
            sp = spins[case.name] = run_spin(*case.spin)
            constants = " ".join(f"{k}={v}" for k, v in case.spin[1].items())
            lines.append(row(case.model, f"{case.spin[0]} {constants}", sp, "SPIN"))
            print(lines[-1], flush=True)
            notes.append(spin_note(case, r, sp))
    notes += targets(results, spins)
    load_after = os.getloadavg()
    notes.append(f"Machine: {os.cpu_count()} cores; load average {load_before[0]:.1f} before, "
                 f"{load_after[0]:.1f} after (other processes share the cores).")
    print()
    print("\n".join(f"- {n}" for n in notes))
    if args.write:
        write_results(lines, notes, args.quick)


def spin_note(case: Case, r: dict[str, object], sp: dict[str, object]) -> str:
    def near(mine: object, spin: object, off: object) -> bool:
        return abs(int(mine) - int(spin)) <= int(off)  # type: ignore[call-overload]

    rounded = " (as far as pan prints it, 8 significant digits)"
    same = "equal" if near(r["states"], sp["states"], sp["states_off"]) else "DIFFERENT"
    same += rounded if sp["states_off"] else ""
    wall = float(sp["seconds"]) and float(r["seconds"]) / float(sp["seconds"])  # type: ignore[arg-type]
    cpu = float(r["cpu"]) / max(float(sp["cpu"]), 1e-3)  # type: ignore[arg-type]
    steps = ("SPIN counts one transition more: it counts the step into the initial state"
             + (rounded if sp["transitions_off"] else "") + "."
             if near(int(r["transitions"]) + 1, sp["transitions"], sp["transitions_off"])  # type: ignore[call-overload]
             else f"Transition counts DIFFERENT (mcheck {r['transitions']:,}, SPIN "
             f"{sp['transitions']:,}; SPIN should count exactly one more, the step into the "
             "initial state).")
    return (f"{case.name}: state counts {same} (mcheck {r['states']:,}, SPIN {sp['states']:,}); "
            f"SPIN is {wall:.1f}x as fast in wall-clock time, {cpu:.1f}x in CPU time. {steps}")


def targets(results: dict[str, dict[str, object]],
            spin: dict[str, dict[str, object]]) -> list[str]:
    """The native engine's targets, from the rows of this run (CPU time: what the load on a
    shared machine changes least; the 2-thread target is wall time, its point)."""
    out = []

    def rate(r: dict[str, object]) -> float:
        return float(r["states"]) / max(float(r["cpu"]), 1e-3)  # type: ignore[arg-type]

    for model, python, native in (("Peterson N=4", "peterson4", "peterson4-native"),
                                  ("OSv THREADS=5", "osv5", "osv5-native"),
                                  ("OSv THREADS=6", "osv6-fp", "osv6-native"),
                                  ("stop-world NM=3", "sw3", "sw3-native"),
                                  ("stop-world NM=4", None, "sw4-native")):
        if native not in results:
            continue
        nat = rate(results[native])
        if native in spin:
            need = 1.0 if native.startswith("peterson") else 0.5
            ratio = nat / rate(spin[native])
            out.append(f"target native >= {need:g}x SPIN's states/s on {model}: {ratio:.2f}x "
                       f"({nat:,.0f} against {rate(spin[native]):,.0f} per CPU second) -> "
                       + ("met" if ratio >= need else "MISSED"))
        if python in results:
            ratio = nat / rate(results[python])
            out.append(f"target native >= 15x the Python engine on {model}: {ratio:.1f}x -> "
                       + ("met" if ratio >= 15 else "MISSED"))
    if "sw3-native-w2" in results and "sw3-native" in results:
        speedup = float(results["sw3-native"]["seconds"]) / \
            float(results["sw3-native-w2"]["seconds"])  # type: ignore[arg-type]
        out.append(f"target 2 workers >= 1.7x one process (wall) on stop-world NM=3: "
                   f"{speedup:.2f}x -> " + ("met" if speedup >= 1.7 else "MISSED")
                   + " (meaningful only when both cores are free: see the load below)")
    fp = [(n, r) for n, r in results.items() if r.get("packed") and "-fp" in n]
    if fp:
        worst = max(float(r["bytes"]) for _, r in fp)  # type: ignore[arg-type]
        peak = max(float(r["peak_per_state"]) for _, r in fp)  # type: ignore[arg-type]
        out.append(f"target <= 16 bytes/state, native fingerprint store: at most {worst:.1f} "
                   f"stored ({peak:.1f} of peak memory a state) -> "
                   + ("met" if worst <= 16 else "MISSED"))
    exact = [(n, r) for n, r in results.items() if r.get("packed") and "-fp" not in n
             and "-w" not in n]
    if exact:
        over = max(float(r["bytes"]) - int(r["packed"]) for _, r in exact)  # type: ignore
        out.append(f"target <= packed state + 16 bytes/state, native exact store: at most "
                   f"packed + {over:.1f} -> " + ("met" if over <= 16 else "MISSED"))
    if "counters-10m" in results:
        c = results["counters-10m"]
        out.append(f"target 10 million states without running out of memory: "
                   f"{c['states']:,} states, peak RSS {float(c['rss_mib']):,.0f} MiB -> "  # type: ignore[arg-type]
                   + ("met" if c["complete"] else "MISSED"))
    return out


def write_results(lines: list[str], notes: list[str], quick: bool) -> None:
    command = "python benchmarks/bench.py" + (" --quick" if quick else "") + " --write"
    text = ["# Benchmark results", "",
            f"Produced by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            "Wall-clock seconds on a shared machine; compare rows of this one run.", "",
            *lines, "", *[f"- {n}" for n in notes], ""]
    (ROOT / "benchmarks" / "RESULTS.md").write_text("\n".join(text), encoding="utf-8")


if __name__ == "__main__":
    main()
