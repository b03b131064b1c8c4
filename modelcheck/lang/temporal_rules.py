"""The parser's rules for liveness properties and fairness declarations.

A temporal pattern is built as (pattern, predicates) and the declaration around it adds
the name and the optional `for t in D, ...` binders, so the engine sees one flat node per
property rather than a formula tree: the five patterns are all it checks
(`engine/liveness.py`), and they need no general LTL translation.
"""

from __future__ import annotations

from typing import Any

from lark import Transformer, v_args

from . import temporal_syntax as S
from .positions import meta_pos, token_pos


@v_args(meta=True)
class TemporalRules(Transformer):
    """Builds `LivenessDecl` and `FairnessDecl`."""

    def liveness_decl(self, meta: Any, c: list) -> tuple:
        name, binders, (pattern, exprs) = c
        return ("liveness", S.LivenessDecl(str(name), pattern, exprs, binders or (),
                                           token_pos(name)))

    def live_binders(self, meta: Any, c: list) -> tuple:
        return tuple((str(n), d) for n, d in zip(c[::2], c[1::2]))

    def live_eventually(self, meta: Any, c: list) -> tuple:
        return ("eventually", (c[0],))

    def live_always_eventually(self, meta: Any, c: list) -> tuple:
        return ("always_eventually", (c[0],))

    def live_eventually_always(self, meta: Any, c: list) -> tuple:
        return ("eventually_always", (c[0],))

    def live_leads_to(self, meta: Any, c: list) -> tuple:
        return ("leads_to", (c[0], c[1]))

    def live_termination(self, meta: Any, c: list) -> tuple:
        return ("termination", ())

    def fairness_decl(self, meta: Any, c: list) -> tuple:
        strength, template, label, *variants = c
        return ("fairness", S.FairnessDecl(
            str(strength), None if template is None else str(template),
            None if label is None else str(label),
            tuple((str(t), token_pos(t)) for t in variants if t is not None), meta_pos(meta)))
