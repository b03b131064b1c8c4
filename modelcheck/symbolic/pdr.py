"""IC3/PDR for `mcheck prove`: a property k-induction leaves unknown on the fixed pool is
handed to z3's Spacer as constrained Horn clauses, and Spacer looks for the inductive
strengthening that the mined lemmas (equalities of at most three literals) cannot say.

Over one relation Inv of the pool's state slots (the sorts `pool_slots` gives them):

    Inv(s)  <-  init(s), typed(s)
    Inv(t)  <-  Inv(s), typed(s), lemmas(s), trans(s, t), typed(t)
    false   <-  Inv(s), typed(s), lemmas(s), not (P(s) and P defined in s)

`typed` (ranges and the thread table's structure) and the lemmas are facts Spacer may use
without proving them: the caller proves them apart (`Prover.wellformed`, Houdini, the
spec's lemmas by induction), as every other proof of the variant assumes them too.

Nothing Spacer says is believed as it stands. An invariant it returns is checked by
`pdr_check` with plain z3 queries over the other transition formula (`Bounded.trans`, one
flag per step) before the property is called proved; a counterexample is rebuilt by
bounded model checking at Spacer's depth and replayed step by step in the explicit engine
before it is called refuted. Anything else is unknown, with the reason. A proved property's
invariant is printed as lemmas about the pool's ids (`pdr_text`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from .explicit import Reachable
from .induction import Prover, Result, assumed
from .keyboard import CANCELED, INTERRUPTED, passes_interrupts
from .pdr_check import inductive, replayed
from .pdr_text import clause_texts
from .proof_encodings import Bounded, Goal


@dataclass
class Strengthening:
    """The invariant Spacer found for a property, as the report prints it."""

    name: str
    clauses: list[str]  # a lemma each, or SMT-LIB over the slots where the spec cannot say it
    legend: str        # what the pc numbers in the SMT-LIB stand for (empty: none there)
    formula: z3.BoolRef  # the invariant over the slots of `enc.state("pdr0.")`


@dataclass
class Pdr:
    result: Result
    invariant: Strengthening | None = None


@passes_interrupts
def pdr(enc: Bounded, goal: Goal, lemmas: list[Goal], timeout: float,
        reach: Reachable) -> Pdr:
    """Spacer's answer for `goal`, checked: `timeout` seconds for the Horn query, and as
    long for each z3 query that checks its answer."""
    start = time.monotonic()
    s, t = enc.state("pdr0."), enc.state("pdr1.")
    inv = z3.Function("Inv", *[x.sort() for x in s.slots], z3.BoolSort())
    bad = z3.Function("Bad", z3.BoolSort())
    fp = z3.Fixedpoint()
    fp.set(engine="spacer")
    # keep Inv as a relation of its own: with these on, Spacer may inline it away and
    # leave no invariant to read back
    fp.set("xform.slice", False)
    fp.set("xform.inline_linear", False)
    fp.set("xform.inline_eager", False)
    fp.set("timeout", max(1, int(timeout * 1000)))
    fp.declare_var(*s.slots, *t.slots)
    fp.register_relation(inv, bad)
    known = [enc.typed(s)] + [g.holds(s) for g in lemmas]
    fp.rule(inv(*s.slots), [enc.init(s), enc.typed(s)])
    fp.rule(inv(*t.slots), [inv(*s.slots), *known, enc.enc.trans(s, t), enc.typed(t)])
    fp.rule(bad(), [inv(*s.slots), *known,
                    z3.Not(z3.And(goal.holds(s), goal.defined(s)))])
    asked = time.monotonic()
    try:
        answer = fp.query(bad())
        why = fp.reason_unknown() if answer == z3.unknown else ""
    except z3.Z3Exception as e:  # Spacer raises where other engines answer unknown
        answer, why = z3.unknown, e.value.decode() if isinstance(e.value, bytes) else str(e)
    took, solving = time.monotonic() - start, time.monotonic() - asked
    if answer == z3.unknown:
        # z3 says "canceled" for its timeout and for Ctrl-C alike: well before the
        # timeout (z3's clock runs inside this call) it was Ctrl-C
        if why == INTERRUPTED or (why == CANCELED and solving < 0.95 * timeout):
            raise KeyboardInterrupt
        limit = why == CANCELED or solving >= timeout
        return _unknown(goal, "Spacer found neither an invariant nor a counterexample " + (
            f"within its time limit of {timeout:g} s" if limit else f"({why})"))
    if answer == z3.sat:
        return _counterexample(enc, goal, fp, timeout, reach)
    formula = z3.substitute_vars(fp.get_cover_delta(-1, inv), *s.slots)
    failed = inductive(enc, formula, goal, lemmas, timeout)
    if failed is not None:
        return _unknown(goal, f"Spacer's invariant failed the independent check: {failed}")
    clauses, legend = clause_texts(enc.m, formula, s, goal.name)
    n = len(clauses)
    return Pdr(Result(goal.name, goal.kind, "proved",
                      f"proved (PDR): z3's Spacer found an inductive invariant of {n} "
                      f"clause{'s' if n != 1 else ''} in {took:.1f} s{assumed(lemmas)}, "
                      "checked apart: it holds initially, every step keeps it, it implies "
                      f"{goal.name}"),
               Strengthening(goal.name, clauses, legend, formula))


def _unknown(goal: Goal, why: str) -> Pdr:
    return Pdr(Result(goal.name, goal.kind, "unknown", f"PDR: {why}"))


def _counterexample(enc: Bounded, goal: Goal, fp: z3.Fixedpoint, timeout: float,
                    reach: Reachable) -> Pdr:
    """Spacer's derivation names the rules it applied: one initial state, then one step per
    application of the transition rule. The path of that length is asked of z3 again over
    the prover's own encoding, and kept only when the explicit engine takes every step."""
    steps = sum(1 for r in fp.get_rules_along_trace() if _is_step(r))
    prover = Prover(enc, timeout)
    found = prover.base(goal, [prover.state(i) for i in range(steps + 1)], set())
    if found is None or found[0] != "refuted":
        return _unknown(goal, f"Spacer reports a violation {steps} steps from an initial "
                        "state, but z3 finds no such path again")
    trace = found[2]
    wrong = replayed(reach.ts, trace, goal)
    if wrong is not None:
        return _unknown(goal, f"Spacer's counterexample is not a run of the explicit "
                        f"engine: {wrong}")
    return Pdr(Result(goal.name, goal.kind, "refuted",
                      f"refuted (PDR): violated {len(trace.steps)} steps from an initial "
                      "state (found by z3's Spacer, every step replayed by the explicit "
                      "engine)", counterexample=trace))


def _is_step(rule: z3.ExprRef) -> bool:
    """A rule of Spacer's trace is the transition rule when it concludes Inv from Inv (the
    others: the query, Bad from Inv, and the initial states)."""
    body = rule.body() if z3.is_quantifier(rule) else rule
    if not z3.is_app_of(body, z3.Z3_OP_IMPLIES):
        return False
    premise, head = body.arg(0), body.arg(1)
    return head.decl().name() == "Inv" and "Inv(" in str(premise)
