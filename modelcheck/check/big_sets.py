"""Sets one 64-bit mask cannot hold: sets of records or tuples (message sets of consensus
protocols), sets of sets (Paxos' quorums) and sets of more than 64 values, spelled over one
bool per possible member.

`typesys.BigSetType` numbers the values of the member type (a record's fields in mixed
radix, its last field counting fastest; a set by its mask) and keeps a bool for each.
Every operation becomes an expression over those bools, so the Python and C back ends and
the fixed-pool z3 encoding need no case of their own: `x in S` reads the bool at x's
number, `|`, `&`, `-` combine the bools one by one, `<=` implies them, `size` adds them, a
literal sets the members' bools, and a binder (`forall`, `exists`, `count`, `sum`,
`filter`, `pick`, `choose`) ranges over the numbers of the members, its variable standing
for the value that number decodes to (a `for` runs once per possible member, with the
member itself). Each costs one term per possible member, so a set holds at most `LIMIT`
values: every state keeps a bool for each.
"""

from __future__ import annotations

import functools

from ..ir import model as M
from ..ir.typesys import (
    BOOL,
    INT,
    BigSetType,
    BoolType,
    EnumType,
    IntType,
    MemberNumber,
    NoneType,
    OptionalType,
    RecordType,
    SetType,
    TidType,
    Type,
    all_values,
)
from ..lang import syntax as S
from ..lang.errors import Pos, SpecError
from .coercion import Coercion
from .scope import Scope
from .spelling import ATOM, BINDER, COMPARE, SET_OP, listed, spelled

LIMIT = 1024  # possible members of a set of records or large set


def cardinality(t: Type) -> int | None:
    """How many values t has, or None where it is no finite type of scalars and records."""
    if isinstance(t, RecordType):
        n = 1
        for _, f in t.fields:
            c = cardinality(f)
            if c is None:
                return None
            n *= c
        return n
    if isinstance(t, (BoolType, EnumType, TidType)) or \
            (isinstance(t, IntType) and t.lo is not None):
        return len(t.values())
    if isinstance(t, SetType):
        return 1 << len(t.elem.values())
    if isinstance(t, OptionalType):
        inner = cardinality(t.inner)
        return None if inner is None else inner + 1
    return None


