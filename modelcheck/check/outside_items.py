"""Comparisons with a set literal one of whose items may fall outside the set's type.

A set is a mask (or an array of bools) over its member type, so a literal such as `{y + 1}`
compared with `{1}` or with a `set of 0..3` takes the other side's member type, and an item
that falls outside it has no bit: building the literal is an evaluation error. TLA+ gives
such comparisons their mathematical answer, and so does this module, with no case in any
back end or encoding: the literal L is written as L' (the items that fit, each kept only
where it fits) and `all_in` (every item fits), and then

    L == O   is  all_in && L' == O          L <= O  is  all_in && L' <= O
    L != O   is  !all_in || L' != O         L >= O  is  L' >= O
    L < O    is  all_in && L' < O           L > O   is  L' >= O && (!all_in || L' != O)
    x in L   is  x in L'   (x's type is within the literal's, so x is no outside item)

since every member of O lies within the type. Storing such a literal stays an error: only
comparisons say something about a value the type cannot hold.
"""

from __future__ import annotations

import functools

from ..ir import model as M
from ..ir.typesys import BOOL, INT, BigSetType, SetType, Type, all_values, strip_optional
from ..lang import syntax as S
from ..lang.errors import SpecError
from .big_sets import fits
from .literal_sets import LiteralSets
from .operators import _fold_logic
from .scope import Scope
from .spelling import COMPARE, SET_OP, spelled

