"""Liveness properties and fairness declarations, checked for one variant.

A property `for t in D` becomes one instance per value of D (`for c in C, r in R`: per
pair) with t bound to that value as a constant, so its predicates fold like any constant
expression and the back ends compile plain state predicates. Fairness names a template or
one of its steps, resolved here to the pcs the engine compares a move's pc with.
"""

from __future__ import annotations

from typing import Any

from ..ir import model as M
from ..ir.temporal import PATTERNS, Fairness, LivenessInstance, Temporal
from ..ir.typesys import BOOL, Type
from ..ir.values import decode, spell
from ..lang import temporal_syntax as S
from ..lang import tla_syntax as T
from ..lang.errors import SpecError, suggest
from .action_fairness import ActionFairnessChecks
from .scope import Scope


class TemporalChecks(ActionFairnessChecks):
    """`temporal(options)`: the model's `Temporal`, or None when the spec states no
    liveness property (fairness alone changes no verdict)."""

    def temporal(self, options: dict[str, Any]) -> Temporal | None:
        spec = self.spec
        if not spec.liveness:
            return None
        out = Temporal(stutter=bool(options.get("stutter", False)))
        for d in spec.liveness:
            self.add_property(d.name, "liveness", d.pos, PATTERNS[d.pattern])
            out.properties.extend(self._instances(d))
        for f in spec.fairness:
            for name, pos in f.variants:
                if name not in self.variant_names:
                    raise SpecError(f"unknown variant '{name}' in fairness", pos,
                                    suggest(name, self.variant_names))
            if f.variants and self.variant not in {n for n, _ in f.variants}:
                continue
            if isinstance(f, T.ActionFairnessDecl):
                out.fairness.append(self.action_fairness(f))
            else:
                out.fairness.append(self._fairness(f))
        return out

    def _instances(self, d: S.LivenessDecl) -> list[LivenessInstance]:
        """One instance per combination of the binders' values, the first binder's
        values outermost (`c = 0, r = 0`, `c = 0, r = 1`, ...)."""
        choices: list[list[tuple[str, M.Const, Type]]] = [[]]  # the names bound so far
        for name, domain in d.binders:
            if any(name == n for n, _, _ in choices[0]):
                raise SpecError(f"'{name}' is bound twice in liveness {d.name}", domain.pos)
            dom = self.domain(domain, Scope())
            if dom.set_expr is not None or id(dom) in self.big_domains:
                raise SpecError("a liveness property ranges over a type or a range 'a..b', "
                                "not a set", domain.pos)
            values = self.constant_values(domain)  # a range's bounds must be constants
            choices = [[*c, (name, v, dom.type)] for c in choices for v in values]
        out = []
        for chosen in choices:
            frame = Scope(bound=[{n: v for n, v, _ in chosen}])
            exprs = tuple(self.expect_type(e, frame, BOOL) for e in d.exprs)
            shown = ", ".join(f"{n} = {spell(t, decode(t, [v.value]))}" for n, v, t in chosen)
            out.append(LivenessInstance(d.name, d.pattern, exprs, shown, d.pos))
        return out

    def _fairness(self, f: S.FairnessDecl) -> Fairness:
        if f.template is None:
            return Fairness(f.strength, None, f.strength)
        templates = {t.name: t for t in [*self.templates.values(), *self.handlers]}
        t = templates.get(f.template)
        if t is None:
            raise SpecError(f"fairness: no thread or handler '{f.template}'", f.pos,
                            suggest(f.template, templates))
        if f.label is None:
            return Fairness(f.strength, frozenset(s.pc for s in t.steps),
                            f"{f.strength} {t.name}")
        pcs = [s.pc for s in t.steps if s.label == f.label]
        if not pcs:
            raise SpecError(f"fairness: '{t.name}' has no step '{f.label}'", f.pos,
                            suggest(f.label, [s.label for s in t.steps]))
        return Fairness(f.strength, frozenset(pcs), f"{f.strength} {t.name}.{f.label}")
