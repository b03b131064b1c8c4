"""Records, tuples, arrays over finite keys, sequences, large sets and recursive definitions
in `mcheck prove --unbounded` (`symbolic/unbounded_compound.py`, `unbounded_folds.py`).

Each spec has a variant whose invariants the unbounded encoding proves for every number of
threads and broken variants it must never prove; the explicit search over a few pool sizes
is the reference for which variant breaks what. An overflowing sequence and an index
outside its array are asked of the encoding's failures directly: they must fail `bounds`
and `runtime` exactly in the states where the engines do, never be dropped.

The broken variants run with a 1 s z3 limit: a wrong encoding that lost the bug proves on
the ground instances at once, and the default limit would only spend the suite's time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import z3

from modelcheck.app.cli import main
from modelcheck.check.checker import check as check_model
from modelcheck.lang.source import load_text
from modelcheck.symbolic.unbounded import encode_unbounded
from modelcheck.symbolic.unbounded_readback import readable
from tests.conftest import check, write

DATA = (Path(__file__).parent.parent / "specs" / "examples" / "unbounded_data.spec").read_text()

# Producers spawned without end append the next value of `top` to a channel of two; the
# consumer takes its head and marks it in an array over 1..3. `stale` appends before
# counting (the last item is no longer `top`), `no_wait` appends to a full channel
# (`bounds`), `off_index` marks past the array's end (`runtime`).
SEQ = """
variants good, stale, no_wait, off_index;
threads 5;
var chan: seq[2] of 1..3 = [];
var top: 0..3 = 0;
var hits: array[1..3] of bool = [false];
thread producer() {
    put: {
        if variant != no_wait { await len(chan) < 2; }
        await top < 3;
        if variant == stale { chan = append(chan, if top == 0 then 1 else top); top = top + 1; }
        else { top = top + 1; chan = append(chan, top); }
    }
}
thread consumer() {
    get: {
        await len(chan) > 0;
        if variant == off_index { hits[head(chan) + 1] = true; } else { hits[head(chan)] = true; }
        chan = tail(chan);
        goto get;
    }
}
thread main() { s: { spawn producer(); goto s; } }
start main();
start consumer();
option deadlock = false;
invariant SORTED: len(chan) == 2 -> chan[0] < chan[1];
lemma LAST: len(chan) > 0 -> chan[len(chan) - 1] == top;
"""

# A set of 65 possible members (one bool each): every worker adds 21 times its number;
# `size` counts members, `pick` finds one, `/` and `mod` take numbers apart. `off` adds
# one more than that (LAST and STEP break).
WIDE = """
variants good, off;
threads 5;
var wide: set of 0..64 = {};
var n: 0..3 = 0;
thread w() {
    add: { await n < 3; n = n + 1; wide = wide | {if variant == off then n * 21 + 1 else n * 21}; }
}
thread main() { s: { spawn w(); goto s; } }
start main();
option deadlock = false;
invariant COUNT: size(wide) == n;
invariant LAST: n > 0 -> pick(v in wide : v / 21 == n) == n * 21;
lemma STEP: forall v in wide : v mod 21 == 0 && v / 21 <= n && v > 0;
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`mcheck prove` writes its HTML page to ./reports when it finds a trace."""
    monkeypatch.chdir(tmp_path)


def prove(tmp_path: Path, src: str, variant: str, *args: str) -> dict[str, dict[str, Any]]:
    """Each property's JSON result by name (`--unbounded`, no inference)."""
    out = tmp_path / "prove.json"
    out.unlink(missing_ok=True)
    main(["prove", write(tmp_path, src), "--variant", variant, "--unbounded", "--no-infer",
          "--json", str(out), *args])
    return {r["name"]: r for r in json.loads(out.read_text())["results"]}


def violated(src: str, variant: str, pools: tuple[int, ...]) -> set[str]:
    """What the explicit search breaks in the variant, over several pool sizes; the
    threads line of each spec reads `threads N;`."""
    line = next(x for x in src.splitlines() if x.startswith("threads "))
    out: set[str] = set()
    for n in pools:
        v = check(src.replace(line, f"threads {n};"), variant=variant)
        out |= {p.name for p in v.properties if p.status == "violated"}
    return out