# the operator seen from the other side: `O op L` is `L mirrored[op] O`
_MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class OutsideItems(LiteralSets):
    """`==`, `!=`, `<`, `<=`, `>`, `>=` and `in` with a literal whose items may not fit."""

    def outside_comparison(self, e: S.Binary, sc: Scope) -> M.TExpr | None:
        """e with its mathematical meaning where a literal's item may fall outside the set
        type it is compared in; None where no item can (the usual checking then applies)."""
        if e.op == "in":
            return self._outside_member(e, sc)
        if e.op not in _MIRRORED:
            return None
        sides = [(e.left, e.right, e.op), (e.right, e.left, _MIRRORED[e.op])]
        literals = [(lit, other, op) for lit, other, op in sides
                    if isinstance(lit, S.SetLit) and lit.items]
        if len(literals) == 2:  # two literals: the one whose items say no range
            literals = [x for x in literals if self._items_type(x[0], sc) is None]
        if len(literals) != 1:
            return None
        lit, other, op = literals[0]
        t = self._other_type(other, sc)
        kept = None if t is None else self._kept(lit, t, sc)
        if kept is None:
            return None
        inner, all_in, written = kept
        o = self.coerce(self.plain(self.expr(other, sc, t), other.pos),  # type: ignore
                        t, other.pos)
        result = self._compared(op, inner, o, all_in, e)
        left, right = (written, o) if lit is e.left else (o, written)
        return spelled(result, "{} " + e.op + " {}", COMPARE, (left, SET_OP), (right, SET_OP))

    def _outside_member(self, e: S.Binary, sc: Scope) -> M.TExpr | None:
        if not (isinstance(e.right, S.SetLit) and e.right.items):
            return None
        try:
            t = self.plain(self.literal_for(e.left, e.right, sc), e.right.pos).type
        except SpecError:
            return None
        kept = self._kept(e.right, t, sc) if isinstance(t, (SetType, BigSetType)) else None
        if kept is None:
            return None
        inner, _, written = kept
        x = self.expect_type(e.left, sc, _member(t))  # type: ignore[attr-defined]
        found = self.has(inner, x, e.pos) if isinstance(t, BigSetType) else \
            M.Binary(BOOL, "in", x, inner)
        return spelled(found, "{} in {}", COMPARE, (x, SET_OP), (written, SET_OP))

    def _other_type(self, other: S.Expr, sc: Scope) -> Type | None:
        """The set type the other operand gives the comparison, if it gives one."""
        try:
            if isinstance(other, S.SetLit):
                member = self._items_type(other, sc) if other.items else None
                return None if member is None else self.set_type(member, other.pos)
            t = self.plain(self.expr(other, sc), other.pos).type  # type: ignore[attr-defined]
        except SpecError:
            return None
        return t if isinstance(t, (SetType, BigSetType)) else None

    def _kept(self, lit: S.SetLit, t: Type,
              sc: Scope) -> tuple[M.TExpr, M.TExpr, M.TExpr] | None:
        """(L', all_in, L as written: for the reports, never evaluated) for the literal in
        the set type t; None where every item fits."""
        member = _member(t)
        items: list[M.TExpr] = []
        insides: list[M.TExpr | None] = []
        for item in lit.items:
            te = self.plain(self.expr(item, sc, member), item.pos)  # type: ignore
            inside = _inside(te, member)
            try:
                te = self.coerce(te, member, item.pos)
            except SpecError:
                if inside is None:
                    raise
            items.append(te)
            insides.append(inside)
        if all(i is None for i in insides):
            return None
        tests = [i for i in insides if i is not None]
        all_in = functools.reduce(lambda a, b: _fold_logic("&&", a, b), tests)
        return self._kept_literal(items, insides, t), all_in, M.SetOf(t, tuple(items))

    def _kept_literal(self, items: list[M.TExpr], insides: list[M.TExpr | None],
                      t: Type) -> M.TExpr:
        """The literal of the items that fit, each where it fits."""
        if isinstance(t, BigSetType):
            numbers = [self.number(x, t.member) if i is None else  # type: ignore
                       M.Ite(INT, i, self.number(x, t.member), M.Const(INT, -1))
                       for x, i in zip(items, insides) if not _never(i)]
            kept = [x for x, i in zip(items, insides) if not _never(i)]
            return self.big_literal(kept, t, numbers) if kept else \
                self.empty(t)  # type: ignore[attr-defined]
        always = tuple(x for x, i in zip(items, insides) if i is None)
        out: M.TExpr = M.SetOf(t, always) if always else M.Const(t, 0)
        for x, i in zip(items, insides):
            if i is not None and not _never(i):
                one = M.Ite(t, i, M.SetOf(t, (x,)), M.Const(t, 0))
                out = M.Binary(t, "|", out, one)
        return out

    def _compared(self, op: str, inner: M.TExpr, o: M.TExpr, all_in: M.TExpr,
                  e: S.Binary) -> M.TExpr:
        """`L op O` from L' (inner) and all_in, as the module's table says."""
        def cmp(op: str) -> M.TExpr:
            if op in ("==", "!="):
                return M.Binary(BOOL, op, inner, o)
            if isinstance(inner.type, BigSetType):
                return self.big_inclusion(op, inner, o)  # type: ignore[attr-defined]
            return self._inclusion(op, inner, o, e.pos)  # type: ignore[attr-defined]
        not_all = _fold_not(all_in)
        if op == "!=":
            return _fold_logic("||", not_all, cmp("!="))
        if op == ">=":
            return cmp(">=")
        if op == ">":
            return _fold_logic("&&", cmp(">="), _fold_logic("||", not_all, cmp("!=")))
        return _fold_logic("&&", all_in, cmp(op))


def _member(t: Type) -> Type:
    return t.member if isinstance(t, BigSetType) else t.elem  # type: ignore[attr-defined]


def _inside(x: M.TExpr, member: Type) -> M.TExpr | None:
    """Whether x lies within the member type (None: always)."""
    if isinstance(x, M.Const):
        return None if x.value in all_values(strip_optional(member)) else M.Const(BOOL, False)
    return fits(x, member)


def _never(inside: M.TExpr | None) -> bool:
    return isinstance(inside, M.Const) and not inside.value


def _fold_not(a: M.TExpr) -> M.TExpr:
    return M.Const(BOOL, not a.value) if isinstance(a, M.Const) else M.Unary(BOOL, "!", a)
