"""PDR (z3's Spacer) behind `mcheck prove`: what it proves is checked here against states
enumerated by hand and the explicit engine's successors, what it refutes against the
explicit search's own trace, and its time limit ends in "unknown"."""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

import pytest
import z3

from modelcheck.check.checker import check as check_model
from modelcheck.lang.source import load_text
from modelcheck.symbolic.explicit import explore
from modelcheck.symbolic.pdr import pdr
from modelcheck.symbolic.proof_encodings import Bounded
from modelcheck.symbolic.proving import prove_all
from tests.conftest import ROOT, check, prop
from tests.test_prove import CLIMB, in_tmp, prove, result  # noqa: F401 (a fixture)

# c counts the increments of a and b that have finished: c <= a + b holds, but a state
# with c == a + b and a thread between its two steps breaks it in one step, and what makes
# it inductive (c plus the threads between their steps equals a + b) is a sum over four
# slots, beyond the mined lemmas' equalities of at most three literals.
SUM = """
var a: 0..3 = 0;
var b: 0..3 = 0;
var c: 0..6 = 0;
thread p() { s: { await a < 3; a = a + 1; } t: { c = c + 1; goto s; } }
thread q() { s: { await b < 3; b = b + 1; } t: { c = c + 1; goto s; } }
start p();
start q();
option deadlock = false;
invariant SUM: c <= a + b;
"""


def test_pdr_proves_what_induction_and_mined_lemmas_leave(tmp_path: Path) -> None:
    code, doc = prove(tmp_path, SUM, "--no-pdr")
    assert code == 3 and result(doc, "SUM")["outcome"] == "unknown"
    page = tmp_path / "sum.html"
    code, doc = prove(tmp_path, SUM, "--report", str(page))
    r = result(doc, "SUM")
    assert code == 0 and r["outcome"] == "proved" and "proved (PDR)" in r["reason"], r
    clauses = doc["pdr_invariants"]["SUM"]  # printed with the proof, and on the page
    assert clauses and 'id="pdr-SUM"' in page.read_text()


def test_pdr_invariant_pasted_as_lemmas_holds_and_proves(tmp_path: Path) -> None:
    """The invariant printed as lemmas re-parses, the search finds every one holding, and
    k-induction proves SUM with them and the inferred lemmas PDR assumed, without PDR."""
    _, doc = prove(tmp_path, SUM)
    lemmas = doc["pdr_invariants"]["SUM"]
    assert lemmas and all(text.startswith("lemma PDR-SUM-") for text in lemmas), lemmas
    pasted = SUM + "\n".join(lemmas) + "\n"
    v = check(pasted)
    assert all(prop(v, f"PDR-SUM-{n}").status == "holds" for n in range(1, len(lemmas) + 1))
    code, doc = prove(tmp_path, pasted, "--no-pdr")
    assert code == 0 and result(doc, "SUM")["outcome"] == "proved", doc["results"]


def test_pdr_invariant_is_inductive_over_enumerated_states() -> None:
    """The invariant PDR returns, evaluated on every state of the two threads' loops
    (a, b, c in their ranges, each thread at either step): the initial state satisfies it,
    every successor the explicit engine makes from a state satisfying it does too, and it
    implies SUM."""
    spec = load_text(SUM, path="sum.spec")
    m = check_model(spec.ast, None, {})
    enc = Bounded(spec, m, {})
    goal = enc.goals([])[0]
    reach = explore(m)
    got = pdr(enc, goal, [], 30.0, reach)
    assert got.result.outcome == "proved" and got.invariant is not None
    s = enc.state("pdr0.")
    start = reach.states()[0]
    base = [m.thread_base + k * m.thread_stride for k in range(m.pool)]
    pcs = [sorted(pc for pc, (t, _) in m.steps_by_pc.items() if t.name == name)
           for name in ("p", "q")]
    sum_holds = dict(reach.ts.invariants)["SUM"]

    def inv(state: tuple) -> bool:
        value = enc.enc.at(got.invariant.formula, (s, state))
        assert z3.is_true(value) or z3.is_false(value), value
        return z3.is_true(value)

    assert inv(start)
    checked = 0
    for a, b, c, p0, p1 in itertools.product(range(4), range(4), range(7), *pcs):
        state = list(start)
        state[0:3] = [a, b, c]
        state[base[0]], state[base[1]] = p0, p1
        state = tuple(state)
        if not inv(state):
            continue
        checked += 1
        assert sum_holds(state), state
        assert all(inv(t) for t in reach.ts.successors(state)), state
    assert checked > len(reach.states())  # it is not just the reachable states


@pytest.mark.parametrize("name, src", [
    ("LOW", CLIMB),  # an invariant false after two steps
    ("SMALL", CLIMB.replace("goto s;", "assert x < 2 as SMALL; goto s;")),  # a failing step
])
def test_pdr_refutes_with_the_explicit_search_trace(name: str, src: str) -> None:
    spec = load_text(src, path="climb.spec")
    m = check_model(spec.ast, None, {})
    enc = Bounded(spec, m, {})
    reach = explore(m)
    goal = next(g for g in enc.goals([]) if g.name == name)
    got = pdr(enc, goal, [], 30.0, reach)
    assert got.result.outcome == "refuted", got.result.reason
    trace = got.result.counterexample
    search = reach.counterexample(name).concrete or []
    # the search's trace of an assertion also shows the state its failing step reached
    assert trace is not None and trace.concrete == search[:len(search) - (goal.kind == "assertion")]


def test_pdr_time_limit_gives_unknown(tmp_path: Path) -> None:
    start = time.monotonic()
    code, doc = prove(tmp_path, SUM, "--pdr-timeout", "0.001")
    r = result(doc, "SUM")
    assert code == 3 and r["outcome"] == "unknown", r
    assert "time limit of 0.001 s" in r["reason"]
    assert time.monotonic() - start < 30


def test_pdr_proves_a_shipped_property() -> None:
    """SaBRe sb4's S3 holds in the search and stays unknown with the mined lemmas; PDR
    proves it (the spec's hand-written lemmas removed, as in benchmarks/prove_table.py)."""
    path = ROOT / "specs" / "tls_swap.spec"
    spec = load_text(re.sub(r"\blemma [^;]*;", "", path.read_text()), path=str(path))
    m = check_model(spec.ast, "sb4_93b110d", {})
    assert "S3" not in explore(m).violated()
    without = prove_all(Bounded(spec, m, {}), 1, 60.0, ["S3"], True)
    assert [r.outcome for r in without.results if r.name == "S3"] == ["unknown"]
    proof = prove_all(Bounded(spec, m, {}), 1, 60.0, ["S3"], True, pdr_limit=60.0)
    s3 = next(r for r in proof.results if r.name == "S3")
    assert s3.outcome == "proved" and "proved (PDR)" in s3.reason, s3.reason
    assert [f.name for f in proof.strengthened] == ["S3"]