class BigSets(Coercion):
    """The type, literals, operators and binders of sets of records or of many values."""

    def set_type(self, elem: Type, pos: Pos) -> Type:
        n = cardinality(elem)
        if n is None:
            raise SpecError(f"a set holds bools, ints, enum members, tids, sets, tuples or "
                            f"records of them, not {elem}", pos)
        if n <= 64 and isinstance(elem, (BoolType, EnumType, IntType, TidType)):
            return SetType(elem)
        if n > LIMIT:
            raise SpecError(f"a set of {elem} may hold {n:,} values; at most {LIMIT:,}", pos)
        if self._permuted(elem):  # type: ignore[attr-defined]
            raise SpecError(f"a set of {elem} under symmetry: its members are numbered, and "
                            "renaming ids would not renumber them", pos)
        return BigSetType(IntType(0, n - 1), BOOL, elem)

    # ------------------------------------------------------------ numbering
    def number(self, x: M.TExpr, t: Type) -> M.TExpr:
        """The number of the value x of type t among t's values (0-based)."""
        if isinstance(x, M.Const):
            values = all_values(t)
            return M.Const(INT, values.index(x.value) if x.value in values else 0)
        if isinstance(t, OptionalType):  # none first, then the value's number plus one
            inner = M.Binary(INT, "+", M.Const(INT, 1), self.number(M.Unwrap(t.inner, x), t.inner))
            return M.Ite(INT, M.Binary(BOOL, "==", x, M.Const(t, None)), M.Const(INT, 0), inner)
        if isinstance(t, SetType):  # its mask, from the members it has
            return _total([M.Ite(INT, M.Binary(BOOL, "in", M.Const(t.elem, v), x),
                                 M.Const(INT, 1 << i), M.Const(INT, 0))
                           for i, v in enumerate(t.elem.values())])
        if isinstance(t, RecordType):
            out: M.TExpr = M.Const(INT, 0)
            for name, f in t.fields:
                off = t.field(name)[0]  # type: ignore[index]
                part = self.number(M.FieldPlace(f, x, name, off), f)
                out = M.Binary(INT, "+", M.Binary(INT, "*", out,
                                                  M.Const(INT, cardinality(f))), part)
            return out
        if isinstance(t, BoolType):
            return M.Ite(INT, x, M.Const(INT, 1), M.Const(INT, 0))
        if isinstance(t, IntType):
            return M.Binary(INT, "-", x, M.Const(INT, t.lo))
        return M.Unary(INT, "int", x)  # an enum member or a thread id is its number

    def numbered(self, k: M.TExpr, t: Type) -> M.TExpr:
        """The value of type t whose number is k (k within 0 .. |t| - 1)."""
        if isinstance(k, M.Const):
            return M.Const(t, all_values(t)[k.value])
        if isinstance(t, OptionalType):
            value = self.numbered(M.Binary(INT, "-", k, M.Const(INT, 1)), t.inner)
            return M.Ite(t, M.Binary(BOOL, "==", k, M.Const(INT, 0)), M.Const(t, None), value)
        if isinstance(t, SetType):  # the mask k, a member for each of its bits
            out: M.TExpr = M.Const(t, 0)
            for i in range(len(t.elem.values())):
                odd = M.Binary(BOOL, "==", M.Binary(INT, "%", M.Binary(
                    INT, "/", k, M.Const(INT, 1 << i)), M.Const(INT, 2)), M.Const(INT, 1))
                out = M.Binary(t, "|", out, M.Ite(t, odd, M.Const(t, 1 << i), M.Const(t, 0)))
            return out
        if isinstance(t, RecordType):
            parts, weight = [], 1
            for _, f in reversed(t.fields):
                n = cardinality(f) or 1
                digit = M.Binary(INT, "%", M.Binary(INT, "/", k, M.Const(INT, weight)),
                                 M.Const(INT, n))
                parts.append(self.numbered(digit, f))
                weight *= n
            return M.Compound(t, tuple(reversed(parts)))
        if isinstance(t, BoolType):
            return M.Binary(BOOL, "==", k, M.Const(INT, 1))
        if isinstance(t, IntType):
            return M.Binary(t, "+", k, M.Const(INT, t.lo))
        return M.Unary(t, "int", k)  # the number is how the member or id is stored

    # ------------------------------------------------------------ operations
    def has(self, s: M.TExpr, x: M.TExpr, pos: Pos) -> M.TExpr:
        """x's bool in s; false where x lies outside the member type (an int of a wider
        range in a tuple), whose number would be another member's."""
        t: BigSetType = s.type  # type: ignore[assignment]
        inside = fits(x, t.member)
        read = M.IndexPlace(BOOL, s, self.number(x, t.member), pos=pos)
        return spelled(read if inside is None else _both(inside, read), "{} in {}", COMPARE,
                       (x, SET_OP), (s, SET_OP))

    def checked_number(self, x: M.TExpr, t: Type, pos: Pos) -> M.TExpr:
        """x's number, an evaluation error where x lies outside t (where a set literal or
        an array indexed by tuples would otherwise reach another member's place)."""
        inside, n = fits(x, t), self.number(x, t)
        if inside is None:
            return n
        none = M.Const(NoneType(), None)
        return M.Unwrap(INT, M.Ite(OptionalType(INT), inside, n, none),
                        f"a value outside {t}", pos=pos)

    def combine(self, op: str, a: M.TExpr, b: M.TExpr) -> M.TExpr:
        t: BigSetType = a.type  # type: ignore[assignment]
        n = len(t.key.values())
        items = []
        for k in range(n):
            x, y = _bit(a, k), _bit(b, k)
            items.append(_either(x, y) if op == "|" else _both(x, y) if op == "&" else
                         _both(x, _negated(y)))
        return spelled(_set(t, items), f"{{}} {op} {{}}", SET_OP, (a, SET_OP), (b, SET_OP + 1))

    def big_inclusion(self, op: str, a: M.TExpr, b: M.TExpr) -> M.TExpr:
        """`a <= b`: every member of a is in b (`<` and b not a; `>=`, `>` the other way)."""
        small, large = (b, a) if op in (">", ">=") else (a, b)
        inside: M.TExpr = M.Const(BOOL, True)
        for k in range(len(a.type.key.values())):  # type: ignore[attr-defined]
            inside = _both(inside, _either(_negated(_bit(small, k)), _bit(large, k)))
        if op in ("<", ">"):
            inside = _both(inside, M.Binary(BOOL, "!=", small, large))
        return spelled(inside, f"{{}} {op} {{}}", COMPARE, (a, SET_OP), (b, SET_OP))

    def subset_filter(self, of: M.TExpr, var: str, body: S.Expr, sc: Scope) -> M.TExpr:
        """`filter(Q in subset T : P)`: the set of the subsets of T for which P holds, one
        bool per set of T's type, each P checked with Q that set (a constant)."""
        t: SetType = of.type  # type: ignore[assignment]
        whole: BigSetType = self.set_type(t, body.pos)  # type: ignore[assignment]
        bits = []
        for k in range(len(whole.key.values())):
            q = M.Const(t, k)
            inside = M.Const(BOOL, of.value & k == k) if isinstance(of, M.Const) else \
                M.Binary(BOOL, "==", M.Binary(t, "&", q, of), q)
            bits.append(_both(inside, self.expect_type(body, sc.push(var, q), BOOL)))
        return _set(whole, bits)  # constant where T is: no spelling needed

    def count_members(self, s: M.TExpr) -> M.TExpr:
        """One term per member that may be in s, added as a balanced tree: C compilers
        take time that grows fast with how deeply an expression nests."""
        terms: list[M.TExpr] = []
        for k in range(len(s.type.key.values())):  # type: ignore[attr-defined]
            bit = _bit(s, k)
            if not (isinstance(bit, M.Const) and not bit.value):
                terms.append(M.Ite(IntType(0, 1), bit, M.Const(INT, 1), M.Const(INT, 0)))
        return spelled(_total(terms), "size({})", ATOM, (s, BINDER))

    def big_literal(self, items: list[M.TExpr], t: BigSetType,
                    numbers: list[M.TExpr] | None = None) -> M.TExpr:
        """The literal's set; `numbers`, when given, are its items' member numbers (where
        an item may fall outside t and must then match no member, not fail)."""
        members = t.members()
        if numbers is None and all(isinstance(i, M.Const) for i in items):
            chosen = {members.index(i.value) for i in items}  # type: ignore[attr-defined]
            return M.Const(t, tuple(k in chosen for k in range(len(members))))
        given = [(i, BINDER) for i in items]
        numbers = numbers or [self.checked_number(i, t.member, i.pos) for i in items]
        bits = []
        for k in range(len(members)):
            hit: M.TExpr = M.Const(BOOL, False)
            for n in numbers:
                hit = _either(hit, M.Binary(BOOL, "==", n, M.Const(INT, k)))
            bits.append(hit)
        return spelled(_set(t, bits), listed(given, "{", "}"), ATOM, *given)

    def member_bit(self, s: M.TExpr, k: int) -> M.TExpr:
        return _bit(s, k)

    def empty(self, t: BigSetType) -> M.Const:
        return M.Const(t, (False,) * len(t.key.values()))

    # ------------------------------------------------------------ binders
    def member_binding(self, dom: M.Domain, var: M.Bound) -> M.TExpr:
        """What a binder's variable stands for: itself, or the member its number decodes."""
        t = self.big_domains.get(id(dom))
        if t is None:
            return var
        return spelled(self.numbered(var, t[0].type.member), var.name, ATOM)  # type: ignore

    def member_guard(self, dom: M.Domain, var: M.Bound) -> M.TExpr | None:
        t = self.big_domains.get(id(dom))
        if t is None:
            return None
        return spelled(M.IndexPlace(BOOL, t[0], var, pos=t[1]), f"{var.name} in {{}}", COMPARE,
                       (t[0], SET_OP))

    def big_domain(self, s: M.TExpr, pos: Pos) -> M.Domain:
        n = len(s.type.key.values())  # type: ignore[attr-defined]
        dom = M.Domain(MemberNumber(0, n - 1, s.type))  # type: ignore[arg-type]
        self.big_domains[id(dom)] = (s, pos, dom)  # dom kept alive: its id stays its own
        return dom

    def big_filter(self, dom: M.Domain, var: M.Bound, body: M.TExpr) -> M.TExpr:
        """`filter(x in S : P)`: the members of S for which P holds, one bool each."""
        s: M.TExpr = self.big_domains[id(dom)][0]
        items = [_both(_bit(s, k), _substitute(body, var, k))
                 for k in range(len(s.type.key.values()))]  # type: ignore[attr-defined]
        return spelled(_set(s.type, items), f"filter({var.name} in {{}} : {{}})", ATOM,
                       (s, BINDER), (body, BINDER))

    def big_binder(self, q: M.TExpr, kind: str, var: M.Bound, dom: M.Domain,
                   body: M.TExpr) -> M.TExpr:
        """A binder over a large set, `kind x in S : body` as written, where the checked
        one ranges over member numbers with the membership test in its body."""
        if id(dom) not in self.big_domains:
            return q
        s, name = self.big_domains[id(dom)][0], var.name
        if kind in ("forall", "exists"):
            return spelled(q, f"{kind} {name} in {{}} : {{}}", BINDER, (s, BINDER),
                           (body, BINDER))
        return spelled(q, f"{kind}({name} in {{}} : {{}})", ATOM, (s, BINDER), (body, BINDER))


