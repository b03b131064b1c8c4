"""What a memory model costs: Peterson's lock for two threads, each entering its critical
section ROUNDS times, under sc, tso and release_acquire, plain or fenced (`turn = other` as
an atomic exchange followed by a full fence). Prints one table row per run (states,
transitions, seconds, verdict).

    python benchmarks/memory_models.py [--rounds 1 2 3] [--engine native|python]

Plain, TSO lets each thread read the other's flag before its own store left the buffer, and
release/acquire lets it read an old message: MUTEX breaks. Fenced, both hold (a fence alone
is not enough under release/acquire: a plain store to `turn` may be ordered before the other
thread's, which it has not seen). The table shows how many more states the store buffers and
histories take than SC.
"""

from __future__ import annotations

import argparse
import time

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.lang.source import load_text

PETERSON = """
option memory = MODEL;
option memory_bound = BOUND;
const ROUNDS = R;
atomic var flag0: bool = false;
atomic var flag1: bool = false;
atomic var turn: 0..1 = 0;
var in_cs: 0..2 = 0;

thread p(me: 0..1) {
    var left: 0..ROUNDS = ROUNDS;
    want: { if me == 0 { flag0 = true; } else { flag1 = true; } }
    yield_turn: { FENCE turn = 1 - me; FENCE }
    wait: {
        await (if me == 0 then !flag1 else !flag0) || turn == me;
        in_cs = in_cs + 1;
    }
    leave: {
        in_cs = in_cs - 1;
        left = left - 1;
        if me == 0 { flag0 = false; } else { flag1 = false; }
        if left > 0 { goto want; }
    }
}
start p(0);
start p(1);
invariant MUTEX: in_cs <= 1;
"""


def row(model: str, fence: bool, rounds: int, engine: str) -> str:
    src = (PETERSON.replace("MODEL", model).replace("BOUND", str(3 * rounds))
           .replace("const ROUNDS = R", f"const ROUNDS = {rounds}")
           .replace("FENCE turn", "let previous = turn; turn" if fence else "turn")
           .replace("FENCE", "fence;" if fence else ""))
    start = time.perf_counter()
    v = run_variant(load_text(src, "peterson.spec"), None,
                    RunConfig(engine=engine, certify=False))[1]
    seconds = time.perf_counter() - start
    broken = [p.name for p in v.properties if p.status == "violated"]
    verdict = "holds" if v.result == "holds" else f"violates {', '.join(broken)}"
    return (f"| {model} | {'yes' if fence else 'no'} | {rounds} | {v.stats.distinct_states:,} | "
            f"{v.stats.transitions:,} | {seconds:.2f} | {verdict} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--engine", default="native", choices=["native", "python", "auto"])
    args = ap.parse_args()
    print("| model | fenced | rounds | states | transitions | seconds | verdict |")
    print("|---|---|---:|---:|---:|---:|---|")
    for rounds in args.rounds:
        for model in ("sc", "tso", "release_acquire"):
            for fence in (False, True):
                print(row(model, fence, rounds, args.engine), flush=True)


if __name__ == "__main__":
    main()
