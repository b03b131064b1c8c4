"""`mcheck prove`: invariants proved by k-induction with z3, or a counterexample to induction.

For each invariant P (lemmas included) and k = 1..K: the base case asks for a
path of k - 1 steps from an initial state that ends outside P (found: P is
refuted, with that trace); the inductive step asks for k states that satisfy P
and every lemma, joined by k steps, whose successor breaks P (none: P is
proved). Lemmas are proved the same way, each assuming all of them, which is
sound because their conjunction is then inductive; a proof that assumed a
lemma that was not itself proved is reported as unknown. z3's "unknown" and
timeouts are never a proof.

Exit codes: 0 every property proved, 1 some property refuted (a real
counterexample from the initial states), 2 usage or spec error, 3 nothing
refuted but some property unknown (not k-inductive up to K, or z3 gave up).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import z3

from . import model as M
from . import syntax as S
from .checker import check
from .errors import Pos, SpecError
from .pipeline import LoadedSpec, load
from .symbolic_unbounded import (
    TID,
    UnboundedEncoding,
    encode_unbounded,
    leaves_epr,
    readable,
    tid_names,
)


@dataclass
class Step:
    thread: Any
    action: str


@dataclass
class Trace:
    """States (readable dicts) joined by steps; for a CTI the last state breaks the property."""

    states: list[dict[str, Any]]
    steps: list[Step]
    broken: list[dict[str, Any]] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {"length": len(self.steps), "states": self.states,
                "steps": [{"thread": s.thread, "action": s.action} for s in self.steps],
                "broken_conjuncts": self.broken}


@dataclass
class Goal:
    """A property as z3 sees it: its value and evaluability in a state, and its conjuncts.

    An assertion holds in a state when no step from it fails the assertion.
    """

    name: str
    kind: str                     # invariant, lemma, assertion
    pos: Pos
    holds: Callable[[Any], z3.BoolRef]
    defined: Callable[[Any], z3.BoolRef]
    conjuncts: list[M.Invariant]


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


class Prover:
    """One variant: the encoding, the lemmas, and the solver calls."""

    def __init__(self, spec: LoadedSpec, model: M.Model, timeout: float):
        self.spec = spec
        self.m = model
        self.enc: UnboundedEncoding = encode_unbounded(model, spec.path)
        self.timeout_ms = max(1, int(timeout * 1000))
        self.lemmas = [i for i in model.invariants if i.lemma]
        self.conjuncts = _conjuncts(spec, model)
        self.states = [self.enc.state(f"s{i}.") for i in range(2)]

    def _state(self, i: int) -> Any:
        while len(self.states) <= i:
            self.states.append(self.enc.state(f"s{len(self.states)}."))
        return self.states[i]

    def _solve(self, facts: list[z3.BoolRef]) -> tuple[z3.CheckSatResult, Any, list[str]]:
        solver = z3.Solver()
        solver.set("timeout", self.timeout_ms)
        solver.add(*facts)
        outside = leaves_epr(z3.And(facts))
        result = solver.check()
        return result, solver.model() if result == z3.sat else solver.reason_unknown(), outside

    def wellformed(self) -> str | None:
        """Why the encoding's well-formedness constraints are not shown inductive, or None.

        Every query assumes them of its first state, so they must hold of every
        reachable state: they hold initially and every step keeps them.
        """
        enc = self.enc
        s, t = self._state(0), self._state(1)
        for what, facts in (
                ("initially", [enc.init(s), z3.Not(enc.wellformed(s))]),
                ("after a step", [enc.ranges(s), enc.wellformed(s), enc.trans(s, t),
                                  enc.ranges(t), z3.Not(enc.wellformed(t))])):
            result, got, _ = self._solve(facts)
            if result != z3.unsat:
                return f"the encoding's well-formedness is not shown to hold {what} " \
                       f"(z3: {result if result == z3.sat else got})"
        return None

    def goals(self, only: list[str]) -> list[Goal]:
        """Every invariant and lemma, then every assertion (`only`: those, plus the lemmas)."""
        enc = self.enc
        out = [Goal(inv.name, "lemma" if inv.lemma else "invariant", inv.pos,
                    lambda s, inv=inv: enc.invariant(inv, s),
                    lambda s, inv=inv: enc.defined(inv, s), self.conjuncts.get(inv.name, []))
               for inv in self.m.invariants if inv.lemma or not only or inv.name in only]
        out += [Goal(p.name, "assertion", p.pos,
                     lambda s, p=p: z3.Not(enc.failures(s).get(p.name, z3.BoolVal(False))),
                     lambda s: z3.BoolVal(True), [])
                for p in self.m.properties
                if p.kind == "assertion" and (not only or p.name in only)]
        return out

    def prove(self, goal: Goal, k_max: int) -> Result:
        enc = self.enc
        outside: set[str] = set()
        cti: Trace | None = None
        failing = " (a step from the last state fails it)" if goal.kind == "assertion" else ""
        for k in range(1, k_max + 1):
            # base: a path of k - 1 steps from an initial state, ending outside P
            s = [self._state(i) for i in range(k + 1)]
            base = [enc.init(s[0])] + [enc.trans(s[i], s[i + 1]) for i in range(k - 1)]
            value = goal.holds(s[k - 1])
            result, got, why = self._solve(base + [z3.Not(z3.And(value, goal.defined(s[k - 1])))])
            outside.update(why)
            if result == z3.sat and z3.is_false(got.eval(value, model_completion=True)):
                length = k - 1 + (goal.kind == "assertion")
                return Result(goal.name, goal.kind, "refuted",
                              f"violated {length} step{'s' if length != 1 else ''} from an "
                              f"initial state{failing}", k,
                              counterexample=self._trace(got, s[:k], goal),
                              outside_epr=sorted(outside))
            if result == z3.sat:
                return Result(goal.name, goal.kind, "unknown", f"a state {k - 1} step(s) from "
                              "an initial one may make it impossible to evaluate (none used "
                              "as a value)", k, counterexample=self._trace(got, s[:k], goal),
                              outside_epr=sorted(outside))
            if result == z3.unknown:
                return Result(goal.name, goal.kind, "unknown",
                              f"z3 gave up on the base case ({got})", k, cti=cti,
                              outside_epr=sorted(outside))
            # step: k states inside P and the lemmas, then one more step that leaves P
            step = []
            for i in range(k):
                step += [enc.typed(s[i]), goal.holds(s[i])]
                step += [enc.invariant(lemma, s[i]) for lemma in self.lemmas]
                step.append(enc.trans(s[i], s[i + 1]))
            step += [enc.typed(s[k]), z3.Not(z3.And(goal.holds(s[k]), goal.defined(s[k])))]
            result, got, why = self._solve(step)
            outside.update(why)
            if result == z3.unsat:
                return Result(goal.name, goal.kind, "proved", f"{k}-inductive" + (
                    ", assuming " + ", ".join(lemma.name for lemma in self.lemmas)
                    if self.lemmas else ""), k, outside_epr=sorted(outside))
            if result == z3.unknown:
                return Result(goal.name, goal.kind, "unknown",
                              f"z3 gave up on the inductive step at k = {k} ({got})", k, cti=cti,
                              outside_epr=sorted(outside))
            cti = self._trace(got, s, goal)
        return Result(goal.name, goal.kind, "unknown", f"not k-inductive for k <= {k_max}: "
                      "a counterexample to induction follows", k_max, cti=cti,
                      outside_epr=sorted(outside))

    def _trace(self, zm: z3.ModelRef, states: list[Any], goal: Goal) -> Trace:
        enc = self.enc
        steps = []
        for a, b in zip(states, states[1:]):
            for name, me, formula in enc.took(a, b):
                if z3.is_true(zm.eval(formula, model_completion=True)):
                    thread = str(zm.eval(me, model_completion=True))
                    steps.append(Step(tid_names(enc, zm).get(thread, thread), name))
                    break
        last = states[-1]
        broken = []
        for index, conj in enumerate(goal.conjuncts, 1):
            ground = enc.invariant(conj, last, zm.get_universe(TID) or [])
            if z3.is_false(zm.eval(ground, model_completion=True)):
                broken.append({"conjunct": index, "of": len(goal.conjuncts),
                               "at": f"{self.spec.path}:{conj.pos.line}:{conj.pos.col}",
                               "text": _source_line(self.spec.source, conj.pos)})
        if not broken:
            why = "a step from the last state fails the assertion" if goal.kind == "assertion" \
                else "no conjunct is false, but the invariant may not be evaluable here " \
                     "(none used as a value)"
            broken.append({"conjunct": None, "of": len(goal.conjuncts),
                           "at": f"{self.spec.path}:{goal.pos.line}:{goal.pos.col}",
                           "text": why})
        return Trace([readable(enc, zm, s) for s in states], steps, broken)


def _split(e: S.Expr) -> list[S.Expr]:
    """Top-level conjuncts, looking through `forall` and the right side of `->`."""
    if isinstance(e, S.Binary) and e.op == "&&":
        return _split(e.left) + _split(e.right)
    if isinstance(e, S.Binary) and e.op == "->":
        parts = _split(e.right)
        return [e] if len(parts) == 1 else [S.Binary(p.pos, "->", e.left, p) for p in parts]
    if isinstance(e, S.Binder) and e.kind == "forall":
        parts = _split(e.body)
        return [e] if len(parts) == 1 else [S.Binder(p.pos, "forall", e.var, e.domain, p)
                                           for p in parts]
    return [e]


def _conjuncts(spec: LoadedSpec, model: M.Model) -> dict[str, list[M.Invariant]]:
    """Each invariant's conjuncts, checked as invariants of their own (named NAME#k)."""
    ast = spec.ast
    named = [(n, e) for n, e, _ in ast.invariants] + \
        [(lemma.name, lemma.expr) for lemma in ast.lemmas
         if any(lemma.name == i.name for i in model.invariants)]
    pieces = [(f"{n}#{k}", part, part.pos) for n, e in named
              for k, part in enumerate(_split(e), 1)]
    derived = dataclasses.replace(ast, invariants=pieces, lemmas=[], expects=[])
    checked = check(derived, model.variant, _overrides_of(model, ast))
    out: dict[str, list[M.Invariant]] = {}
    for inv in checked.invariants:
        out.setdefault(inv.name.rsplit("#", 1)[0], []).append(inv)
    return out


