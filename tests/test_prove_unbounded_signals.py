"""`--unbounded` with signal handlers and exit destructors (`symbolic/unbounded_signals.py`):
the engines' rules over per-thread runtime slots, so a proof covers handler entries, their
nesting and returns, and destructor runs for every number of threads; a property the
search finds violated through a handler or a destructor is never proved."""

from __future__ import annotations

from pathlib import Path

import pytest
import z3

from modelcheck.app.prove import prove_variant
from modelcheck.check.checker import check
from modelcheck.lang.errors import SpecError
from modelcheck.lang.source import load, load_text
from modelcheck.symbolic.explicit import explore
from modelcheck.symbolic.proof_encodings import Unbounded
from modelcheck.symbolic.unbounded_prune import prune
from modelcheck.symbolic.unbounded_signals import actions
from tests.test_symbolic import CONSTRUCTS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "specs" / "examples"
RSEQ = ROOT / "specs" / "rseq_refcount.spec"


def _outcomes(path: Path, variant: str, only: list[str] | None = None, timeout: float = 10.0,
              inference: bool = True) -> dict[str, str]:
    _, proof = prove_variant(load(str(path)), variant, 1, timeout, only or [], {}, True,
                             inference)
    return {r.name: r.outcome for r in proof.results if not r.name.startswith("INFERRED-")}


def _violated(path: Path, variant: str) -> set[str]:
    return explore(check(load(str(path)).ast, variant)).violated()


def test_a_handler_returns_to_the_step_it_interrupted() -> None:
    """OUT holds only if h1's last step goes back to the thread's own step; NEST only if h2
    never runs (it is not installed)."""
    path = EXAMPLES / "unbsig_signals.spec"
    assert _violated(path, "single") == set()
    assert _outcomes(path, "single") == {"NEST": "proved", "OUT": "proved"}


def test_a_violation_through_a_nested_handler_is_not_proved() -> None:
    """NEST is broken only by h2 interrupting h1: an encoding without handler entries or
    nesting would prove it (nothing else writes `nested`)."""
    path = EXAMPLES / "unbsig_signals.spec"
    assert _violated(path, "nesting") == {"NEST"}
    got = _outcomes(path, "nesting", ["NEST"], timeout=2.0, inference=False)
    assert got["NEST"] == "refuted"


def test_destructors_run_while_the_thread_is_alive() -> None:
    """CLEAN holds because a thread keeps its thread_locals while its destructors run and
    loses them after the last; the proofs hold for every number of threads."""
    path = EXAMPLES / "unbsig_destructors.spec"
    assert _violated(path, "one") == set()
    assert _outcomes(path, "one") == {"CLEAN": "proved", "BOTH": "proved", "DROPPED": "proved"}


def test_a_violation_through_a_second_destructor_is_not_proved() -> None:
    """BOTH breaks only when one thread runs `note` after `drop`, each a step of its own: an
    encoding that finished the thread at its first destructor would prove it."""
    path = EXAMPLES / "unbsig_destructors.spec"
    assert _violated(path, "two") == {"BOTH"}
    got = _outcomes(path, "two", ["BOTH"], timeout=2.0, inference=False)
    assert got["BOTH"] == "refuted"


@pytest.mark.parametrize("variant", ["g235", "v4_late_signal", "shared_rc", "flags"])
def test_rseq_handlers_and_destructors_encode(variant: str) -> None:
    """The variants refused before (a live `install` or `on_exit`) encode, with an entry
    action for each live handler and a run for each live destructor."""
    spec = load(str(RSEQ))
    model = check(spec.ast, variant)
    enc = Unbounded(spec, model, {}).enc
    names = {a.name for a in actions(enc.m)}
    pruned = prune(model)
    assert {f"{h.name}.{h.steps[0].label} [enter]" for h in pruned.handlers} <= names
    assert {f"destructor {d.name}" for d in pruned.destructors} <= names
    assert pruned.handlers or pruned.destructors


# the lemmas `mcheck prove specs/rseq_refcount.spec --variant g235 --unbounded` chooses and
# prints (its INFERRED-7, -9, -15, -51, -110, -118): where no thread stands, no pending key
# value, and the kernel registration of a thread at its two live steps
G235_CHOSEN = [
    "lemma M0 for g235: forall a in tid : !(a at thr.tsd);",
    "lemma M1 for g235: forall a in tid : !(a at thr.free_tcb);",
    "lemma M2 for g235: forall a in tid : !(a at app_signal.sig_l1);",
    "lemma M3 for g235: forall a in tid : keys@a == {};",
    "lemma M4 for g235: forall a in tid : a at thr.run -> kreg@a;",
    "lemma M5 for g235: forall a in tid : a at thr.exit_thread -> kreg@a;"]


