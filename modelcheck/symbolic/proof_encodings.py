"""The z3 encodings behind `mcheck prove` and `--bmc`, seen through one interface.

`Bounded` reads `encoding.py` (the spec's own pool, slot for slot as the
explicit engine stores states); `Unbounded` reads `unbounded.py` (thread
ids as a sort: every number of threads). Each turns the spec's invariants,
lemmas and assertions into `Goal`s whose value, evaluability and broken
conjuncts the prover can ask for, and names states and steps of a z3 model the
way traces name them.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import z3

from ..backends.python.system import build
from ..backends.runtime import EvalError
from ..check.checker import check
from ..check.variants import for_variant
from ..ir import model as M
from ..ir.values import state_dict
from ..lang import syntax as S
from ..lang.errors import Pos
from ..lang.source import LoadedSpec
from .encoding import encode
from .epr import leaves_epr
from .instantiation import decide
from .pool_structure import structure
from .unbounded import encode_unbounded
from .unbounded_readback import readable, tid_names
from .unbounded_state import tid_sort


@dataclass
class Goal:
    """A property as z3 sees it: its value and evaluability in a state, and what broke it."""

    name: str
    kind: str                                       # invariant, lemma, assertion, inferred
    pos: Pos
    holds: Callable[[Any], z3.BoolRef]
    defined: Callable[[Any], z3.BoolRef]
    broken: Callable[[z3.ModelRef, Any], list[dict[str, Any]]]


def fresh_context() -> None:
    """Give the next encoding a z3 context of its own. How long z3 takes on a quantified
    query depends on every term its context has made before: the same CTI query of the
    OSv spec took 0.4 s alone and 17 s after another variant's proof in the same process.
    z3's Python API has no public way to replace its default context, so this clears the
    module's handle and `z3.main_ctx()` makes a new one."""
    z3.z3._main_ctx = None


class ProofEncoding(ABC):
    """What the prover and BMC need; subclasses bind it to one encoding.

    Besides the abstract methods, a subclass provides `state(prefix)`, `typed(s)`,
    `init(s)`, `trans(s, t)` (z3 terms), `wellformed_obligations(s, t)` (queries that
    must be unsatisfiable for `typed` to hold of every reachable state),
    `outside_epr(query)`, `readable(model, s)` (a state as `values.state_dict` shapes
    it) and `step_taken(model, s, t)` ((thread, action) of the step from s to t).
    """

    scope = ""

    def __init__(self, spec: LoadedSpec, model: M.Model, overrides: dict[str, str]):
        fresh_context()
        self.spec = spec
        self.m = model
        self.conjunct_model = conjunct_model(spec, model, overrides)
        self.conjuncts: dict[str, list[M.Invariant]] = {}
        for inv in self.conjunct_model.invariants:
            self.conjuncts.setdefault(inv.name.rsplit("#", 1)[0], []).append(inv)

    def goals(self, only: list[str]) -> list[Goal]:
        """Every invariant and lemma, then every assertion (`only`: those, plus the lemmas)."""
        out = [self.invariant_goal(inv) for inv in self.m.invariants
               if inv.lemma or not only or inv.name in only]
        out += [Goal(p.name, "assertion", p.pos,
                     lambda s, p=p: z3.Not(self.failures(s).get(p.name, z3.BoolVal(False))),
                     lambda s: z3.BoolVal(True),
                     lambda zm, s, p=p: [self.where(p.pos, None, "a step from the last state "
                                                    "fails the assertion")])
                for p in self.m.properties
                if p.kind == "assertion" and (not only or p.name in only)]
        return out

    def where(self, pos: Pos, conjunct: int | None, text: str, of: int = 0,
              name: str | None = None) -> dict[str, Any]:
        """A broken conjunct: `name` is its invariant in `conjunct_model` (NAME#k), which a
        report renders whole; `text` is its first source line."""
        return {"conjunct": conjunct, "of": of, "name": name,
                "at": f"{self.spec.path}:{pos.line}:{pos.col}", "text": text}

    def broken_conjuncts(self, inv: M.Invariant, false: Callable[[M.Invariant], bool]
                         ) -> list[dict[str, Any]]:
        parts = self.conjuncts.get(inv.name, [])
        out = [self.where(c.pos, k, _source_line(self.spec.source, c.pos), len(parts), c.name)
               for k, c in enumerate(parts, 1) if false(c)]
        return out or [self.where(inv.pos, None, "no conjunct is false, but the invariant may "
                                  "not be evaluable here (none used as a value)", len(parts))]

    def decided(self, facts: list[z3.BoolRef], rlimit: int, timeout_ms: int
                ) -> tuple[z3.CheckSatResult, z3.ModelRef | None] | None:
        """The query answered without quantifiers when it can be (None: ask z3 whole)."""
        return None

    def deadlocked(self, s: Any) -> z3.BoolRef | None:
        """When s is a deadlock, or None when this encoding cannot say."""
        return None

    def init_failures(self) -> dict[str, z3.BoolRef]:
        """Properties that building an initial state can fail, and when."""
        return {}

    def failing_step(self, zm: z3.ModelRef, s: Any, prop: str) -> tuple[str, str]:
        """(thread, action) of a step from s that fails `prop` in the model."""
        return "some thread", f"a step that fails {prop}"

    def concrete(self, zm: z3.ModelRef, s: Any) -> tuple | None:
        """s in the model as the explicit engine's state tuple, when the encoding has one."""
        return None

    def tuples(self, zm: z3.ModelRef, states: list[Any]) -> list[tuple] | None:
        """Every state of a path as a tuple (for `explain` in reports), or None."""
        out = [c for c in (self.concrete(zm, s) for s in states) if c is not None]
        return out if len(out) == len(states) else None

    @abstractmethod
    def invariant_goal(self, inv: M.Invariant) -> Goal: ...

    @abstractmethod
    def failures(self, s: Any) -> dict[str, z3.BoolRef]: ...


