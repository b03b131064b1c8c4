"""Fairness for one action of a step: `fairness weak next.step.give_back per c where S ==
alloc[c];` is TLA+'s `\\A c : WF_vars(Return(c, alloc[c]))`.

A TLA+ spec whose Next picks an action and its arguments is one mcheck step of `either`
branches and `choose`s, so its fairness conditions name a branch, the chosen values that
make one unit each (`per`), and a condition on the choices (`where`, over the state the
step starts from and the step's chosen variables by name). The checker resolves the names
against the step's checked body; the engine matches results through their labels
(`engine/action_fairness.py`).
"""

from __future__ import annotations

from ..ir import model as M
from ..ir.temporal import Action, Fairness
from ..ir.typesys import BOOL, Type
from ..ir.walk import statements
from ..lang import syntax as S
from ..lang import tla_syntax as T
from ..lang.errors import SpecError, suggest
from .names import Names
from .scope import Scope
from .syntax_walk import nodes


class ActionFairnessChecks(Names):
    """`action_fairness`: the `Fairness` of one `ActionFairnessDecl`."""

    def action_fairness(self, f: T.ActionFairnessDecl) -> Fairness:
        t = self.templates.get(f.template)
        if t is None:
            raise SpecError(f"fairness: no thread '{f.template}'", f.pos,
                            suggest(f.template, self.templates))
        step = next((s for s in t.steps if s.label == f.label), None)
        if step is None:
            raise SpecError(f"fairness: '{t.name}' has no step '{f.label}'", f.pos,
                            suggest(f.label, [s.label for s in t.steps]))
        body = list(statements(step.body))
        branches = [n for st in body if isinstance(st, M.Either) for n in st.names if n]
        if f.branch is not None and f.branch not in branches:
            raise SpecError(f"fairness: step {t.name}.{f.label} has no either branch named "
                            f"'{f.branch}'", f.pos, suggest(f.branch, branches))
        chosen = _chosen(body, f)
        for name, pos in f.per:
            if name not in chosen:
                raise SpecError(f"fairness: step {t.name}.{f.label} chooses no '{name}'", pos,
                                suggest(name, chosen))
        used = {n.id for n in nodes(f.where) if isinstance(n, S.Name)}
        reads = tuple(self.bound(name, ty) for name, ty in chosen.items() if name in used)
        where = None
        if f.where is not None:
            sc = Scope()
            for b in reads:
                sc = sc.push(b.name, b)
            where = self.expect_type(f.where, sc, BOOL)
        what = f"{f.strength} {t.name}.{f.label}" + (f".{f.branch}" if f.branch else "") + \
            "".join(f" per {n}" for n, _ in f.per) + (" where ..." if where is not None else "")
        action = Action(f.branch, tuple(n for n, _ in f.per), where, reads)
        return Fairness(f.strength, frozenset({step.pc}), what, action)


def _chosen(body: list[M.Stmt], f: T.ActionFairnessDecl) -> dict[str, Type]:
    """The step's chosen variables by name; one name chosen in two places (two branches)
    must have one type, since `where` and `per` name it once."""
    out: dict[str, Type] = {}
    for st in body:
        if isinstance(st, M.Choose):
            known = out.setdefault(st.var.name, st.var.type)
            if known != st.var.type:
                raise SpecError(f"fairness: the step chooses '{st.var.name}' as a {known} and "
                                f"as a {st.var.type}; rename one", f.pos)
    return out
