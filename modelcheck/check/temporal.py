"""Liveness properties and fairness declarations, checked for one variant.

A property `for t in D` becomes one instance per value of D with t bound to that value
as a constant, so its predicates fold like any constant expression and the back ends
compile plain state predicates. Fairness names a template or one of its steps, resolved
here to the pcs the engine compares a move's pc with.
"""

from __future__ import annotations

from typing import Any

from ..ir.temporal import PATTERNS, Fairness, LivenessInstance, Temporal
from ..ir.typesys import BOOL
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
        if d.var is None or d.domain is None:
            exprs = tuple(self.expect_type(e, Scope(), BOOL) for e in d.exprs)
            return [LivenessInstance(d.name, d.pattern, exprs, "", d.pos)]
        dom = self.domain(d.domain, Scope())
        if dom.set_expr is not None or id(dom) in self.big_domains:
            raise SpecError("a liveness property ranges over a type or a range 'a..b', "
                            "not a set", d.domain.pos)
        out = []
        for const in self.constant_values(d.domain):  # a range's bounds must be constants
            value = const.value
            frame = Scope(bound=[{d.var: const}])
            exprs = tuple(self.expect_type(e, frame, BOOL) for e in d.exprs)
            shown = spell(dom.type, decode(dom.type, [value]))
            out.append(LivenessInstance(d.name, d.pattern, exprs, f"{d.var} = {shown}", d.pos))
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