def test_glibc_235_proves_for_every_number_of_threads_with_its_inferred_lemmas() -> None:
    """rseq g235 (glibc 2.35 owns registration; the application's late signal handler calls
    into L1): U, K and C are 1-inductive over the handler's entries for every number of
    threads with the six lemmas inference chooses (the whole inference run, about 45 s, is
    `benchmarks/prove_table.py --unbounded --variant g235`)."""
    spec = load(str(RSEQ))
    extended = load_text(spec.source + "\n" + "\n".join(G235_CHOSEN) + "\n", spec.path)
    _, proof = prove_variant(extended, "g235", 1, 20.0, [], {}, True, False)
    assert {r.name: r.outcome for r in proof.results} == {
        **{n: "proved" for n in ("U", "K", "C")}, **{f"M{k}": "proved" for k in range(6)}}


def test_a_late_signal_that_breaks_the_protocol_is_not_proved() -> None:
    """v4_posted_late_signal: the late handler registers L1 again after glibc's exit path
    unregistered the thread; the search breaks U and K, the unbounded proof must not prove
    K (without inference here, to keep the test short: z3's CTI or the search refutes)."""
    assert {"U", "K"} <= _violated(RSEQ, "v4_posted_late_signal")
    got = _outcomes(RSEQ, "v4_posted_late_signal", ["K"], timeout=2.0, inference=False)
    assert got["K"] != "proved"


def test_a_remaining_refusal_names_what_it_refuses() -> None:
    spec = load(str(RSEQ))
    with pytest.raises(SpecError) as e:
        Unbounded(spec, check(spec.ast, "init_fixed_ra"), {})
    # its message arrays encode now (`unbounded_compound`); the memory model's buffers do not
    assert "not supported in --unbounded: the buffers of the spec's memory model" \
        in str(e.value)


@pytest.mark.parametrize("variant", ["pinspect", "pinspect_racy", "pinspect_wait"])
def test_pinspect_never_installs_bdwgc_handlers(variant: str) -> None:
    """stop_world's pinspect variants leave `boot` by `exit` before bdwgc's `install`s: the
    pruned model has no handler and the explicit engine reaches the same states with the
    same violations; what still keeps it from the unbounded encoding is named."""
    spec = load(str(ROOT / "specs" / "stop_world.spec"))
    model = check(spec.ast, variant)
    pruned = prune(model)
    assert pruned.handlers == []
    before, after = explore(model), explore(pruned)
    assert after.states() == before.states() and after.violated() == before.violated()
    with pytest.raises(SpecError, match="not supported in --unbounded: thread id 1, which no "
                                        "start line creates"):
        enc = Unbounded(spec, model, {}).enc
        s = enc.state("s.")
        enc.init(s)
        for inv in enc.m.invariants:
            enc.invariant(inv, s)


HANDLER_WHILE_EXITING = """
spec exiting;
option signal_depth = 2;
var n: 0..3 = 0;
thread_local f: bool = false;
destructor d1 { f = true; }
destructor d2 { f = false; }
handler h { a: { if n < 3 { n = n + 1; } } b: { skip; } }
thread t() {
    i: { install h; on_exit d1; on_exit d2; }
    j: { mask h; unmask h; }
}
start t();
start t();
invariant I: n <= 3;
"""


@pytest.mark.parametrize("text", [
    HANDLER_WHILE_EXITING, "spec x;\n" + CONSTRUCTS["signal handlers with masks and nesting"],
    "spec x;\n" + CONSTRUCTS["destructors, free and freed"],
    (ROOT / "tests" / "golden" / "specs" / "06_destructors.spec").read_text()],
    ids=["handler while exiting", "masks and nesting", "free and freed", "golden destructors"])
def test_well_formedness_is_inductive(text: str, tmp_path: Path) -> None:
    """What the encoding assumes of runtime slots holds initially and after every action:
    here a handler interrupting a thread that runs its destructors (when it returns, the
    thread still has one to run), masks and two nested handlers, destructors with free."""
    path = tmp_path / "spec.spec"
    path.write_text(text)
    spec = load(str(path))
    enc = Unbounded(spec, check(spec.ast, None), {})
    s, t = enc.state("s."), enc.state("t.")
    for what, facts in enc.wellformed_obligations(s, t):
        solver = z3.Solver()
        solver.set("timeout", 20000)
        solver.add(*facts)
        assert solver.check() == z3.unsat, what
