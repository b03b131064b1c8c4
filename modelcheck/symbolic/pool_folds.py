"""Formulas of the fixed-pool encoding that fold to values when their inputs are known.

The fixed-pool encoding is evaluated at concrete states as often as it is solved:
certification and the cross-check against the explicit engine instantiate it at
every state of a trace or a search. Values known at encoding time therefore stay
Python values (bool for Bool, int for Int, `Mask` for bit-vectors) and are folded
here, so a formula over a concrete state costs little more than running the step;
z3 terms appear only where a slot is symbolic. `term` turns either into a z3 term.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import z3


class Mask(NamedTuple):
    """A bit-vector literal: a set's bitmask and its width."""

    value: int
    width: int


_LITERALS: dict[Any, Any] = {}  # z3's literals of the context in _LITERALS["ctx"]


def term(x: Any) -> Any:
    if not isinstance(x, (int, Mask)):
        return x
    if _LITERALS.get("ctx") is not z3.main_ctx():  # a proof started a fresh context
        _LITERALS.clear()
        _LITERALS["ctx"] = z3.main_ctx()
    key = (type(x), x)
    if key not in _LITERALS:
        _LITERALS[key] = z3.BoolVal(x) if isinstance(x, bool) else \
            z3.BitVecVal(x.value, x.width) if isinstance(x, Mask) else z3.IntVal(x)
    return _LITERALS[key]


def and_(*xs: Any) -> Any:
    out = []
    for x in xs:
        if x is False:
            return False
        if x is not True:
            out.append(x)
    return out[0] if len(out) == 1 else (_nary(z3.Z3_mk_and, out) if out else True)


def or_(*xs: Any) -> Any:
    out = []
    for x in xs:
        if x is True:
            return True
        if x is not False:
            out.append(x)
    return out[0] if len(out) == 1 else (_nary(z3.Z3_mk_or, out) if out else False)


def _nary(mk: Any, xs: list[z3.BoolRef]) -> z3.BoolRef:
    """z3.And/z3.Or without their per-argument checks, which dominate on wide states."""
    ctx = xs[0].ctx
    args = (z3.Ast * len(xs))(*[x.as_ast() for x in xs])
    return z3.BoolRef(mk(ctx.ref(), len(xs), args), ctx)


def not_(x: Any) -> Any:
    if isinstance(x, bool):
        return not x
    return z3.BoolRef(z3.Z3_mk_not(x.ctx.ref(), x.as_ast()), x.ctx)  # z3.Not checks its argument


def ite(c: Any, a: Any, b: Any) -> Any:
    if c is True or a is b:
        return a
    if c is False:
        return b
    if known(a) and known(b) and type(a) is type(b) and a == b:
        return a
    a, b = term(a), term(b)
    ctx = c.ctx  # z3.If without its coercions: the sorts agree by construction
    return z3.z3._to_expr_ref(z3.Z3_mk_ite(ctx.ref(), c.as_ast(), a.as_ast(), b.as_ast()), ctx)


def known(x: Any) -> bool:
    return isinstance(x, (int, Mask))  # bool is an int


def eq(a: Any, b: Any) -> Any:
    if isinstance(a, list):
        return and_(*(eq(x, y) for x, y in zip(a, b)))
    if a is b:
        return True
    if isinstance(a, Mask) and isinstance(b, Mask):
        return a.value == b.value
    if known(a) and known(b):
        return a == b
    a, b = term(_fit(a, b)), term(_fit(b, a))
    ctx = a.ctx if isinstance(a, z3.ExprRef) else b.ctx
    return z3.BoolRef(z3.Z3_mk_eq(ctx.ref(), a.as_ast(), b.as_ast()), ctx)


def _fit(x: Any, other: Any) -> Any:
    """An untyped empty set takes the width of the set it meets."""
    if isinstance(x, Mask) and x.width == 0 and isinstance(other, z3.BitVecRef):
        return Mask(0, other.size())
    return x


def cmp(op: str, a: Any, b: Any) -> Any:
    if known(a) and known(b):
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    a, b = term(a), term(b)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def arith(op: str, a: Any, b: Any) -> Any:
    if known(a) and known(b):
        return {"+": a + b, "-": a - b, "*": a * b}[op]
    a, b = term(a), term(b)
    return {"+": a + b, "-": a - b, "*": a * b}[op]


def bvop(op: str, a: Any, b: Any) -> Any:
    """Set union, intersection and difference ("-": a and not b) on masks."""
    if isinstance(a, Mask) and isinstance(b, Mask):
        x = {"|": a.value | b.value, "&": a.value & b.value, "-": a.value & ~b.value}[op]
        return Mask(x, max(a.width, b.width))
    a, b = term(_fit(a, b)), term(_fit(b, a))
    return {"|": a | b, "&": a & b, "-": a & ~b}[op]


def inside(x: Any, lo: int, hi: int) -> Any:
    return and_(cmp(">=", x, lo), cmp("<=", x, hi))


def bit(mask: Any, k: int) -> Any:
    if isinstance(mask, Mask):
        return bool(mask.value >> k & 1)
    return z3.Extract(k, k, mask) == 1


def mask_of(bits: list[Any]) -> Any:
    """The set whose bit k is bits[k]."""
    if all(isinstance(b, bool) for b in bits):
        return Mask(sum(1 << k for k, b in enumerate(bits) if b), len(bits))
    parts = [z3.If(term(b), z3.BitVecVal(1, 1), z3.BitVecVal(0, 1)) for b in reversed(bits)]
    return z3.Concat(*parts) if len(parts) > 1 else parts[0]


def count(tests: list[Any]) -> Any:
    trues = sum(1 for t in tests if t is True)
    rest = [z3.If(t, z3.IntVal(1), z3.IntVal(0)) for t in tests if not isinstance(t, bool)]
    return arith("+", trues, z3.Sum(rest)) if rest else trues


def decide(x: Any) -> bool:
    """A folded formula's truth: it is a Python bool, or z3 simplifies it to one."""
    return x if isinstance(x, bool) else z3.is_true(z3.simplify(x))
