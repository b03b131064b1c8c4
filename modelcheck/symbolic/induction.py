"""k-induction and its counterexamples, over any encoding in `proof_encodings`.

For each property P and k = 1..K: the base case asks for a path of k - 1
steps from an initial state that ends outside P (found: P is refuted, with
that trace); the inductive step asks for k states that satisfy P and every
lemma, joined by k steps, whose successor breaks P (none: P is proved). Lemmas
are proved the same way, each assuming all of them, which is sound because
their conjunction is then inductive; a proof that assumed a lemma that was not
itself proved is reported as unknown. z3's "unknown" and timeouts are never a
proof. An assertion P holds in a state when no step from it fails P.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import z3

from ..ir.model import Model
from ..ir.typesys import Type
from ..ir.values import show, spell
from .keyboard import check
from .proof_encodings import Goal, ProofEncoding


@dataclass
class Step:
    thread: str
    action: str


@dataclass
class Trace:
    """States (readable dicts) joined by steps; for a CTI the last state breaks the property.
    `concrete` holds the same states as explicit state tuples when the encoding has them, so
    that a report can ask `explain` why the property is false."""

    states: list[dict[str, Any]]
    steps: list[Step]
    broken: list[dict[str, Any]] = field(default_factory=list)
    concrete: list[tuple] | None = None

    def json(self) -> dict[str, Any]:
        return {"length": len(self.steps), "states": self.states,
                "steps": [{"thread": s.thread, "action": s.action} for s in self.steps],
                "broken_conjuncts": self.broken}


@dataclass
class Result:
    name: str
    kind: str
    outcome: str                  # proved, refuted, unknown
    reason: str
    k: int | None = None
    cti: Trace | None = None
    counterexample: Trace | None = None
    outside_epr: list[str] = field(default_factory=list)
    reachable: str = ""   # what the explicit search says of the CTI's first state

    def json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "outcome": self.outcome,
                "reason": self.reason, "k": self.k, "outside_epr": self.outside_epr,
                "cti_reachability": self.reachable or None,
                "cti": self.cti.json() if self.cti is not None else None,
                "counterexample": self.counterexample.json() if self.counterexample else None}


FIRST_RLIMIT = 2_000_000  # z3's work units for the first attempt of a query (about 1 s)
GROUND_RLIMIT = 50_000_000  # for a query's ground instances, tried first (a few seconds)
SATISFIABLE_GROUND_S = 2.0  # z3's time for a query whose ground instances have a model


class Prover:
    """The solver calls of k-induction for one encoded variant."""

    def __init__(self, enc: ProofEncoding, timeout: float):
        self.enc = enc
        self.timeout_ms = max(1, int(timeout * 1000))
        self.states: list[Any] = []
        self.gave_up: Any = None  # z3's reason when the last base query was unknown

    def state(self, i: int) -> Any:
        while len(self.states) <= i:
            self.states.append(self.enc.state(f"s{len(self.states)}."))
        return self.states[i]

    def solve(self, facts: list[z3.BoolRef]) -> tuple[z3.CheckSatResult, Any, list[str]]:
        """(result, model or z3's reason for unknown, why the query is outside EPR).

        Outside EPR z3's quantifier instantiation may not end, and whether it finds a
        model soon depends on its random seed (the OSv spec's CTI query without its lemmas:
        0.1 s with most seeds, over a minute with one). So a query is tried with seed
        0, 1, 2, ... under a resource limit that doubles each time, until z3 decides or
        the timeout is spent: a seed that wanders costs a bounded share, and the
        attempts are the same on a fast or a loaded machine."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        quick = self.enc.decided(facts, GROUND_RLIMIT, self.timeout_ms)
        if quick is not None and quick[0] != z3.unknown:  # decided by its ground instances
            return quick[0], quick[1], self.enc.outside_epr(z3.And(facts))
        if quick is not None:  # they have a model: z3 seldom proves the query, so it gets
            deadline = min(deadline, time.monotonic() + SATISFIABLE_GROUND_S)  # less time
        attempt = 0
        while True:
            solver = z3.Solver()
            solver.set("random_seed", attempt)
            solver.set("rlimit", FIRST_RLIMIT << attempt)
            solver.set("timeout", max(1, int((deadline - time.monotonic()) * 1000)))
            solver.add(*facts)
            result = check(solver, timed=True)  # Ctrl-C stops here, not in the next seed's attempt
            if result != z3.unknown or time.monotonic() >= deadline:
                break
            attempt += 1
        got = solver.model() if result == z3.sat else solver.reason_unknown()
        return result, got, self.enc.outside_epr(z3.And(facts))

    def wellformed(self, lemmas: list[Goal]) -> str | None:
        """Why the facts every query assumes of its first state are not shown inductive.
        The step may assume proved lemmas: they and these facts are then inductive
        together (stop_world's unused thread blocks stay zero only because the main
        thread spawns every thread in one step, which only a lemma says)."""
        s, t = self.state(0), self.state(1)
        for what, facts in self.enc.wellformed_obligations(s, t):
            if what != "initially":
                facts = facts + [g.holds(s) for g in lemmas]
            result, got, _ = self.solve(facts)
            if result != z3.unsat:
                return f"the encoding's well-formedness is not shown to hold {what} " \
                       f"(z3: {result if result == z3.sat else got})"
        return None

    def prove(self, goal: Goal, k_max: int, lemmas: list[Goal]) -> Result:
        enc = self.enc
        outside: set[str] = set()
        cti: Trace | None = None
        assuming = assumed(lemmas)

        def result(outcome: str, reason: str, k: int, **kw: Any) -> Result:
            return Result(goal.name, goal.kind, outcome, reason, k,
                          outside_epr=sorted(outside), **kw)

        for k in range(1, k_max + 1):
            s = [self.state(i) for i in range(k + 1)]
            # base: every state within k steps of an initial state is inside P (depths
            # 0 and 1 at k = 1, then depth k: together every depth up to k)
            for depth in ([0, 1] if k == 1 else [k]):
                found = self.base(goal, s[:depth + 1], outside)
                if found is not None:
                    return result(found[0], found[1], k, counterexample=found[2])
                if self.gave_up is not None:
                    return result("unknown", f"z3 gave up on the base case ({self.gave_up})",
                                  k, cti=cti)
            # step: k states inside P and the lemmas, then one more step that leaves P
            step = []
            for i in range(k):
                step += [enc.typed(s[i]), goal.holds(s[i])]
                step += [lemma.holds(s[i]) for lemma in lemmas]
                step.append(enc.trans(s[i], s[i + 1]))
            step.append(enc.typed(s[k]))
            # a CTI that really makes P false explains more than one where P cannot be
            # evaluated, so ask for that first; both unsat is exactly "P and defined" inductive
            got_result, got, why = self.solve(step + [goal.defined(s[k]),
                                                      z3.Not(goal.holds(s[k]))])
            outside.update(why)
            if got_result == z3.unsat:
                got_result, got, why = self.solve(step + [z3.Not(goal.defined(s[k]))])
                outside.update(why)
            if got_result == z3.unsat:
                return result("proved", f"{k}-inductive{assuming}", k)
            if got_result == z3.unknown:
                return result("unknown", f"z3 gave up on the inductive step at k = {k} ({got})",
                              k, cti=cti)
            cti = self.trace(got, s, goal)
        return result("unknown", f"not k-inductive for k <= {k_max}: a counterexample to "
                      "induction follows", k_max, cti=cti)

    def base(self, goal: Goal, s: list[Any], outside: set[str]
             ) -> tuple[str, str, Trace] | None:
        """(outcome, reason, trace) when a path from an initial state ends outside the goal
        (typed: a step out of a declared range fails `bounds` and has no successor); sets
        `gave_up` when z3 could not tell."""
        enc = self.enc
        path = [enc.init(s[0])] + [enc.typed(x) for x in s] + \
            [enc.trans(a, b) for a, b in zip(s, s[1:])]
        value = goal.holds(s[-1])
        got_result, got, why = self.solve(path + [z3.Not(z3.And(value, goal.defined(s[-1])))])
        outside.update(why)
        self.gave_up = got if got_result == z3.unknown else None
        if got_result != z3.sat:
            return None
        length = len(s) - 1 + (goal.kind == "assertion")
        failing = " (a step from the last state fails it)" if goal.kind == "assertion" else ""
        if z3.is_false(got.eval(value, model_completion=True)):
            return ("refuted", f"violated {length} step{'s' if length != 1 else ''} "
                    f"from an initial state{failing}", self.trace(got, s, goal))
        return ("unknown", f"a state {len(s) - 1} step(s) from an initial one may make it "
                "impossible to evaluate (none used as a value)", self.trace(got, s, goal))

    def trace(self, zm: z3.ModelRef, states: list[Any], goal: Goal) -> Trace:
        enc = self.enc
        steps = [Step(*enc.step_taken(zm, a, b)) for a, b in zip(states, states[1:])]
        broken = goal.broken(zm, states[-1])
        return Trace([enc.readable(zm, s) for s in states], steps, broken,
                     enc.tuples(zm, states))


def assumed(lemmas: list[Goal]) -> str:
    """The lemmas a proof assumed, for its reason: the spec's by name, inferred ones counted."""
    named = [g.name for g in lemmas if g.kind != "inferred" and not g.name.startswith("INFERRED-")]
    inferred = len(lemmas) - len(named)
    parts = named + ([f"{inferred} inferred lemma{'s' if inferred != 1 else ''}"]
                     if inferred else [])
    return ", assuming " + ", ".join(parts) if parts else ""


def flat(state: dict[str, Any], m: Model | None = None) -> dict[str, str]:
    """One line per variable and thread, as traces show them: in the spec's syntax where
    the model gives the type (a set in braces, not as the list JSON holds)."""
    types: dict[tuple[str | None, str], Type] = {}
    if m is not None:  # without it, every value as JSON holds it
        types.update({(None, v.name): v.type for v in m.vars})
        types.update({(t.name, x.name): x.type for t in [*m.templates.values(), *m.handlers]
                      for x in t.params + t.locals})
        types.update({(None, x.name): x.type for x in m.thread_locals})

    def spelled(where: str | None, name: str, value: Any) -> str:
        t = types.get((where, name))
        return show(value) if t is None else spell(t, value)
    out = {k: spelled(None, k, v) for k, v in state.items() if k != "threads"}
    for th in state["threads"]:
        where = th["status"] if "thread" not in th else f"{th['thread']} at {th['at']}"
        parent = f", parent {th['parent']}" if th.get("parent") is not None else ""
        out[f"thread {th['id']}"] = where + parent
        for group, owner in (("locals", th.get("thread")), ("thread_locals", None)):
            for name, value in th.get(group, {}).items():
                out[f"thread {th['id']}.{name}"] = spelled(owner, name, value)
    return out