class Unbounded(ProofEncoding):
    """Thread ids as an uninterpreted sort: a proof holds for every number of threads."""

    scope = "every number of threads"

    def __init__(self, spec: LoadedSpec, model: M.Model, overrides: dict[str, str]):
        super().__init__(spec, model, overrides)
        self.enc = encode_unbounded(model, spec.path)
        self.state = self.enc.state
        self.typed = self.enc.typed
        self.init = self.enc.init
        self.trans = self.enc.trans

    def failures(self, s: Any) -> dict[str, z3.BoolRef]:
        return self.enc.failures(s)

    def invariant_goal(self, inv: M.Invariant) -> Goal:
        enc = self.enc

        def broken(zm: z3.ModelRef, s: Any) -> list[dict[str, Any]]:
            universe = zm.get_universe(tid_sort()) or []
            return self.broken_conjuncts(inv, lambda c: z3.is_false(
                zm.eval(enc.invariant(c, s, universe), model_completion=True)))

        return Goal(inv.name, "lemma" if inv.lemma else "invariant", inv.pos,
                    lambda s: enc.invariant(inv, s), lambda s: enc.defined(inv, s), broken)

    def wellformed_obligations(self, s: Any, t: Any) -> list[tuple[str, list[z3.BoolRef]]]:
        """Each list must be unsatisfiable: well-formedness holds initially and is kept."""
        enc = self.enc
        return [("initially", [enc.init(s), z3.Not(enc.wellformed(s))]),
                ("after a step", [enc.ranges(s), enc.wellformed(s), enc.trans(s, t),
                                  enc.ranges(t), z3.Not(enc.wellformed(t))])]

    def outside_epr(self, query: z3.BoolRef) -> list[str]:
        return leaves_epr(query)

    def decided(self, facts: list[z3.BoolRef], rlimit: int, timeout_ms: int
                ) -> tuple[z3.CheckSatResult, z3.ModelRef | None] | None:
        return decide(facts, rlimit, timeout_ms)

    def readable(self, zm: z3.ModelRef, s: Any) -> dict[str, Any]:
        return readable(self.enc, zm, s)

    def step_taken(self, zm: z3.ModelRef, s: Any, t: Any) -> tuple[str, str]:
        """The step a model of trans took. z3 may keep a taken step's flag as the formula
        it stands for, and its evaluator cannot decide an equality of a stored array with
        the `anc` lambda of a spawn: then the step is the one whose flag is not false."""
        took = [(name, me, zm.eval(b, model_completion=True))
                for name, me, b in self.enc.took(s, t)]
        for test in (z3.is_true, lambda v: not z3.is_false(v)):
            for name, me, value in took:
                if test(value):
                    thread = str(zm.eval(me, model_completion=True))
                    return tid_names(self.enc, zm).get(thread, thread), name
        raise AssertionError("a model of trans takes no step")


