"""What `mcheck prove` assumes and infers, checked against the explicit engine.

- The structural invariants of the thread table (`symbolic/pool_structure.py`) hold in every
  state the explicit engine reaches, and no CTI prove shows breaks them: both checked by
  an independent reading of the state tuple here, over shipped specs and generated ones.
- A CTI whose first state the search reaches is a real counterexample, with a trace; one it
  never reaches is said to be unreachable.
- Inferred lemmas hold in every reachable state: those printed as lemmas are pasted into
  the spec and searched by the explicit engine, every one is evaluated on each state.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import z3

from modelcheck.check.checker import check as check_model
from modelcheck.ir import model as M
from modelcheck.ir.walk import model_bodies, statements
from modelcheck.lang.source import load, load_text
from modelcheck.symbolic.explicit import explore
from modelcheck.symbolic.induction import Prover
from modelcheck.symbolic.proof_encodings import Bounded
from modelcheck.symbolic.proving import prove_all
from tests.conftest import OSV, ROOT, check, prop
from tests.test_prove import CLIMB, TOGETHER, in_tmp, prove, result  # noqa: F401 (a fixture)

SPECS = ROOT / "specs"


# ------------------------------------------------------- the thread table, read directly
def structure_broken(m: M.Model, s: tuple) -> list[str]:
    """What a state tuple gets wrong about the thread table (empty: nothing)."""
    lay, out = m.layout, []
    handler_of = {st.pc: h.index for h in m.handlers for st in h.steps}
    installs = {st.index for body in model_bodies(m) for st in statements(body)
                if isinstance(st, M.SigOp) and st.op == "install"}
    used = [s[m.thread_base + k * m.thread_stride] != M.PC_UNUSED for k in range(m.pool)]
    if used != sorted(used, reverse=True) or not all(used[:len(m.starts)]):
        out.append(f"used ids {used} are not a prefix holding the start threads")
    for k in range(m.pool):
        b = m.thread_base + k * m.thread_stride
        pc, parent, rest = s[b], s[b + 1], s[b + 2:b + m.thread_stride]
        if not used[k]:
            if parent is not None or any(rest):
                out.append(f"unused thread {k} has a parent or slots set")
            continue
        if k < len(m.starts) and parent is not None:
            out.append(f"start thread {k} has parent {parent}")
        if parent is not None and not 0 <= parent < k:
            out.append(f"thread {k}'s parent {parent} is not an older thread")
        finals = {M.PC_DONE, M.PC_FREED} | ({M.PC_EXITING} if lay.dtors is not None else set())
        if pc not in finals and pc not in m.steps_by_pc:
            out.append(f"thread {k} at pc {pc}, no step")
        if pc in (M.PC_DONE, M.PC_FREED) and any(rest):
            out.append(f"finished thread {k} keeps slots")
        if lay.depth is None:
            continue
        depth, active = s[b + lay.depth], s[b + lay.active]  # type: ignore[operator]
        stack = [pc] + [s[b + lay.saved + d] for d in range(1, depth)]  # type: ignore
        running = [handler_of.get(p) for p in stack[:depth]]
        if (pc in handler_of) != (depth > 0) or None in running or \
                len(set(running)) != depth or sum(1 << h for h in running) != active:
            out.append(f"thread {k}: depth {depth}, active {active}, handler stack {stack}")
        if any(s[b + lay.installed] >> h & 1 for h in range(len(m.handlers))  # type: ignore
               if h not in installs):
            out.append(f"thread {k} has a handler installed that no step installs")
    return out


def random_spec(seed: int) -> str:
    """A small spec with spawns, exits, thread-locals and (sometimes) a signal handler."""
    rnd = random.Random(seed)
    signals = rnd.random() < 0.5
    plain = ["x = (x + 1) % 3;", "y = x;", "b = !b;", "f = true;", "f = false;",
             "if b { x = 0; }", "await x != 2;", "await !b;",
             "if free_threads() > 0 { spawn w(); }"]
    plain += ["install h;", "uninstall h;"] if signals else []

    def body(first: str) -> str:
        ends = ["", "", "exit;", f"goto {first}1;", f"goto {first}2;"]
        return " ".join(rnd.sample(plain, rnd.randint(1, 3)) + [rnd.choice(ends)])

    invariant = rnd.choice(["x != 2", "b -> y != 1", "forall t in tid : f@t -> x != 1",
                            "forall t in tid : alive(t) -> y <= x", "!(b && x == 2)"])
    handler = "handler h { hs: { b = false; } }\noption signal_depth = 1;\n" if signals else ""
    return (f"threads {rnd.randint(2, 3)};\nvar x: 0..2 = 0;\nvar y: 0..2 = 0;\n"
            f"var b: bool = false;\nthread_local f: bool = false;\n{handler}"
            f"thread w() {{ s1: {{ {body('s')} }} s2: {{ {body('s')} }} s3: {{ {body('s')} }} }}\n"
            f"thread m() {{ m1: {{ await free_threads() > 0; spawn w(); {body('m')} }} "
            f"m2: {{ {body('m')} }} }}\n"
            f"start m();\noption deadlock = false;\ninvariant I: {invariant};\n")


def ctis_and_states(text: str, variant: str | None = None) -> tuple[M.Model, list[tuple]]:
    """Every reachable state, then the states of every CTI of a proof without inference."""
    spec = load_text(text, path="t.spec")
    m = check_model(spec.ast, variant, {})
    reach = explore(m)
    assert reach.complete
    enc = Bounded(spec, m, {})
    prover = Prover(enc, 60.0)
    found = list(reach.states())
    for goal in enc.goals([]):
        r = prover.prove(goal, 1, [])
        found += (r.cti.concrete or []) if r.cti is not None else []
    return m, found


@pytest.mark.parametrize("seed", range(8))
def test_structure_holds_in_reachable_states_and_ctis_of_generated_specs(seed: int) -> None:
    m, found = ctis_and_states(random_spec(seed))
    assert [(s, structure_broken(m, s)) for s in found if structure_broken(m, s)] == []


@pytest.mark.parametrize("spec,variant", [("tls_swap", "sb0_base"), ("rseq_refcount", "v4"),
                                          ("rseq_refcount", "v4_late_signal"),
                                          ("osv_visibility", "orig"),
                                          ("stop_world", "pinspect_wait")])
def test_structure_holds_in_reachable_states_and_ctis_of_shipped_specs(spec: str,
                                                                        variant: str) -> None:
    m, found = ctis_and_states((SPECS / f"{spec}.spec").read_text(), variant)
    assert [(s, structure_broken(m, s)) for s in found if structure_broken(m, s)] == []


def test_a_handler_no_step_can_install_is_never_assumed_running() -> None:
    # tls_swap is built with SIGNALS = false: `install` sits under a constant-false `if`
    spec = load(str(SPECS / "tls_swap.spec"))
    m = check_model(spec.ast, "sb0_base", {})
    enc = Bounded(spec, m, {})
    s = enc.state("s")
    lay = m.layout
    running = [z3.Extract(0, 0, s[enc.enc.base(k) + lay.active]) == 1  # type: ignore
               for k in range(m.pool)]
    solver = z3.Solver()
    solver.add(enc.typed(s), z3.Or(running))
    assert solver.check() == z3.unsat


# ------------------------------------------------------------------ CTIs and the search
def test_a_reachable_cti_is_a_counterexample_with_its_trace(tmp_path: Path) -> None:
    # k = 1 checks depths 0 and 1; LOW fails at depth 2, and its CTI (x = 1, then 2) starts
    # in a state the search reaches
    code, doc = prove(tmp_path, CLIMB, "--no-infer")
    assert code == 1
    r = result(doc, "LOW")
    assert r["outcome"] == "refuted" and r["cti_reachability"] == "reachable"
    assert [s["x"] for s in r["counterexample"]["states"]] == [0, 1, 2]
    assert r["counterexample"]["length"] == prop(check(CLIMB), "LOW").trace_length


def test_an_unreachable_cti_is_said_to_be_one(tmp_path: Path) -> None:
    code, doc = prove(tmp_path, TOGETHER, "--no-infer")
    assert code == 3
    assert result(doc, "BOTH")["cti_reachability"].startswith("unreachable")


def test_the_base_case_covers_every_depth_up_to_k(tmp_path: Path) -> None:
    # x reaches 1 in one step: refuted by z3's base case at k = 1, not only from the search
    src = CLIMB.replace("invariant LOW: x < 2;", "invariant ZERO: x == 0;")
    code, doc = prove(tmp_path, src, "--no-infer")
    assert code == 1
    r = result(doc, "ZERO")
    assert r["reason"] == "violated 1 step from an initial state"
    assert [s["x"] for s in r["counterexample"]["states"]] == [0, 1]


# --------------------------------------------------------------------- inference
def test_inference_proves_osv_without_the_hand_written_lemmas(tmp_path: Path) -> None:
    text = re.sub(r"\blemma [^;]*;", "", OSV.read_text())
    code, doc = prove(tmp_path, text, "--variant", "levels")
    assert code == 0  # the two properties the expect line names are refuted, the rest proved
    assert {r["name"]: r["outcome"] for r in doc["results"]} == \
        {"V-SAFE": "proved", "V-MEM": "proved"} | \
        {n: "refuted" for n in ("V-STRICT", "V-COMPLETE")}
    assert doc["inferred_lemmas"]


@pytest.mark.parametrize("spec,variant", [("osv_visibility", "orig"),
                                          ("tls_swap", "sb6_4e245f5")])
def test_printed_lemmas_hold_when_pasted_into_the_spec(spec: str, variant: str) -> None:
    text = re.sub(r"\blemma [^;]*;", "", (SPECS / f"{spec}.spec").read_text())
    loaded = load_text(text, path="t.spec")
    enc = Bounded(loaded, check_model(loaded.ast, variant, {}), {})
    proof = prove_all(enc, 1, 60.0, [], True)
    assert proof.inferred is not None
    pasted = [t for t in proof.inferred.shown if not t.startswith("//")]
    assert pasted
    v = check(text + "\n".join(pasted) + "\n", variant=variant)
    assert not v.incomplete
    assert {p.name: p.status for p in v.properties if p.name.startswith("INFERRED-")} == \
        {t.split()[1].rstrip(":"): "holds" for t in pasted}


# ZERO needs "a thread past s2 has copied its value": cur and mine are equal there. Their
# 16 values are more than the templates compare a slot with, so only a comparison of the
# two slots says it.
COPY = """
threads 2;
var total: 0..15 = 0;
thread_local mine: 0..15 = 0;
thread_local cur: 0..15 = 0;
thread w(k: 0..15) {
    s1: { mine = k; }
    s2: { cur = mine; }
    s3: { total = (total + 16 + cur - mine) % 16; }
}
start w(1);
start w(2);
invariant ZERO: total == 0;
"""


def test_inference_compares_two_slots(tmp_path: Path) -> None:
    code, doc = prove(tmp_path, COPY)
    assert code == 0 and result(doc, "ZERO")["outcome"] == "proved"
    assert [t for t in doc["inferred_lemmas"] if "mine@a == cur@a" in t]
    _, plain = prove(tmp_path, COPY, "--no-infer")
    assert result(plain, "ZERO")["outcome"] == "unknown"


# ZERO needs f == g at s2 only (s3 breaks it): two literals and the step, three in all.
AGREE = """
threads 2;
var total: 0..1 = 0;
thread_local f: bool = false;
thread_local g: bool = false;
thread w(k: bool) {
    s1: { f = k; g = k; }
    s2: { if f != g { total = 1; } }
    s3: { g = !f; }
    s4: { f = f; }
}
start w(false);
start w(true);
invariant ZERO: total == 0;
"""


def test_inference_mines_clauses_guarded_by_a_step(tmp_path: Path) -> None:
    code, doc = prove(tmp_path, AGREE)
    assert code == 0 and result(doc, "ZERO")["outcome"] == "proved"
    assert "lemma INFERRED-3: forall a in tid : a at w.s2 -> (!f@a || g@a);" in \
        doc["inferred_lemmas"]
    _, again = prove(tmp_path, AGREE + "\n".join(doc["inferred_lemmas"]) + "\n", "--no-infer")
    assert {r["name"]: r["outcome"] for r in again["results"]} == \
        {"ZERO": "proved", "INFERRED-1": "proved", "INFERRED-2": "proved",
         "INFERRED-3": "proved"}


def test_printed_lemmas_prove_the_properties_without_inference(tmp_path: Path) -> None:
    # OSv orig's proof needs `a at thr.run -> a.walk == none`: the premise names the
    # template, so the local it guards can be printed
    variant, proved = "orig", {"V-SAFE", "V-STRICT", "V-MEM"}
    text = re.sub(r"\blemma [^;]*;", "", OSV.read_text())
    _, doc = prove(tmp_path, text, "--variant", variant)
    printed = doc["inferred_lemmas"]
    assert printed and not [t for t in printed if t.startswith("//")]
    assert any(".walk" in t for t in printed)
    _, again = prove(tmp_path, text + "\n".join(printed) + "\n", "--variant", variant,
                     "--no-infer")
    outcomes = {r["name"]: r["outcome"] for r in again["results"]}
    assert {n for n, o in outcomes.items() if o == "proved" and "INFERRED" not in n} == proved
    assert all(outcomes[t.split()[1]] == "proved" for t in printed)


def test_every_inferred_lemma_holds_in_every_reachable_state() -> None:
    loaded = load(str(SPECS / "tls_swap.spec"))
    m = check_model(loaded.ast, "sb6_4e245f5", {})
    enc = Bounded(loaded, m, {})
    proof = prove_all(enc, 1, 60.0, [], True)
    assert proof.inferred is not None and proof.inferred.lemmas
    s = enc.state("r")
    every = z3.And([g.holds(s) for g in proof.inferred.lemmas])
    for state in explore(m).states():
        assert z3.is_true(enc.enc.at(every, (s, state))), state


def test_unbounded_proofs_use_the_lemmas_inferred_on_the_pool(tmp_path: Path) -> None:
    code, doc = prove(tmp_path, TOGETHER, "--unbounded")
    assert code == 0
    assert result(doc, "BOTH")["outcome"] == "proved"
    inferred = [r for r in doc["results"] if r["name"].startswith("INFERRED-")]
    assert inferred and all(r["outcome"] == "proved" for r in inferred)
    assert "inferred lemma" in result(doc, "BOTH")["reason"]
