"""What a proof's reports say about a broken property: its whole text, the broken
conjunct rendered whole (a source line would cut a multi-line conjunct or start in the
middle of an expression), and the values the conjunct reads in the CTI's last state.

The terminal (`app/prove.py`) and the page (`prove_page.py`) both print these.
"""

from __future__ import annotations

from typing import Any

from ..backends.runtime import EvalError
from ..symbolic.induction import Trace
from ..symbolic.proof_encodings import ProofEncoding
from .explain import explain
from .render import render


def invariant_text(enc: ProofEncoding, name: str) -> str | None:
    inv = next((i for i in enc.m.invariants if i.name == name), None)
    return None if inv is None else render(inv.expr)


def conjunct_text(enc: ProofEncoding, broken: dict[str, Any]) -> str:
    part = _conjunct(enc, broken)
    return broken["text"] if part is None else render(part.expr)


def conjunct_values(enc: ProofEncoding, broken: dict[str, Any], t: Trace) -> list[str]:
    """`name = value` for what the broken conjunct reads in the trace's last state, when
    that state is an explicit tuple and the conjunct can be evaluated there."""
    part = _conjunct(enc, broken)
    if part is None or not t.concrete:
        return []
    try:
        why = explain(enc.conjunct_model, part.name, part.expr, t.concrete[-1])
    except EvalError:
        return []
    return [f"{name} = {value}" for name, value in why.bindings + why.reads]


def _conjunct(enc: ProofEncoding, broken: dict[str, Any]) -> Any:
    name = broken.get("name")
    return next((c for c in enc.conjunct_model.invariants if c.name == name), None)
