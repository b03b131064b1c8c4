"""Every expression and value the reports print re-parses to the same meaning.

For each shipped spec (specs/*.spec and specs/examples/*.spec, its first variant), the
renderer's text of each invariant, definition body and step guard (an `await` before any
`let` or `choose` of its step), and the spelling of each variable's value in a sample of
reached states, is parsed again and checked in the same place (the template's scope for a
guard, the definition's parameters for its body), then evaluated beside the original on
those states: the two must agree, value for value, or both fail to evaluate.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import run_variant
from modelcheck.backends.python.system import build
from modelcheck.backends.runtime import EvalError
from modelcheck.check.checker import _Checker, check
from modelcheck.check.memory import apply_memory_model
from modelcheck.check.scope import CONST_SCOPE, Scope
from modelcheck.ir import model as M
from modelcheck.ir.typesys import BOOL, Type
from modelcheck.ir.values import decode, spell
from modelcheck.lang.parser import parse
from modelcheck.lang.source import load
from modelcheck.report.evaluate import Evaluator, Unbound
from modelcheck.report.render import render
from modelcheck.symbolic.induction import flat
from tests.conftest import ROOT

SPECS = sorted([*ROOT.glob("specs/*.spec"), *ROOT.glob("specs/examples/*.spec")])
SAMPLE = 12  # reached states per spec, breadth first


def reached(model: M.Model) -> list[tuple]:
    ts = build(model, symmetry=False)
    states = [s for s in itertools.islice(ts.init(), SAMPLE) if isinstance(s, tuple)]
    seen, todo = set(states), list(states)
    while todo and len(states) < SAMPLE:
        for t in ts.successors(todo.pop(0)):
            if t not in seen and len(states) < SAMPLE:
                seen.add(t)
                states.append(t)
                todo.append(t)
    return states


def expression(text: str) -> Any:
    """The syntax tree of one expression, parsed as a spec would parse it."""
    return parse(f"invariant REPARSED: {text};").invariants[0][1]


def outcome(ev: Evaluator, e: M.TExpr, s: tuple, env: dict, me: int | None) -> Any:
    try:
        return ev.value(e, s, env, me)
    except (EvalError, Unbound) as err:
        return type(err).__name__


def guards(model: M.Model) -> list[tuple[M.Template, M.Step, M.TExpr]]:
    """The awaits that open a step, which see only the state and the thread's own names."""
    out = []
    for t in [*model.templates.values(), *model.handlers]:
        for st in t.steps:
            for stmt in st.body:
                if not isinstance(stmt, M.Await):
                    break
                out.append((t, st, stmt.cond))
    return out


def samples(t: Type) -> list[Any]:
    """A few values of a parameter's type, as a state holds them."""
    try:
        return t.values()[:3]
    except TypeError:
        return []


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_printed_expressions_and_values_reparse(path: Path) -> None:
    spec = load(path)
    variant = None  # the first
    checker = _Checker(apply_memory_model(spec.ast, variant, {}), variant, {}, True)
    model = checker.run()
    states = reached(model)
    ev = Evaluator(model)

    def same(orig: M.TExpr, scope: Scope, want: Type, env: dict, me: int | None,
             s: tuple) -> None:
        text = render(orig)
        again = checker.expect_type(expression(text), scope, want)
        assert outcome(ev, again, s, env, me) == outcome(ev, orig, s, env, me), text

    for s in states:
        for inv in model.invariants:
            same(inv.expr, Scope(), BOOL, {}, None, s)
        for d in model.defs.values():
            scope = Scope(bound=[{p.name: p for p in d.params}])
            for args in itertools.islice(itertools.product(*(samples(p.type)
                                                             for p in d.params)), 4):
                same(d.body, scope, d.body.type, dict(zip((p.uid for p in d.params), args)),
                     None, s)
        for t, st, cond in guards(model):
            for me in range(model.pool):
                if s[model.thread_base + me * model.thread_stride] == st.pc:
                    same(cond, Scope(template=t, in_step=True), BOOL, {}, me, s)
        for t, offset in places(model, s):
            text = spell(t, decode(t, s, offset))
            value = checker.expect_type(expression(text), CONST_SCOPE, t)
            assert ev.value(value, s, {}, None) == ev.value(
                M.GlobalPlace(t, "x", offset), s, {}, None), text


def places(model: M.Model, s: tuple) -> list[tuple[Type, int]]:
    """Where each variable and each running thread's locals sit in state s."""
    out = [(var.type, var.offset) for var in model.vars]
    steps = {pc: t for pc, (t, _) in model.steps_by_pc.items()}
    for me in range(model.pool):
        base = model.thread_base + me * model.thread_stride
        t = steps.get(s[base])
        if t is not None:
            out += [(loc.type, base + loc.slot) for loc in t.params + t.locals]
    return out


def test_trace_choices_and_cti_lines_spell_sets() -> None:
    """A subset chosen in a trace (`Q = {0, 1}`) and a set in a proof's trace print in
    braces, as the spec writes them, not as the list JSON holds."""
    v = run_variant(load(ROOT / "specs" / "examples" / "tla_paxos.spec"), "any_value",
                    RunConfig(engine="python", liveness=False))[1]
    chosen = [c for st in v.counterexamples[0].steps for c in st.choices if c.startswith("Q =")]
    assert chosen and all(c.startswith("Q = {") and c.endswith("}") for c in chosen)
    model = check(load(ROOT / "specs" / "examples" / "tla_twophase.spec").ast)
    lines = flat({"tmPrepared": [0, 2], "rmState": ["working"] * 3, "threads": []}, model)
    assert lines["tmPrepared"] == "{0, 2}" and lines["rmState"] == "[working, working, working]"
