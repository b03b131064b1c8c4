"""`--unbounded` on the shipped protocols: what the constants make unreachable is cut before
encoding (`symbolic/unbounded_prune.py`), dead variables are sliced away
(`unbounded_slice.py`), small sets and fork are encoded, and a proof still fails where the
protocol is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcheck.app.prove import exit_code, prove_variant
from modelcheck.check.checker import check
from modelcheck.lang.source import load, load_text
from modelcheck.symbolic.explicit import explore
from modelcheck.symbolic.proof_encodings import Bounded, Unbounded
from modelcheck.symbolic.proving import prove_all
from modelcheck.symbolic.unbounded_lemmas import needed_lemmas
from modelcheck.symbolic.unbounded_prune import prune
from modelcheck.symbolic.unbounded_slice import dead_variables

ROOT = Path(__file__).resolve().parent.parent
RSEQ = ROOT / "specs" / "rseq_refcount.spec"
SABRE = ROOT / "specs" / "tls_swap.spec"


@pytest.mark.parametrize("path", ["specs/osv_visibility.spec", "specs/tls_swap.spec",
                                  "specs/rseq_refcount.spec", "tests/golden/specs/05_signals.spec",
                                  "tests/golden/specs/06_destructors.spec",
                                  "tests/golden/specs/04_lifetime.spec"])
def test_pruning_keeps_every_behaviour(path: str) -> None:
    """The explicit engine runs the pruned model of every variant to the same states, in the
    same order, with the same violations: only code no execution reaches was cut (live
    handlers and destructors included)."""
    spec = load(str(ROOT / path))
    for variant in spec.variants or [None]:
        m = check(spec.ast, variant)
        before, after = explore(m), explore(prune(m))
        assert after.states() == before.states(), variant
        assert after.violated() == before.violated(), variant


def test_pruning_drops_what_a_variant_cannot_run() -> None:
    init_fixed = prune(check(load(str(RSEQ)).ast, "init_fixed"))
    assert init_fixed.handlers == [] and init_fixed.destructors == []
    assert "thr.tsd" not in {f"{t.name}.{s.label}" for t, s in init_fixed.steps_by_pc.values()}
    late = prune(check(load(str(RSEQ)).ast, "v4_late_signal"))  # installs app_signal
    assert [h.name for h in late.handlers] == ["app_signal"]


def test_dead_variables_are_the_other_variants_state() -> None:
    spec = load(str(SABRE))
    sb6 = dead_variables(prune(check(spec.ast, "sb6_4e245f5")))
    assert sb6 == {"g_sabre", "g_client", "g_flag", "slot_ld", "slot_cl", "ctls"}
    sb3 = dead_variables(prune(check(spec.ast, "sb3_335e530")))  # reads its slots
    assert not {"slot_ld", "slot_cl"} & sb3


def _outcomes(spec: Path, variant: str, unbounded: bool = True,
              timeout: float = 5.0) -> dict[str, str]:
    _, proof = prove_variant(load(str(spec)), variant, 1, timeout, [], {}, unbounded)
    return {r.name: r.outcome for r in proof.results if not r.name.startswith("INFERRED-")}


def test_rseq_fixed_proves_for_every_number_of_threads_and_the_race_does_not() -> None:
    """librseq e5dcc43 (init_fixed) holds for any number of threads; the race it fixed
    (init_race) is refuted, as the explicit engine finds it, never proved."""
    assert _outcomes(RSEQ, "init_fixed") == {"U": "proved", "K": "proved", "C": "proved"}
    race = _outcomes(RSEQ, "init_race", timeout=1.0)  # z3 times out on U's step: unknown
    assert race["U"] == "refuted"
    assert "U" in explore(check(load(str(RSEQ)).ast, "init_race")).violated()


FORK = """
spec forks;
variants fixed, buggy;
threads 3;
thread_local fk: tid? = none;
thread_local forked: bool = false;
thread_local n: 0..2 = 0;
thread main() {
    go: {
        await !forked;
        forked = true;
        n = 1;
        if variant == buggy { n = 2; }
        fk = fork;
    }
    after: { exit; }
}
start main();
// the child is a copy of its parent at the end of the step, but its copy of the target
// is none: only the parent holds the child's id
invariant CHILD: forall t in tid : (alive(t) && t != 0) -> (fk@t == none && forked@t);
invariant ONE: forall t in tid : alive(t) && forked@t -> n@t == 1;
expect buggy violates ONE;
"""


def test_fork_for_every_number_of_threads(tmp_path: Path) -> None:
    path = tmp_path / "forks.spec"
    path.write_text(FORK)
    model = check(load(str(path)).ast, "fixed")
    assert explore(model).violated() == set()
    assert _outcomes(path, "fixed") == {"CHILD": "proved", "ONE": "proved"}
    assert _outcomes(path, "buggy") == {"CHILD": "proved", "ONE": "refuted"}
    assert _outcomes(path, "buggy", unbounded=False) == {"CHILD": "proved", "ONE": "refuted"}


def test_lemmas_rechosen_by_the_unbounded_cores_suffice(tmp_path: Path) -> None:
    """From every printable lemma Houdini kept, the cores pick a subset with which the
    properties and the picked lemmas all prove for every number of threads."""
    path = tmp_path / "forks.spec"
    path.write_text(FORK)
    spec = load(str(path))
    pool = prove_all(Bounded(spec, check(spec.ast, "fixed"), {}), 1, 5.0, [], True)
    assert pool.inferred is not None
    texts = pool.inferred.printable

    def with_lemmas(chosen: list[str]) -> Unbounded:
        ext = load_text(FORK + "\n".join(chosen) + "\n", str(path))
        return Unbounded(ext, check(ext.ast, "fixed"), {})

    names = needed_lemmas(with_lemmas(texts), ["CHILD", "ONE"], 30.0)
    assert names is not None
    chosen = [t for t in texts if t.split()[1].rstrip(":") in names]
    assert len(chosen) == len(names) < len(texts)
    proof = prove_all(with_lemmas(chosen), 1, 5.0, [], False)
    assert {r.outcome for r in proof.results} == {"proved"}
    assert {"CHILD", "ONE"} <= {r.name for r in proof.results}


def test_exit_code_follows_the_expect_lines() -> None:
    assert exit_code({"A": "proved", "B": "refuted"}, frozenset({"B"})) == 0
    assert exit_code({"A": "proved", "B": "refuted"}, frozenset()) == 1
    assert exit_code({"A": "proved", "B": "proved"}, frozenset({"B"})) == 1
    assert exit_code({"A": "unknown", "B": "refuted"}, frozenset({"B"})) == 3
    assert exit_code({"A": "proved"}, frozenset({"LIVE"})) == 0  # not judged by prove
