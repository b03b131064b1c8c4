"""`thread_local` variables in `mcheck prove --unbounded`: a thread-indexed array over the
unbounded sort of ids, set from its initialiser when a thread starts, and zeroed before
and after, as the engines zero a thread's block (false, 0, thread 0, not none).

A lock whose holder is marked in a thread-local `mine`: the spec's own lemmas make
mutual exclusion 1-inductive for every number of threads; the broken variants must be
refuted (never proved), with the explicit search's trace lengths.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelcheck.app.cli import main
from tests.conftest import check, write

LOCK = """
threads 3;
var held: bool = false;
thread_local mine: bool = false;
thread w() {
    lock: { await !held; held = true; mine = true; }
    unlock: { held = false; mine = false; }
}
thread main() {
    s: { spawn w(); goto s; }
}
start main();
option deadlock = false;
invariant MUTEX: forall a in tid : forall b in tid : (a at w.unlock && b at w.unlock) -> a == b;
lemma ONE: forall a in tid : forall b in tid :
    (alive(a) && alive(b) && mine@a && mine@b) -> a == b;
lemma HELD: forall a in tid : (alive(a) && mine@a) -> held;
lemma OWNER: forall a in tid : a at w.unlock -> mine@a;
lemma ONLY: forall a in tid : (alive(a) && mine@a) -> a at w.unlock;
"""

# The holder finishes without clearing `mine`: still proved (every lemma reads only alive
# threads' copies).
NO_CLEAR = LOCK.replace("unlock: { held = false; mine = false; }", "unlock: { held = false; }")
# A spawned thread's `mine` starts as `held`: a thread spawned while the lock is held
# starts out owning it (ONE and ONLY in 3 steps, HELD in 4).
INIT_HELD = LOCK.replace("thread_local mine: bool = false;", "thread_local mine: bool = held;")
# Every thread, the start thread included, starts out owning the lock.
INIT_TRUE = LOCK.replace("thread_local mine: bool = false;", "thread_local mine: bool = true;")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`mcheck prove` writes its HTML page to ./reports when it finds a trace."""
    monkeypatch.chdir(tmp_path)


def prove(tmp_path: Path, src: str, *args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    """Exit code and each property's JSON result by name."""
    out = tmp_path / "prove.json"
    out.unlink(missing_ok=True)
    code = main(["prove", write(tmp_path, src), "--json", str(out), "--no-infer",
                 "--timeout", "5", *args])
    return code, {r["name"]: r for r in json.loads(out.read_text())["results"]}


@pytest.mark.parametrize("mode", [[], ["--unbounded"]], ids=["pool", "unbounded"])
@pytest.mark.parametrize("src", [LOCK, NO_CLEAR], ids=["lock", "no_clear"])
def test_thread_local_lock_is_proved_in_both_encodings(tmp_path: Path, src: str,
                                                      mode: list[str]) -> None:
    code, results = prove(tmp_path, src, *mode)
    assert code == 0
    assert {n: r["outcome"] for n, r in results.items()} == dict.fromkeys(
        ["MUTEX", "ONE", "HELD", "OWNER", "ONLY"], "proved")


@pytest.mark.parametrize("src,refuted", [(INIT_HELD, {"ONE": 3, "ONLY": 3}),
                                         (INIT_TRUE, {"HELD": 0, "ONLY": 0, "ONE": 1})],
                         ids=["init_held", "init_true"])
def test_a_wrong_initialiser_is_refuted_never_proved(tmp_path: Path, src: str,
                                                    refuted: dict[str, int]) -> None:
    code, results = prove(tmp_path, src, "--unbounded")
    assert code == 1
    assert all(r["outcome"] != "proved" for r in results.values())
    got = {n: r["counterexample"]["length"] for n, r in results.items()
           if r["outcome"] == "refuted"}
    assert got == refuted
    explicit = {p.name: p.trace_length for p in check(src).properties
                if p.status == "violated"}
    assert all(explicit[n] == k for n, k in refuted.items())


def test_unbounded_bmc_agrees_with_the_pool_and_the_search(tmp_path: Path) -> None:
    """Within the pool's reach (3 ids, 4 steps) every encoding finds the same violations at
    the same depths as the explicit search."""
    explicit = {p.name: p.trace_length for p in check(INIT_HELD).properties
                if p.status == "violated"}
    assert explicit == {"ONE": 3, "ONLY": 3, "HELD": 4}
    for mode in ([], ["--unbounded"]):
        out = tmp_path / "bmc.json"
        main(["prove", write(tmp_path, INIT_HELD), "--bmc", "4", "--json", str(out), *mode])
        doc = json.loads(out.read_text())
        assert doc["gave_up"] is None
        found = {r["name"]: r["length"] for r in doc["results"] if r["status"] == "violated"}
        assert found == explicit, mode


# Mutual exclusion with no lemma at all: the inferred ones carry over to every number of
# threads, among them `!held -> !mine@a`, true only because a finished thread's copy is zero.
INFERRED = LOCK.split("lemma ONE")[0].replace(
    "thread_local mine: bool = false;",
    "thread_local mine: bool = false;\nthread_local who: tid? = none;\n"
    "thread_local n: 1..2 = 2;").replace("mine = true; }", "mine = true; who = self; n = 1; }") \
    + "invariant ONE: forall a in tid : forall b in tid :\n" \
    "    (alive(a) && alive(b) && mine@a && mine@b) -> a == b;\n"
ZEROED = "invariant ZERO: forall a in tid : done(a) -> (who@a == 0 && n@a == 0 && !mine@a);\n"


def test_inferred_lemmas_over_thread_locals_carry_to_every_number_of_threads(
        tmp_path: Path) -> None:
    out = tmp_path / "prove.json"
    code = main(["prove", write(tmp_path, INFERRED), "--unbounded", "--property", "ONE",
                 "--json", str(out)])
    doc = json.loads(out.read_text())
    assert code == 0 and all(r["outcome"] == "proved" for r in doc["results"])
    assert any(r["name"].startswith("INFERRED-") for r in doc["results"])
    assert "!held -> !mine@a" in json.dumps(doc)


def test_a_finished_threads_copy_reads_as_zero(tmp_path: Path) -> None:
    """`who@a == 0` and `n@a == 0` (outside 1..2) hold of a finished thread, in the search
    and in both encodings; `who@a == none` does not, and is never proved."""
    assert all(p.status != "violated" for p in check(INFERRED + ZEROED).properties)
    for mode in ([], ["--unbounded"]):
        code, results = prove(tmp_path, INFERRED + ZEROED, "--property", "ZERO", *mode)
        assert code == 0 and results["ZERO"]["outcome"] == "proved", mode
    wrong = "invariant NONE: forall a in tid : done(a) -> who@a == none;\n"
    code, results = prove(tmp_path, INFERRED + wrong, "--property", "NONE", "--unbounded",
                          "--timeout", "2")
    assert code == 1 and results["NONE"]["outcome"] == "refuted"
    assert results["NONE"]["counterexample"]["length"] == 3
