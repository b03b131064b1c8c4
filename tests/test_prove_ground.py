"""Queries of `mcheck prove --unbounded` decided on the ground instances of their thread
quantifiers (`symbolic/instantiation.py`).

Grounding weakens what a query assumes, so an unsat answer must carry over to the
quantified query and a model must be checked against it before it counts. The small
queries below pin both directions. SaBRe sb6's S2 proves with the lemmas the ground
cores choose among those inference printed, and a broken copy of sb6 is refuted by the
search's trace, never proved.
"""

from __future__ import annotations

from pathlib import Path

import z3

from modelcheck.check.checker import check
from modelcheck.lang.source import load_text
from modelcheck.symbolic.instantiation import decide, ground, holds_in
from modelcheck.symbolic.proof_encodings import Unbounded, fresh_context
from modelcheck.symbolic.proving import prove_all
from modelcheck.symbolic.unbounded_lemmas import needed_lemmas
from modelcheck.symbolic.unbounded_state import tid_sort

SPEC = Path(__file__).resolve().parent.parent / "specs" / "tls_swap.spec"
VARIANT = "sb6_4e245f5"
# the lemmas `mcheck prove specs/tls_swap.spec --variant sb6_4e245f5 --unbounded` prints
LEMMAS = [
    "forall a in tid : depth@a != 2",
    "forall a in tid : forall b in tid : a != b -> (a at client.run -> fs@b == own_c@b)",
    "forall a in tid : loc@a == client -> fs@a == own_c@a",
    "forall a in tid : loc@a == plugin -> fs@a == own_c@a",
    "forall a in tid : depth@a == 1 -> from_plugin@a",
    "forall a in tid : !from_plugin@a -> depth@a == 0",
    "forall a in tid : from_plugin@a -> loc@a == plugin",
    "forall a in tid : a == 0 -> own_c@a == C1",
    "forall a in tid : own_c@a == C1 || fs@a == own_c@a",
    "forall a in tid : a at client.run -> (loc@a != pre || fs@a != own_c@a)",
    "forall a in tid : a at client.run -> (loc@a != pre || own_c@a == C1)",
]
RLIMIT, MS = 10_000_000, 10_000


def small() -> tuple[z3.FuncDeclRef, z3.ExprRef, z3.ExprRef, z3.ExprRef]:
    fresh_context()
    p = z3.Function("p", tid_sort(), z3.BoolSort())
    c = z3.Const("c", tid_sort())
    x = z3.Const("x", tid_sort())
    f = z3.Array("f", tid_sort(), tid_sort())
    return p, c, x, f


def test_an_instance_at_a_named_id_decides_unsat() -> None:
    p, c, x, _ = small()
    assert decide([z3.ForAll([x], p(x)), z3.Not(p(c))], RLIMIT, MS) == (z3.unsat, None)


def test_a_negated_universal_gets_a_witness_the_universals_are_instantiated_at() -> None:
    p, c, x, _ = small()
    y = z3.Const("y", tid_sort())
    facts = [z3.ForAll([x], z3.Implies(p(x), x == c)), p(c),
             z3.Not(z3.ForAll([y], z3.Implies(p(y), y == c)))]
    assert decide(facts, RLIMIT, MS) == (z3.unsat, None)


def test_a_model_counts_only_when_it_satisfies_the_quantified_facts() -> None:
    p, c, x, _ = small()
    facts = [p(c), z3.Exists([x], z3.Not(p(x)))]
    result, zm = decide(facts, RLIMIT, MS) or (None, None)
    assert result == z3.sat and zm is not None
    universe = zm.get_universe(tid_sort())
    assert all(holds_in(zm, f, universe) for f in facts)


def test_an_id_read_at_an_instance_is_no_witness_of_satisfiability() -> None:
    """f[c] is an id no instance was made at: the ground query has a model (f[c] != c),
    the quantified one none (p and not p at f[c]); decide must not answer sat."""
    p, c, x, f = small()
    facts = [z3.ForAll([x], p(f[x])), z3.ForAll([x], z3.Not(p(x))), p(c) == p(c)]
    assert z3.Solver().check(*ground(facts).facts) == z3.sat
    got = decide(facts, RLIMIT, MS)
    assert got is None or got[0] != z3.sat


def encoded(source: str, lemmas: list[str]) -> Unbounded:
    text = source + "".join(f"\nlemma INFERRED-{k} for {VARIANT}: {e};"
                            for k, e in enumerate(lemmas))
    spec = load_text(text, str(SPEC))
    return Unbounded(spec, check(spec.ast, VARIANT, {}), {})


def prove_s2(source: str, lemmas: list[str]) -> dict[str, str]:
    proof = prove_all(encoded(source, lemmas), 1, 30.0, ["S2"], False)
    return {r.name: r.outcome for r in proof.results}


def test_sabre_sb6_s2_is_proved_with_the_lemmas_its_ground_cores_choose() -> None:
    """The re-choice of lemmas (`unbounded_lemmas`) reads S2's step, and then each chosen
    lemma's, from one grounding; with what it chooses S2 is 1-inductive for every number
    of threads."""
    names = needed_lemmas(encoded(SPEC.read_text(), LEMMAS), ["S2"], 30.0)
    assert names is not None and 0 < len(names) < len(LEMMAS)
    chosen = [e for k, e in enumerate(LEMMAS) if f"INFERRED-{k}" in names]
    outcomes = prove_s2(SPEC.read_text(), chosen)
    assert outcomes == dict.fromkeys(["S2"] + [f"INFERRED-{k}" for k in range(len(chosen))],
                                     "proved")


def test_a_broken_sb6_is_refuted_never_proved() -> None:
    """The loader switches %fs to the clone's client block: the search finds S2 violated."""
    source = SPEC.read_text()
    broken = source.replace("            fs = C1;\n            loc = client;",
                            "            fs = C2;\n            loc = client;")
    assert broken != source
    outcomes = prove_s2(broken, [])
    assert outcomes["S2"] == "refuted"
