"""Text to AST: the lark grammar in `grammar.lark` plus a transformer.

Lark's own exceptions never escape: every failure becomes a `SpecError` that
names the offending token and what would have been accepted there
(`parse_errors`). The transformer's rules are split by area of the grammar
(`decl_rules`, `stmt_rules`, `expr_rules`) and put together here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import lark

from . import syntax as S
from .action_fairness_rules import ActionFairnessRules
from .data_rules import DataRules
from .decl_rules import DeclarationRules
from .errors import SpecError
from .expr_rules import ExpressionRules
from .parse_errors import syntax_error
from .stmt_rules import StatementRules
from .temporal_rules import TemporalRules

_GRAMMAR = Path(__file__).with_name("grammar.lark")


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lark.Lark(_GRAMMAR.read_text(), parser="lalr", propagate_positions=True,
                     maybe_placeholders=True)


def parse(text: str) -> S.Spec:
    """Parse a whole spec file into grouped declarations."""
    parser = _parser()
    try:
        tree = parser.parse(text)
    except (lark.UnexpectedToken, lark.UnexpectedCharacters, lark.UnexpectedEOF) as e:
        raise syntax_error(e, text, parser) from None
    except lark.exceptions.VisitError as e:  # pragma: no cover - transformer bug
        raise e.orig_exc from None
    try:
        return _Build().transform(tree)
    except lark.exceptions.VisitError as e:
        if isinstance(e.orig_exc, SpecError):
            raise e.orig_exc from None
        raise


class _Build(DeclarationRules, StatementRules, ExpressionRules, TemporalRules,
             ActionFairnessRules, DataRules):
    """Builds `syntax` nodes; one method per grammar alias, in the rule sets above."""
