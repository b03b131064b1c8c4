"""The parser's rules for fairness on one action of a step (`tla_syntax.ActionFairnessDecl`).

Three grammar alternatives say the same thing (a branch, `per`, `where`, each optional, but
one of them present so that `fairness weak t.s;` stays per-step fairness, then the
variants it is for); the optional parts arrive tagged, so one rule builds them all.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer, v_args

from . import tla_syntax as T
from .positions import meta_pos, token_pos


@v_args(meta=True)
class ActionFairnessRules(Transformer):
    """Builds `ActionFairnessDecl`, filed with the spec's other fairness declarations."""

    def action_fairness_decl(self, meta: Any, c: list) -> tuple:
        names = [x for x in c[1:] if isinstance(x, Token)]
        tagged = dict(x for x in c[1:] if isinstance(x, tuple))
        template, label = str(names[0]), str(names[1])
        branch = str(names[2]) if len(names) > 2 else None
        return ("fairness", T.ActionFairnessDecl(
            str(c[0]), template, label, branch, tagged.get("per", ()), tagged.get("where"),
            meta_pos(meta), tagged.get("for", ())))

    def fair_per(self, meta: Any, c: list) -> tuple:
        return ("per", tuple((str(t), token_pos(t)) for t in c))

    def fair_for(self, meta: Any, c: list) -> tuple:
        return ("for", tuple((str(t), token_pos(t)) for t in c))

    def fair_where(self, meta: Any, c: list) -> tuple:
        return ("where", c[0])
