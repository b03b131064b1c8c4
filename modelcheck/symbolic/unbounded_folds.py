"""Folds over finite domains and integer division in the unbounded encoding.

The checker spells the operations over sets of records, tuples or sets and over
sets of more than 64 values (`check/big_sets.py`) as `count`, `sum`, `filter` and
`pick` over member numbers, whose items it decodes with `/` and `mod`; a user writes
them too. Their domains are finite (never thread ids), so each is a term per value,
as the engines loop: `count`, `sum` and `filter` evaluate the body at every member,
`pick` stops at the first that satisfies it and raises when none does. Division by
zero and `mod` by a non-positive number raise as well. Where the engines raise, a
step fails `runtime` (`Ctx.fails`) and `Definedness` says when an invariant cannot be
evaluated, as for the other expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import z3

from ..ir import model as M
from ..ir.typesys import BoolType
from .encoder import Unsupported
from .pool_expressions import _div
from .unbounded_state import Ctx, Failure, not_supported, small_set, small_set_of

FOLDS = ("count", "sum", "filter", "pick")


def literal(t: Any, x: Any) -> z3.ExprRef:
    """A value of a finite non-id domain, bound by a binder."""
    return z3.BoolVal(x) if isinstance(t, BoolType) else z3.IntVal(x)


def raises(ctx: Ctx, bad: z3.BoolRef, message: str, e: M.TExpr) -> None:
    """On a step's path, the engines raise where `bad` holds: a `runtime` failure there,
    and the path goes on only where it does not."""
    if ctx.path is not None:
        ctx.fails.append(Failure("runtime", message, z3.And(ctx.path.guard + [bad]), e.pos))
        ctx.path.guard.append(z3.Not(bad))


def division(op: str, a: z3.ArithRef, b: z3.ArithRef) -> tuple[z3.ArithRef, z3.BoolRef]:
    """a op b for `/`, `%` (C's: rounding towards zero) and `mod` (0 <= r < b), and when the
    engines raise instead."""
    if op == "mod":
        return a % b, b <= 0  # z3's mod is the mathematical one for b > 0
    q = _div(a, b)
    return (q if op == "/" else a - q * b), b == 0


class FiniteFolds:
    """`fold(e, ctx)` for count, sum, filter and pick over a finite domain; mixed into
    `UnboundedExpressions` (whose `visit`, `under` and `in_domain` it calls)."""

    visit: Callable[[M.TExpr, Ctx], Any]
    under: Callable[[z3.BoolRef, M.TExpr, Ctx], Any]
    in_domain: Callable[[M.Domain, z3.ExprRef, Ctx], z3.BoolRef]
    path: str

    def fold(self, e: M.Quant, ctx: Ctx) -> Any:
        t = e.domain.type
        hits: list[z3.BoolRef] = []
        values: list[tuple[z3.BoolRef, z3.ExprRef, Any]] = []
        for x in t.values():
            lit = literal(t, x)
            inside = self.in_domain(e.domain, lit, ctx)
            # pick stops at its first hit; the others evaluate the body at every member
            reached = z3.And(inside, *(z3.Not(h) for h in hits)) if e.kind == "pick" \
                else inside
            body = self.under(reached, e.body, ctx.with_env({**ctx.env, e.var.uid: lit}))
            values.append((inside, lit, body))
            if e.kind in ("pick", "count", "filter"):
                hits.append(z3.And(inside, body))
        if e.kind == "count":
            return z3.Sum([z3.If(h, 1, 0) for h in hits]) if hits else z3.IntVal(0)
        if e.kind == "sum":
            return z3.Sum([z3.If(inside, body, 0) for inside, _, body in values]) \
                if values else z3.IntVal(0)
        if e.kind == "filter":
            if not small_set(e.type):
                raise Unsupported(not_supported(f"filter into a {e.type}", self.path, ctx.pos))
            index = {x: k for k, x in enumerate(t.values())}
            return small_set_of(e.type, lambda v: hits[index[v]])  # type: ignore[arg-type]
        raises(ctx, z3.Not(z3.Or(hits)) if hits else z3.BoolVal(True),
               "pick: no member satisfies the condition", e)
        first = values[-1][1] if values else z3.IntVal(0)
        for hit, (_, lit, _) in reversed(list(zip(hits, values))):
            first = z3.If(hit, lit, first)
        return first

    def picked(self, e: M.Quant, ctx: Ctx) -> z3.BoolRef:
        """Some member satisfies a pick's condition (for `Definedness`)."""
        t = e.domain.type
        return z3.Or([z3.And(self.in_domain(e.domain, literal(t, x), ctx),
                             self.visit(e.body, ctx.with_env({**ctx.env,
                                                              e.var.uid: literal(t, x)})))
                      for x in t.values()] or [z3.BoolVal(False)])