def _overrides_of(model: M.Model, ast: S.Spec) -> dict[str, str]:
    """The -D values the model was checked with, so the conjuncts see the same constants."""
    out = {}
    for name, _, _ in ast.consts:
        value = model.consts[name]
        out[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def _source_line(source: str, pos: Any) -> str:
    lines = source.splitlines()
    return lines[pos.line - 1].strip() if 0 < pos.line <= len(lines) else ""


# ----------------------------------------------------------------- reports
def _text(path: str, variant: str, k: int, results: list[Result], lemmas_ok: bool) -> str:
    lines = [f"{path}  variant {variant}: prove (k <= {k}, every number of threads)"]
    width = max((len(r.name) for r in results), default=4)
    for r in results:
        lines.append(f"  {r.name:<{width}}  {r.kind:<9}  {r.outcome.upper()}: {r.reason}")
        if r.outside_epr:
            lines.append(f"  {'':<{width}}  {'':<9}  outside EPR (z3 may answer unknown): "
                         + "; ".join(r.outside_epr))
    if not lemmas_ok:
        lines.append("  a lemma is not proved, so no proof that assumed the lemmas stands")
    for r in results:
        if r.counterexample is not None:
            lines += ["", f"Counterexample for {r.name}: {r.reason}"]
            lines += _trace_lines(r.counterexample)
        if r.cti is not None:
            lines += ["", f"Counterexample to induction for {r.name} (k = {r.cti and r.k}): "
                          f"{len(r.cti.states) - 1} step(s) inside {r.name} and the lemmas, "
                          f"then a step out of it"]
            for b in r.cti.broken:
                which = f"conjunct {b['conjunct']} of {b['of']}" if b["conjunct"] else r.name
                lines.append(f"  broken {which} at {b['at']}: {b['text']}")
            lines += _trace_lines(r.cti)
    return "\n".join(lines)


def _trace_lines(t: Trace) -> list[str]:
    out = []
    for n, state in enumerate(t.states):
        head = "state 0" if n == 0 else \
            f"state {n} after thread {t.steps[n - 1].thread}: {t.steps[n - 1].action}" \
            if n - 1 < len(t.steps) else f"state {n}"
        out.append(f"  {head}")
        out += [f"      {k} = {v}" for k, v in _flat(state).items()]
    return out


def _flat(state: dict[str, Any]) -> dict[str, str]:
    """One line per variable and thread; the same shapes as `values.flat_view`."""
    out = {k: _show(v) for k, v in state.items() if k != "threads"}
    for th in state["threads"]:
        where = th["status"] if "thread" not in th else f"{th['thread']} at {th['at']}"
        parent = f", parent {th['parent']}" if th.get("parent") is not None else ""
        out[f"thread {th['id']}"] = where + parent
        for name, value in th.get("locals", {}).items():
            out[f"thread {th['id']}.{name}"] = _show(value)
    return out


def _show(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "{" + ", ".join(str(x) for x in v) + "}"
    return str(v)


def _result_json(r: Result) -> dict[str, Any]:
    return {"name": r.name, "kind": r.kind, "outcome": r.outcome, "reason": r.reason, "k": r.k,
            "outside_epr": r.outside_epr,
            "cti": r.cti.json() if r.cti is not None else None,
            "counterexample": r.counterexample.json() if r.counterexample else None}


# --------------------------------------------------------------------- CLI
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mcheck prove",
                                description="Prove invariants by k-induction with z3.")
    p.add_argument("spec")
    p.add_argument("--variant", help="prove for this variant only (default: every variant)")
    p.add_argument("--k", type=int, default=1, help="try k-induction for k = 1 .. K (default 1)")
    p.add_argument("--unbounded", action="store_true",
                   help="thread ids are an uninterpreted sort: proofs hold for every number "
                        "of threads")
    p.add_argument("--property", action="append", default=[], metavar="NAME",
                   help="prove only this invariant (repeatable; lemmas are always proved)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="z3's time limit per query (default 60)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--json", metavar="FILE")
    return p


def prove_variant(spec: LoadedSpec, variant: str | None, k: int, timeout: float,
                  only: list[str], overrides: dict[str, str] | None = None
                  ) -> tuple[M.Model, list[Result], bool]:
    model = check(spec.ast, variant, overrides)
    known = {p.name for p in model.properties if p.kind in ("invariant", "lemma", "assertion")}
    for name in only:
        if name not in known:
            raise SpecError(f"--property {name}: variant {model.variant} has no invariant, "
                            f"lemma or assertion '{name}'")
    prover = Prover(spec, model, timeout)
    results = [prover.prove(goal, k) for goal in prover.goals(only)]
    lemmas_ok = all(r.outcome == "proved" for r in results if r.kind == "lemma")
    broken = prover.wellformed()
    for r in results:
        if r.outcome == "proved" and broken:
            r.outcome, r.reason = "unknown", f"{r.reason}, but {broken}"
        elif r.outcome == "proved" and not lemmas_ok and prover.lemmas:
            r.outcome, r.reason = "unknown", r.reason + ", but a lemma is not proved"
    return model, results, lemmas_ok


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.k < 1:
            raise SpecError("--k must be at least 1")
        if not args.unbounded:
            raise SpecError("mcheck prove needs --unbounded until the fixed-pool encoding "
                            "(symbolic.py) is merged")
        spec = load(args.spec)
        overrides = dict(d.split("=", 1) for d in args.defines if "=" in d)
        variants = [args.variant] if args.variant else spec.variants
        docs, codes = [], []
        for variant in variants:
            model, results, lemmas_ok = prove_variant(spec, variant, args.k, args.timeout,
                                                      args.property, overrides)
            print(_text(spec.path, model.variant, args.k, results, lemmas_ok))
            print()
            outcomes = {r.outcome for r in results}
            codes.append(1 if "refuted" in outcomes else 3 if "unknown" in outcomes else 0)
            docs.append({"spec": spec.path, "variant": model.variant, "k": args.k,
                         "unbounded": args.unbounded, "timeout": args.timeout,
                         "results": [_result_json(r) for r in results]})
    except SpecError as e:
        print(e.render(args.spec, Path(args.spec).read_text(errors="replace")
                       if Path(args.spec).exists() else ""), file=sys.stderr)
        return 2
    if args.json:
        Path(args.json).write_text(json.dumps(docs if len(docs) > 1 else docs[0], indent=2)
                                   + "\n")
    return max(codes, key=lambda c: (c == 1, c == 3))


__all__ = ["main", "prove_variant", "Result"]
