"""Why a property is false in a concrete state: the deciding sub-expression and its bindings.

The search only learns that an invariant's compiled function returned False.
A reviewer needs more: which conjunct failed, for which thread, reading which
values. This module walks down from the property to the smallest sub-expression
whose value alone decides the result, collecting the witnesses of quantifiers and
the arguments of definitions on the way, and the values the culprit reads. The
values come from the evaluator (`evaluate.py`, the semantics the back end
compiles), the text from the renderer (`render.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..backends.runtime import EvalError
from ..ir import model as M
from ..ir.control import AtStep, LocalOf
from ..ir.typesys import is_compound
from ..ir.values import show
from ..ir.walk import statements
from .evaluate import Env, Evaluator, Unbound
from .render import binder_domain, render, shown, strip_checks


@dataclass
class Frame:
    """One sub-expression on the way down, with its value and what was bound to reach it."""

    expr: str
    value: str
    binds: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


@dataclass
class Explanation:
    prop: str
    frames: list[Frame]                 # from the whole property down to the culprit
    reads: list[tuple[str, str]]        # the values the culprit reads

    @property
    def culprit(self) -> Frame:
        return self.frames[-1]

    @property
    def bindings(self) -> list[tuple[str, str]]:
        """Each name bound on the way down once (a def parameter often repeats a witness)."""
        return list(dict.fromkeys(b for f in self.frames for b in f.binds))


def explain(model: M.Model, prop: str, e: M.TExpr, state: tuple,
            me: int | None = None) -> Explanation:
    """Walk from `e` down to the sub-expression that decides its value in `state`
    (as seen by thread `me`, for an assertion inside a step)."""
    ev = Evaluator(model)
    env: Env = {}
    frames: list[Frame] = []
    binds: list[tuple[str, str]] = [] if me is None else [("self", str(me))]
    while True:
        e = strip_checks(e)
        val = ev.value(e, state, env, me)
        frame = Frame(render(e), shown(e.type, val), binds)
        frames.append(frame)
        nxt = _decisive(ev, e, val, state, env, me, frame)
        if nxt is None:
            break
        e, env, binds = nxt
    return Explanation(prop, frames, _reads(ev, e, state, env, me))


def explain_assertion(model: M.Model, template: str, label: str, prop: str, state: tuple,
                      me: int) -> Explanation | None:
    """The failing `assert` of a step, explained in the state it saw; None when it reads a
    `let` or `choose` name, whose value the state does not keep."""
    step = next((st for t, st in model.steps_by_pc.values()
                 if t.name == template and st.label == label), None)
    if step is None:
        return None
    for a in statements(step.body):
        if not isinstance(a, M.Assert) or a.prop != prop:
            continue
        try:
            if not Evaluator(model).value(a.cond, state, {}, me):
                return explain(model, prop, a.cond, state, me)
        except (Unbound, EvalError):
            continue
    return None


def _decisive(ev: Evaluator, e: M.TExpr, val: Any, s: tuple, env: Env,
              me: int | None, frame: Frame) -> tuple[M.TExpr, Env, list] | None:
    """The one child whose value alone gives `e` its value, if there is one."""
    if isinstance(e, M.Binary) and e.op in ("&&", "||", "->"):
        left = bool(ev.value(e.left, s, env, me))
        if e.op == "->":
            if val:
                return (e.left, env, []) if not left else (e.right, env, [])
            frame.note = "the premise holds and the conclusion does not"
            return e.right, env, []
        if bool(val) == (e.op == "||"):
            return (e.left if left == bool(val) else e.right), env, []
        frame.note = "every conjunct holds" if val else "every alternative is false"
        return None
    if isinstance(e, M.Unary) and e.op == "!":
        return e.operand, env, []
    if isinstance(e, M.Ite):
        test = bool(ev.value(e.test, s, env, me))
        frame.note = f"{render(e.test)} is {show(test)}"
        return (e.then if test else e.other), env, []
    if isinstance(e, M.DefCall):
        d = ev.m.defs[e.name]
        inner = {p.uid: ev.value(a, s, env, me) for p, a in zip(d.params, e.args)}
        binds = [(p.name, shown(p.type, inner[p.uid])) for p in d.params]
        return d.body, inner, binds
    if isinstance(e, M.Quant) and e.kind in ("forall", "exists"):
        w = ev.witness(e, s, env, me)
        name = e.var.name
        if w is None:
            what = "no" if e.kind == "exists" else "every"
            frame.note = f"{what} {name} in {binder_domain(e)} satisfies the body"
            return None
        x = shown(e.var.type, w[0])
        frame.note = f"{'false' if e.kind == 'forall' else 'true'} for {name} = {x}"
        return e.body, {**env, e.var.uid: w[0]}, [(name, x)]
    return None


def _reads(ev: Evaluator, e: M.TExpr, s: tuple, env: Env,
           me: int | None) -> list[tuple[str, str]]:
    """Values of the places and builtins inside the culprit that can be evaluated here."""
    out: dict[str, str] = {}
    for atom in _atoms(e):
        text = render(atom)
        if text in out or atom is e:
            continue
        try:
            out[text] = shown(atom.type, ev.value(atom, s, env, me))
        except (Unbound, EvalError):
            continue
    return list(out.items())


def _atoms(e: M.TExpr) -> Iterator[M.TExpr]:
    e = strip_checks(e)
    whole_array = isinstance(e, M.GlobalPlace) and is_compound(e.type)  # its element is shown
    if (M.is_place(e) and not whole_array) or \
            isinstance(e, (M.Builtin, M.DefCall, AtStep, LocalOf)):
        yield e
    for child in _children(e):
        yield from _atoms(child)


def _children(e: M.TExpr) -> list[M.TExpr]:
    if isinstance(e, (M.Builtin, M.DefCall, M.SetOf, M.Compound)):
        return list(e.args if isinstance(e, (M.Builtin, M.DefCall)) else e.items)
    if isinstance(e, (M.Unary, M.Unwrap)):
        return [e.operand]
    if isinstance(e, M.Binary):
        return [e.left, e.right]
    if isinstance(e, M.Ite):
        return [e.test, e.then, e.other]
    if isinstance(e, M.Quant):
        return [e.body] + ([e.domain.set_expr] if e.domain.set_expr is not None else [])
    if isinstance(e, M.IndexPlace):
        return [e.base, e.index]
    if isinstance(e, M.FieldPlace):
        return [e.base]
    if isinstance(e, M.TlsPlace) and e.thread is not None or isinstance(e, (AtStep, LocalOf)):
        return [e.thread]  # type: ignore[union-attr]
    return []