@pytest.mark.parametrize("src, good, broken", [
    (DATA, ["MARKED", "FLIP", "OWNER", "HELD", "PHASE", "KEY"],
     {"no_wait": {"OWNER"}, "wrong_mark": {"MARKED"}}),
    (SEQ, ["SORTED", "LAST"], {"stale": {"SORTED", "LAST"}}),
    (WIDE, ["COUNT", "LAST", "STEP"], {"off": {"LAST", "STEP"}}),
], ids=["records_tuples_arrays", "sequences", "large_sets"])
def test_proved_for_every_number_of_threads_and_broken_variants_never(
        tmp_path: Path, src: str, good: list[str], broken: dict[str, set[str]]) -> None:
    assert violated(src, "good", (2, 3, 4)) == set()
    results = prove(tmp_path, src, "good")
    assert {n: r["outcome"] for n, r in results.items()} == dict.fromkeys(good, "proved")
    for variant, breaks in broken.items():  # breaks: what the spec's own pool breaks
        bad = violated(src, variant, (3, 4))
        assert bad >= breaks
        results = prove(tmp_path, src, variant, "--timeout", "1")
        assert all(r["outcome"] != "proved" for n, r in results.items() if n in bad)
        assert {n for n, r in results.items() if r["outcome"] == "refuted"} == breaks


@pytest.mark.parametrize("variant, prop, where", [
    ("no_wait", "bounds", "chan.len == 2"),       # the append past the capacity
    ("off_index", "runtime", "chan.items[0] == 3"),  # hits[3 + 1]
])
def test_overflow_and_index_out_of_range_fail_where_the_engines_do(
        variant: str, prop: str, where: str) -> None:
    """The step's failure can happen, only in the states the comment names, and the good
    variant fails neither: a failure is a violation of its property, not a step dropped."""
    assert prop in violated(SEQ, variant, (5,))
    spec = load_text(SEQ, path="t.spec")

    def failing(v: str, *also: Any) -> z3.CheckSatResult:
        enc = encode_unbounded(check_model(spec.ast, v, {}), "t.spec")
        s = enc.state("s.")
        chan = s.globals["chan"]  # its slots: len, items[0], items[1]
        named = {"chan.len == 2": chan[0] == 2, "chan.items[0] == 3": chan[1] == 3}[where]
        solver = z3.Solver()
        solver.add(enc.typed(s), enc.failures(s).get(prop, z3.BoolVal(False)),
                   *[z3.Not(named) for _ in also])
        return solver.check()

    assert failing(variant) == z3.sat
    assert failing(variant, "elsewhere") == z3.unsat
    assert failing("good") == z3.unsat


def test_a_record_and_a_sequence_read_back_as_the_search_shows_them() -> None:
    """A z3 state of the unbounded encoding, read back for a CTI or a trace: the record as
    a dict, the sequence as the list of its first `len` items, a thread id by its name."""
    src = ("var r: record { a: 0..3, b: bool, o: tid? } = {a: 0, b: false, o: none};\n"
           "var q: seq[2] of 0..3 = [];\n"
           "thread t() { s: { r.a = 1; q = [r.a]; } }\nstart t();\n")
    spec = load_text(src, path="t.spec")
    enc = encode_unbounded(check_model(spec.ast, None, {}), "t.spec")
    s = enc.state("s.")
    r, q = s.globals["r"], s.globals["q"]
    solver = z3.Solver()
    solver.add(enc.typed(s), r[0] == 2, r[1], z3.Not(r[2].none), r[2].val == enc.starts[0],
               q[0] == 1, q[1] == 3)
    assert solver.check() == z3.sat
    shown = readable(enc, solver.model(), s)
    assert (shown["r"], shown["q"]) == ({"a": 2, "b": True, "o": "0"}, [3])