class Bounded(ProofEncoding):
    """The spec's own thread pool and constants, slot for slot as the explicit engine has them
    (`encoding.py`); broken conjuncts are evaluated by the explicit engine's own code."""

    def __init__(self, spec: LoadedSpec, model: M.Model, overrides: dict[str, str]):
        super().__init__(spec, model, overrides)
        self.scope = f"a pool of {model.pool} thread ids"
        self.enc = encode(model)
        self.state = self.enc.state
        self.init = self.enc.init
        self.checks = {name: fn for name, fn in build(self.conjunct_model).invariants}

    def typed(self, s: Any) -> z3.BoolRef:
        """`Encoding.typed` and the thread table's structure (`pool_structure`): what makes
        a state readable as a trace state and rules out tables no run builds.
        `wellformed_obligations` checks that the search never leaves these states."""
        return z3.And(self.enc.typed(s), structure(self.m, s))

    def took(self, s: Any, t: Any) -> list[tuple[Any, z3.BoolRef, z3.BoolRef]]:
        """(disjunct, a boolean true when it was the step taken, its formula)."""
        return [(d, z3.Bool(f"took.{id(t)}.{k}"), d.formula)
                for k, d in enumerate(self.enc.steps(s, t))]

    def trans(self, s: Any, t: Any) -> z3.BoolRef:
        took = self.took(s, t)
        return z3.And(z3.Or([b for _, b, _ in took] or [z3.BoolVal(False)]),
                      *[b == f for _, b, f in took])

    def failures(self, s: Any) -> dict[str, z3.BoolRef]:
        return self.enc.failure(s)

    def deadlocked(self, s: Any) -> z3.BoolRef:
        return self.enc.deadlocked(s)

    def init_failures(self) -> dict[str, z3.BoolRef]:
        return self.enc.init_failure()

    def failing_step(self, zm: z3.ModelRef, s: Any, prop: str) -> tuple[str, str]:
        for thread in range(self.m.pool):
            for pc, (template, step) in self.m.steps_by_pc.items():
                cond = self.enc.failure(s, thread, pc).get(prop)
                if cond is not None and z3.is_true(zm.eval(cond, model_completion=True)):
                    return str(thread), f"{template.name}.{step.label}"
        return super().failing_step(zm, s, prop)

    def invariant_goal(self, inv: M.Invariant) -> Goal:
        """`Encoding.invariant` is true only where the invariant can also be evaluated
        (`Encoding.defined`)."""
        enc = self.enc

        def broken(zm: z3.ModelRef, s: Any) -> list[dict[str, Any]]:
            state = self.concrete(zm, s)
            return self.broken_conjuncts(inv, lambda c: not _holds(self.checks[c.name], state))

        return Goal(inv.name, "lemma" if inv.lemma else "invariant", inv.pos,
                    lambda s: enc.invariant(inv.name, s), lambda s: enc.defined(inv.name, s),
                    broken)

    def wellformed_obligations(self, s: Any, t: Any) -> list[tuple[str, list[z3.BoolRef]]]:
        enc = self.enc
        return [("initially", [enc.init(s), z3.Not(self.typed(s))]),
                ("after a step", [self.typed(s), self.trans(s, t), z3.Not(self.typed(t))])]

    def outside_epr(self, query: z3.BoolRef) -> list[str]:
        return []  # no quantifiers: every slot is a constant

    def concrete(self, zm: z3.ModelRef, s: Any) -> tuple:
        return self.enc.concrete(zm, s)

    def readable(self, zm: z3.ModelRef, s: Any) -> dict[str, Any]:
        return state_dict(self.m, self.concrete(zm, s))

    def step_taken(self, zm: z3.ModelRef, s: Any, t: Any) -> tuple[str, str]:
        for d, took, _ in self.took(s, t):
            if z3.is_true(zm.eval(took, model_completion=True)):
                template, step = self.m.steps_by_pc[d.pc]
                action = f"{template.name}.{step.label}"
                return str(d.thread), action if d.what == "step" else f"{action} [{d.what}]"
        raise AssertionError("a model of trans takes no step")


def _holds(check: Callable[[tuple], bool], state: tuple) -> bool:
    try:
        return bool(check(state))
    except EvalError:
        return False


# ---------------------------------------------------------------- conjuncts
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


def conjunct_model(spec: LoadedSpec, model: M.Model, overrides: dict[str, str]) -> M.Model:
    """The model again, its invariants replaced by their conjuncts (named NAME#k)."""
    ast = for_variant(spec.ast, model.variant)  # the invariants of this variant only
    named = [(n, e) for n, e, _ in ast.invariants] + \
        [(lemma.name, lemma.expr) for lemma in ast.lemmas
         if any(lemma.name == i.name for i in model.invariants)]
    pieces = [(f"{n}#{k}", part, part.pos) for n, e in named
              for k, part in enumerate(_split(e), 1)]
    derived = dataclasses.replace(ast, invariants=pieces, lemmas=[], expects=[])
    return check(derived, model.variant, overrides)


def _source_line(source: str, pos: Pos) -> str:
    lines = source.splitlines()
    return lines[pos.line - 1].strip() if 0 < pos.line <= len(lines) else ""