def fits(x: M.TExpr, t: Type) -> M.TExpr | None:
    """Whether the value x lies within type t, where its own type may be wider (ints of
    another range, in a tuple or record); None where it always does."""
    if isinstance(t, RecordType) and isinstance(x.type, RecordType):
        tests = []
        for k, ((name, ft), (_, xt)) in enumerate(zip(t.fields, x.type.fields)):
            item = x.items[k] if isinstance(x, M.Compound) else \
                M.FieldPlace(xt, x, name, x.type.field(name)[0])  # type: ignore[index]
            test = fits(item, ft)
            if test is not None:
                tests.append(test)
        return None if not tests else functools.reduce(_both, tests)
    if not (isinstance(t, IntType) and isinstance(x.type, IntType)) or t.lo is None:
        return None
    if isinstance(x, M.Const):
        return None if t.lo <= x.value <= t.hi else M.Const(BOOL, False)  # type: ignore
    if x.type.lo is not None and t.lo <= x.type.lo and x.type.hi <= t.hi:  # type: ignore
        return None
    return M.Binary(BOOL, "&&", M.Binary(BOOL, "<=", M.Const(INT, t.lo), x),
                    M.Binary(BOOL, "<=", x, M.Const(INT, t.hi)))


def _bit(s: M.TExpr, k: int) -> M.TExpr:
    """Whether member k is in s; read off a literal or a combination directly, so that
    nested operations stay one term per member."""
    if isinstance(s, M.Const):
        return M.Const(BOOL, s.value[k])
    if isinstance(s, M.Compound):
        return s.items[k]
    return M.IndexPlace(BOOL, s, M.Const(INT, k))


