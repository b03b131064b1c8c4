"""Time to proof for every holding property of every variant of every shipped spec.

    python benchmarks/prove_table.py                     # every spec (about 10 minutes)
    python benchmarks/prove_table.py specs/tls_swap.spec # one spec
    python benchmarks/prove_table.py --unbounded         # every number of threads

For each variant the explicit search decides which properties hold; those are then proved
with `mcheck prove`'s own code (`symbolic.proving.prove_all`, fixed pool, k = 1), the spec's
hand-written lemmas removed: once with invariant inference (one run per variant: mining and
Houdini are shared by its properties, so the time is the variant's) and once without (one
run per property). A property the inference run leaves unknown goes to PDR (z3's Spacer,
`symbolic/pdr.py`, 60 s a property, as `mcheck prove` does by default; `--no-pdr` skips
it): its outcome is the "PDR" column, and its time is in the inference run's. A table row
per holding property; timings are the process's CPU seconds
(z3 runs in it), with the wall-clock time of the inference run beside them: on a machine
shared with other jobs the wall clock says more about the load than about the proof.
Violated properties are left out: the search refutes them. The last run's table is
benchmarks/PROVE_TABLE.md.

With --unbounded, each variant with an invariant or assertion that holds in the search is
proved for every number of threads instead (`mcheck prove --unbounded`, inference on, the
hand-written lemmas removed): a row per property with the search's verdict for the pool,
the proof's outcome and the variant's CPU and wall seconds (a property violated in the
pool must never be proved), or one row with the construct the encoding refuses.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modelcheck.check.checker import check  # noqa: E402
from modelcheck.lang.errors import SpecError  # noqa: E402
from modelcheck.lang.source import load_text  # noqa: E402
from modelcheck.symbolic.explicit import explore  # noqa: E402
from modelcheck.symbolic.proof_encodings import Bounded  # noqa: E402
from modelcheck.symbolic.proving import prove_all, prove_unbounded  # noqa: E402

SPECS = sorted((ROOT / "specs").glob("*.spec"))


def without_lemmas(text: str) -> str:
    return re.sub(r"\blemma [^;]*;", "", text)


def rows(path: Path, only: list[str], pdr: bool) -> Iterator[tuple[str, ...]]:
    spec = load_text(without_lemmas(path.read_text()), path=str(path))
    for variant in [v for v in spec.variants if not only or v in only]:
        model = check(spec.ast, variant, {})
        reach = explore(model)
        holding = [p.name for p in model.properties
                   if p.kind in ("invariant", "assertion") and p.name not in reach.violated()]
        if not holding:
            continue
        start, cpu = time.monotonic(), time.process_time()
        inferred = prove_all(Bounded(spec, model, {}), 1, 60.0, holding, True,
                             pdr_limit=60.0 if pdr else None)
        with_time, with_cpu = time.monotonic() - start, time.process_time() - cpu
        with_outcome = {r.name: r.outcome for r in inferred.results}
        by_pdr = {r.name: r.outcome if "(PDR)" in r.reason else "unknown"
                  for r in inferred.results if "PDR" in r.reason}
        with_outcome.update({name: "unknown" for name in by_pdr})
        for name in holding:
            cpu = time.process_time()
            plain = prove_all(Bounded(spec, model, {}), 1, 60.0, [name], False)
            outcome = next(r.outcome for r in plain.results if r.name == name)
            yield (path.stem, variant, name, f"{len(reach.states())}", with_outcome[name],
                   by_pdr.get(name, ""), f"{with_cpu:.1f}", f"{with_time:.1f}", outcome,
                   f"{time.process_time() - cpu:.1f}")


def unbounded_rows(path: Path, only: list[str]) -> Iterator[tuple[str, ...]]:
    spec = load_text(without_lemmas(path.read_text()), path=str(path))
    for variant in [v for v in spec.variants if not only or v in only]:
        model = check(spec.ast, variant, {})
        violated = explore(model).violated()
        if not [p for p in model.properties
                if p.kind in ("invariant", "assertion") and p.name not in violated]:
            continue
        start, cpu = time.monotonic(), time.process_time()
        try:
            _, proof = prove_unbounded(spec, variant, {}, 1, 60.0, [])
        except SpecError as e:
            yield (path.stem, variant, "(refused)", "", str(e).split(": ", 1)[-1], "", "")
            continue
        took = (f"{time.process_time() - cpu:.1f}", f"{time.monotonic() - start:.1f}")
        for r in proof.results:
            if not r.name.startswith("INFERRED-"):
                search = "violated" if r.name in violated else "holds"
                yield (path.stem, variant, r.name, search, r.outcome, *took)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("specs", nargs="*", type=Path, default=SPECS)
    p.add_argument("--variant", action="append", default=[], help="only these variants")
    p.add_argument("--unbounded", action="store_true", help="every number of threads")
    p.add_argument("--no-pdr", action="store_true", help="no PDR for what inference leaves")
    args = p.parse_args()
    if args.unbounded:
        unbounded_table(args.specs, args.variant)
        return
    head = ("spec", "variant", "property", "states", "inferred", "PDR", "cpu s (variant)",
            "wall s", "no inference", "cpu s")
    widths = [14, 21, 16, 6, 8, 7, 15, 6, 12, 5]

    def show(r: tuple[str, ...]) -> None:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |", flush=True)

    show(head)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    table = []
    for path in args.specs:
        for r in rows(path, args.variant, not args.no_pdr):
            show(r)
            table.append(r)
    print(f"\nwith inference: {sum(r[4] == 'proved' for r in table)} of {len(table)} holding "
          f"properties proved, and {sum(r[5] == 'proved' for r in table)} more by PDR; "
          f"without: {sum(r[8] == 'proved' for r in table)}")


def unbounded_table(specs: list[Path], only: list[str]) -> None:
    print("| spec | variant | property | search (pool) | every number of threads | cpu s "
          "| wall s |")
    print("|---|---|---|---|---|---|---|")
    table = []
    for path in specs:
        for r in unbounded_rows(path, only):
            print("| " + " | ".join(r) + " |", flush=True)
            table.append(r)
    proved = {(r[0], r[1]) for r in table if r[4] == "proved"} - \
        {(r[0], r[1]) for r in table if r[4] != "proved"}
    print(f"\nvariants with every property proved: {len(proved)} "
          f"({', '.join(f'{s} {v}' for s, v in sorted(proved))})")


if __name__ == "__main__":
    main()
