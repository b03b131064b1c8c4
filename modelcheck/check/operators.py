"""The operators, and their constant folding.

Operators are where the language's typing rules are densest (which types compare, order,
combine as sets, or add up), and where values known before the search are computed
rather than compiled: folding is what makes `if variant == x` and arithmetic on constants
disappear from the checked model, so the back ends never see them. Folding follows C for
`/` and `%` (truncation towards zero), as the back ends do.
"""

from __future__ import annotations

from ..ir import model as M
from ..ir.typesys import (
    BOOL,
    INT,
    BigSetType,
    EmptySetType,
    NoneType,
    SetType,
    TidType,
    Type,
    comparable,
    is_int,
    strip_optional,
)
from ..lang import syntax as S
from ..lang.errors import Pos, SpecError
from .coercion import Coercion, join
from .scope import Scope


class Operators(Coercion):
    """Unary and binary operators: their operand types, their result type, folded when constant."""

    def _e_Unary(self, e: S.Unary, sc: Scope, want: Type | None) -> M.TExpr:
        if e.op == "!":
            x = self.expect_type(e.operand, sc, BOOL)
            return M.Const(BOOL, not x.value) if isinstance(x, M.Const) else M.Unary(BOOL, "!", x)
        x = self.plain(self.expr(e.operand, sc), e.operand.pos)
        if not is_int(x.type):
            raise SpecError(f"'-' needs an int, got {x.type}", e.pos)
        return M.Const(INT, -x.value) if isinstance(x, M.Const) else M.Unary(INT, "-", x)

    def _e_Binary(self, e: S.Binary, sc: Scope, want: Type | None) -> M.TExpr:
        op = e.op
        if op in ("&&", "||", "->"):
            a = self.expect_type(e.left, sc, BOOL)
            b = self.expect_type(e.right, sc, BOOL)
            return _fold_logic(op, a, b)
        outside = self.outside_comparison(e, sc)  # type: ignore[attr-defined]
        if outside is not None:
            return outside
        literal = None if op == "in" else \
            self.left_literal(e.left, e.right, sc)  # type: ignore[attr-defined]
        if op in ("==", "!="):
            a = literal or self.expr(e.left, sc)
            b = self.expr(e.right, sc, a.type)
            if isinstance(a.type, (NoneType, EmptySetType)):
                a = self.expr(e.left, sc, b.type)
            a, b = self._coerce_pair(a, b, e.left.pos, e.right.pos)
            if not comparable(a.type, b.type):
                raise SpecError(f"cannot compare {a.type} with {b.type}", e.pos)
            return _fold(M.Binary(BOOL, op, a, b))
        if op == "in":
            s = self.plain(self.literal_for(e.left, e.right, sc)  # type: ignore[attr-defined]
                           if isinstance(e.right, S.SetLit) and e.right.items
                           else self.expr(e.right, sc), e.right.pos)
            if isinstance(s.type, EmptySetType):
                return M.Const(BOOL, False)
            if isinstance(s.type, BigSetType):
                return self.has(s, self.expect_type(e.left, sc, s.type.member),  # type: ignore
                                e.pos)
            if not isinstance(s.type, SetType):
                raise SpecError(f"'in' needs a set on the right, got {s.type}", e.right.pos)
            x = self.expect_type(e.left, sc, s.type.elem)
            return _fold(M.Binary(BOOL, "in", x, s))
        a = self.plain(literal or self.expr(e.left, sc), e.left.pos)
        b = self.plain(self.expr(e.right, sc, a.type), e.right.pos)
        if isinstance(a.type, BigSetType) and op in ("|", "&", "-"):
            return self.combine(op, a, self.coerce(b, a.type, e.right.pos))  # type: ignore
        if isinstance(a.type, (SetType, EmptySetType)) and op in ("|", "&", "-"):
            t = join(a.type, b.type)
            if not isinstance(t, (SetType, EmptySetType)):
                raise SpecError(f"'{op}' needs two sets of the same element type, got "
                                f"{a.type} and {b.type}", e.pos)
            return _fold(M.Binary(t, op, self.coerce(a, t, e.left.pos),
                                  self.coerce(b, t, e.right.pos)))
        if op in ("<", "<=", ">", ">=") and isinstance(a.type, BigSetType):
            return self.big_inclusion(op, a, self.coerce(b, a.type, e.right.pos))  # type: ignore
        if op in ("<", "<=", ">", ">=") and isinstance(a.type, (SetType, EmptySetType)):
            return self._inclusion(op, a, b, e.pos)
        if op in ("<", "<=", ">", ">="):
            a, b = self._coerce_pair(a, b, e.left.pos, e.right.pos)
            ordered = (is_int(a.type) and is_int(b.type)) or \
                (isinstance(a.type, TidType) and isinstance(b.type, TidType))
            if self.is_symmetric(a.type) or self.is_symmetric(b.type):
                sym = a.type if self.is_symmetric(a.type) else b.type
                self.singles_out(sym, e.pos, f"'{op}' orders ids: it")
            ordered = ordered and (is_int(a.type) or a.type == b.type)
            if not ordered:
                raise SpecError(f"'{op}' compares two ints or two thread ids, got {a.type} and "
                                f"{b.type}", e.pos)
            return _fold(M.Binary(BOOL, op, a, b))
        if op in ("+", "-", "*", "/", "%", "mod"):
            if not (is_int(a.type) and is_int(b.type)):
                raise SpecError(f"'{op}' needs ints, got {a.type} and {b.type}", e.pos,
                                _SET_OPERATORS.get(op) if isinstance(
                                    a.type, (SetType, BigSetType)) else None)
            if op in ("/", "%") and isinstance(b, M.Const) and b.value == 0:
                raise SpecError("division by zero", e.pos)
            if op == "mod" and isinstance(b, M.Const) and b.value <= 0:
                raise SpecError(f"'mod' needs a positive divisor, got {b.value}", e.pos)
            return _fold(M.Binary(INT, op, a, b))
        raise SpecError(f"'{op}' cannot be applied to {a.type} and {b.type}", e.pos)

    def _inclusion(self, op: str, a: M.TExpr, b: M.TExpr, pos: Pos) -> M.TExpr:
        """`a <= b` (a is a subset of b), `a < b` (a proper one), `>=` and `>` the other
        way round, written as the set difference and equality every back end and encoding
        already has: `a - b == {}`, and `a != b` for the strict ones. The operands are
        pure, so using one twice changes nothing."""
        t = join(a.type, b.type)
        if not isinstance(t, (SetType, EmptySetType)):
            raise SpecError(f"'{op}' compares two sets of the same element type, got "
                            f"{a.type} and {b.type}", pos)
        a, b = self.coerce(a, t, pos), self.coerce(b, t, pos)
        small, large = (b, a) if op in (">", ">=") else (a, b)
        inside = _fold(M.Binary(BOOL, "==", _fold(M.Binary(t, "-", small, large)),
                                M.Const(t, 0)))
        if op in ("<", ">"):
            return _fold_logic("&&", inside, _fold(M.Binary(BOOL, "!=", small, large)))
        return inside

    def _coerce_pair(self, a: M.TExpr, b: M.TExpr, pa: Pos, pb: Pos) -> tuple[M.TExpr, M.TExpr]:
        """Let an int literal stand for a tid when compared with one."""
        ta, tb = strip_optional(a.type), strip_optional(b.type)
        if isinstance(ta, TidType) and isinstance(b, M.Const) and is_int(b.type):
            b = self.coerce(b, ta, pb)
        if isinstance(tb, TidType) and isinstance(a, M.Const) and is_int(a.type):
            a = self.coerce(a, tb, pa)
        if isinstance(a.type, (NoneType, EmptySetType)) and isinstance(a, M.Const):
            a = M.Const(b.type, a.value)
        if isinstance(b.type, (NoneType, EmptySetType)) and isinstance(b, M.Const):
            b = M.Const(a.type, b.value)
        return a, b


