"""What liveness checking costs next to the safety search alone, and next to SPIN's
acceptance-cycle search on the same state machine.

    python benchmarks/liveness.py            # Peterson's filter lock, N = 3 and N = 4
    python benchmarks/liveness.py --stores   # stop_world pre_d07: each engine and store

The model is benchmarks/models/peterson.spec (SPIN's twin: peterson.pml, with equal state
counts for the safety search) plus starvation freedom of process 0 in terms of the
shared array: `level[0] > 0 ~> level[0] == 0` (once it starts climbing it leaves the
critical section), under weak fairness per thread. SPIN checks the same formula as an LTL
never claim with `pan -a` (acceptance cycles) and `pan -a -f` (weak fairness); its state
count includes the never claim's product states, so it differs. The mcheck rows use the
Python engine; "liveness" is the pass after the search (graph and cycle search), whose
bytes are the graph's. SPIN's memory is mostly its preallocated hash table, so it has no
bytes-per-state column; without -f it stops at the first acceptance cycle. Wall-clock on
a shared machine: compare rows of one run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modelcheck.app.config import RunConfig  # noqa: E402
from modelcheck.app.pipeline import run_variant  # noqa: E402
from modelcheck.lang.source import load, load_text  # noqa: E402

MODELS = ROOT / "benchmarks" / "models"
PROPERTY = """
fairness weak;
liveness LEAVES: level[0] > 0 ~> level[0] == 0;
"""
LTL = "ltl leaves { [] ((level[0] > 0) -> <> (level[0] == 0)) }\n"


def mcheck(n: int, liveness: bool) -> list[str]:
    text = (MODELS / "peterson.spec").read_text() + PROPERTY
    began = time.monotonic()
    _, v = run_variant(load_text(text, path="peterson.spec"), None,
                       RunConfig(overrides={"N": str(n)}, engine="python",
                                 liveness=liveness, certify=False))
    total = time.monotonic() - began
    s, live = v.stats, v.liveness
    status = next(p.status for p in v.properties if p.name == "LEAVES")
    extra = f"{live.seconds:.2f}" if liveness and live else "-"
    graph = f"{live.graph_bytes / s.distinct_states:.1f}" if liveness and live else "-"
    return [f"mcheck{' + liveness' if liveness else ' safety only'}", str(n),
            f"{s.distinct_states:,}", f"{s.seconds:.2f}", extra, f"{total:.2f}",
            f"{s.distinct_states / total:,.0f}", f"{s.bytes_per_state:.1f}", graph, status]


def spin(n: int, fair: bool) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "peterson.pml"
        model.write_text((MODELS / "peterson.pml").read_text() + LTL)
        began = time.monotonic()
        run = lambda *cmd: subprocess.run(cmd, cwd=tmp, capture_output=True, text=True,  # noqa: E731
                                          check=True).stdout
        run("spin", f"-DN={n}", "-a", "peterson.pml")
        run("gcc", "-O2", "-DNOREDUCE", "-o", "pan", "pan.c")
        compiled = time.monotonic()
        out = run("./pan", "-a", *(["-f"] if fair else []), "-m100000")
        done = time.monotonic()
    states = next(line.split()[0] for line in out.splitlines() if "states, stored" in line)
    errors = next(line.split("errors:")[1].strip() for line in out.splitlines()
                  if "errors:" in line)
    return [f"SPIN pan -a{' -f' if fair else ''}", str(n), f"{int(states):,}",
            f"{done - compiled:.2f}", "-", f"{done - began:.2f} (with gcc)",
            f"{int(states) / max(done - compiled, 1e-9):,.0f}", "-", "-",
            "holds" if errors == "0" else "violated"]


def stores() -> None:
    """The liveness pass of stop_world pre_d07 (257,547 states, L-HANG violated) on each
    engine and store: the native exact store lists its edges and evaluates the predicates
    in C; the fingerprint stores are numbered again by a Python pass."""
    spec = load(ROOT / "specs" / "stop_world.spec")
    print("| engine | store | states | search s | liveness s | graph bytes/state | L-HANG |")
    print("|---|---|---|---|---|---|---|")
    for engine, store in (("native", "exact"), ("native", "fingerprint"),
                          ("python", "exact"), ("python", "fingerprint")):
        _, v = run_variant(spec, "pre_d07", RunConfig(engine=engine, store=store,
                                                       certify=False))
        s, live = v.stats, v.liveness
        assert live is not None
        status = next(p for p in v.properties if p.name == "L-HANG")
        print(f"| {engine} | {store} | {s.distinct_states:,} | {s.seconds:.2f} | "
              f"{live.seconds:.2f} | {live.graph_bytes / s.distinct_states:.1f} | "
              f"{status.status} in {status.trace_length} |")


def main() -> None:
    if sys.argv[1:] == ["--stores"]:
        stores()
        return
    head = ["checker", "N", "states", "search s", "liveness s", "total s", "states/s",
            "bytes/state", "graph bytes/state", "LEAVES"]
    rows = []
    for n in (3, 4):
        rows.append(mcheck(n, False))
        rows.append(mcheck(n, True))
        if shutil.which("spin") and shutil.which("gcc"):
            rows.append(spin(n, False))
            rows.append(spin(n, True))
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