def _both(x: M.TExpr, y: M.TExpr) -> M.TExpr:
    for a, b in ((x, y), (y, x)):
        if isinstance(a, M.Const):
            return b if a.value else a
    return M.Binary(BOOL, "&&", x, y)


def _either(x: M.TExpr, y: M.TExpr) -> M.TExpr:
    for a, b in ((x, y), (y, x)):
        if isinstance(a, M.Const):
            return a if a.value else b
    return M.Binary(BOOL, "||", x, y)


def _negated(x: M.TExpr) -> M.TExpr:
    return M.Const(BOOL, not x.value) if isinstance(x, M.Const) else M.Unary(BOOL, "!", x)


def _set(t: Type, bits: list[M.TExpr]) -> M.TExpr:
    if all(isinstance(b, M.Const) for b in bits):
        return M.Const(t, tuple(bool(b.value) for b in bits))  # type: ignore[attr-defined]
    return M.Compound(t, tuple(bits))


def _total(terms: list[M.TExpr]) -> M.TExpr:
    if not terms:
        return M.Const(INT, 0)
    if len(terms) == 1:
        return terms[0]
    half = len(terms) // 2
    return M.Binary(INT, "+", _total(terms[:half]), _total(terms[half:]))


def _substitute(body: M.TExpr, var: M.Bound, k: int) -> M.TExpr:
    """body with the number k for var, as a `let`: a quantifier over one value."""
    one = M.Domain(IntType(k, k))
    return M.Quant(BOOL, "exists", var, one, body)