# what a user who wrote arithmetic on sets most likely meant
_SET_OPERATORS = {"+": "a union of sets is 'S | T' (TLA+'s \\cup)",
                  "*": "an intersection of sets is 'S & T' (TLA+'s \\cap)"}


def _fold_logic(op: str, a: M.TExpr, b: M.TExpr) -> M.TExpr:
    if isinstance(a, M.Const):
        if op == "&&":
            return b if a.value else M.Const(BOOL, False)
        if op == "||":
            return M.Const(BOOL, True) if a.value else b
        return b if a.value else M.Const(BOOL, True)
    if isinstance(b, M.Const) and op != "->":
        if op == "&&":
            return a if b.value else M.Binary(BOOL, op, a, b)
        return a if not b.value else M.Binary(BOOL, op, a, b)
    return M.Binary(BOOL, op, a, b)


_ARITH = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
    "/": lambda x, y: _quotient(x, y), "%": lambda x, y: x - _quotient(x, y) * y,
    "mod": lambda x, y: x % y,
    "==": lambda x, y: x == y, "!=": lambda x, y: x != y, "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y, ">": lambda x, y: x > y, ">=": lambda x, y: x >= y,
}


_MASKS = {"|": lambda x, y: x | y, "&": lambda x, y: x & y, "-": lambda x, y: x & ~y}


def _quotient(x: int, y: int) -> int:
    """C's division, rounding towards zero, exact for ints of any size."""
    q = abs(x) // abs(y)
    return q if (x >= 0) == (y >= 0) else -q


def _fold(e: M.Binary) -> M.TExpr:
    """Compute operators on two constants at check time (C semantics for / and %)."""
    a, b = e.left, e.right
    if isinstance(e.type, (SetType, EmptySetType)):  # masks: `-` is not subtraction
        if isinstance(a, M.Const) and isinstance(b, M.Const) and e.op in _MASKS:
            return M.Const(e.type, _MASKS[e.op](a.value, b.value))
        return e
    if isinstance(a, M.Const) and isinstance(b, M.Const) and e.op in _ARITH:
        if e.op in ("/", "%") and b.value == 0 or e.op == "mod" and b.value <= 0:
            return e
        return M.Const(e.type, _ARITH[e.op](a.value, b.value))
    return e
