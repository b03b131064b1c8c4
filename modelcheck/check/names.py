"""What a name in an expression refers to.

A name may be a bound variable, a thread's parameter or local, a constant, an enum member,
a variant, a thread-local, a shared variable, a definition or a type, and which one it is
decides both its meaning and where it may be used (a variable is no constant, a
thread-local needs a thread). The lookup, its order and its "did you mean" live here, with
the other expressions that stand for something declared elsewhere: `self`, `variant`,
`x@t`, calls of built-ins and definitions, and the domains of quantifiers (a type's name or
a set).
"""

from __future__ import annotations

from ..ir import model as M
from ..ir.parameters import declared
from ..ir.typesys import (
    BOOL,
    INT,
    BigSetType,
    BoolType,
    EmptySetType,
    EnumType,
    IntType,
    OptionalType,
    RecordType,
    SetType,
    TidType,
    Type,
    all_values,
    is_int,
)
from ..lang import syntax as S
from ..lang import tla_syntax as T
from ..lang.errors import Pos, SpecError, suggest
from . import thread_params
from .recursion import Recursion
from .scope import CONST_SCOPE, Scope
from .sequences import FUNCTIONS as SEQUENCE_FUNCTIONS
from .tables import BUILTINS

# `subset T` ranges over every set of T's element type: 2^16 of them at most
SUBSET_LIMIT = 16


class Names(Recursion):
    """Names, `self`, `variant`, thread-locals of a thread, calls and domains."""

    def _e_Name(self, e: S.Name, sc: Scope, want: Type | None) -> M.TExpr:
        for frame in reversed(sc.bound):
            if e.id in frame:
                return frame[e.id]
        if sc.template is not None:
            for loc in declared(sc.template):
                if loc.name == e.id:
                    return thread_params.read(loc, M.LocalPlace)
        if e.id in self.names:
            kind, payload, _ = self.names[e.id]
            if kind == "const":
                return self.const(e.id)
            if kind == "member":
                return payload
            if kind == "variant":
                return M.Const(self.variant_type, payload)
            if kind == "tls":
                if not sc.in_step:
                    raise SpecError(f"'{e.id}' is thread-local; say whose copy: {e.id}@t", e.pos)
                return M.TlsPlace(payload[0], e.id, payload[1], None)
            if kind == "var":
                if not sc.state:
                    raise SpecError(f"'{e.id}' is a variable; a constant is needed here", e.pos)
                return M.GlobalPlace(payload[0], e.id, payload[1])
            if kind == "def":
                raise SpecError(f"'{e.id}' is a definition; call it as {e.id}(...)", e.pos)
        if e.id in self.type_decls or e.id in ("tid", "bool"):
            return self._every_value(e)
        candidates = list(self.names) + [n for b in sc.bound for n in b]
        if sc.template is not None:
            candidates += [x.name for x in declared(sc.template)]
        raise SpecError(f"unknown name '{e.id}'", e.pos, suggest(e.id, candidates))

    def _every_value(self, e: S.Name) -> M.TExpr:
        """A type's name as a value is the set of all its values (TLA+'s `SUBSET Node`,
        `x \\in Node`, `S = Node`): a constant, so every engine already has it. The whole
        set names no id apart from the others, so symmetry keeps it."""
        if e.id == "tid" and "tid" not in self.type_decls:
            raise SpecError("tid cannot be used before the thread pool is known", e.pos)
        elem = self.type(S.NamedTypeExpr(e.pos, e.id))
        if isinstance(elem, RecordType):
            return self.all_members(elem, e.id, e.pos)  # type: ignore[attr-defined]
        if not isinstance(elem, (BoolType, IntType, EnumType, TidType)) \
                or len(elem.values()) > 64:
            raise SpecError(f"'{e.id}' is a type, not a value; as a set it would need "
                            "at most 64 bools, ints, enum members or ids", e.pos)
        return M.Const(SetType(elem), (1 << len(elem.values())) - 1)

    def _is_value(self, name: str, sc: Scope) -> bool:
        return any(name in b for b in sc.bound) or name in self.names or (
            sc.template is not None and any(x.name == name for x in
                                            declared(sc.template)))

    def domain(self, e: S.Expr, sc: Scope) -> M.Domain:
        if isinstance(e, S.BoolDomain):
            return M.Domain(BOOL)
        if isinstance(e, S.RangeDomain):
            bounds = self.range_bounds(e, sc)
            if bounds is None:
                lo, hi = self.const_int(e.lo), self.const_int(e.hi)
            else:
                lo, hi = _extent(bounds[0], e.lo.pos)[0], _extent(bounds[1], e.hi.pos)[1]
            return _small(M.Domain(IntType(lo, hi) if lo <= hi else IntType(lo, lo - 1)), e.pos)
        if isinstance(e, T.SubsetDomain):  # every set of the type; `subset_guard` keeps T's
            of = self._subsets_of(e, sc)
            return M.Domain(of.type)
        if isinstance(e, S.Name) and e.id in self.type_decls and not self._is_value(e.id, sc):
            whole = self.type(S.NamedTypeExpr(e.pos, e.id))
            if isinstance(whole, RecordType):  # a tuple type: the set of all its values
                return self.big_domain(self.all_members(whole, e.id, e.pos),  # type: ignore
                                       e.pos)
            t = self.type(S.NamedTypeExpr(e.pos, e.id), "a domain")
            return _small(M.Domain(t), e.pos)
        te = self.plain(self.expr(e, sc), e.pos)
        if isinstance(te.type, BigSetType):
            return self.big_domain(te, e.pos)  # type: ignore[attr-defined]
        if isinstance(te.type, SetType):
            return M.Domain(te.type.elem, te)
        raise SpecError(f"cannot range over {te.type}; use a set, a range 'a..b' or a type",
                        e.pos)

    def _subsets_of(self, e: T.SubsetDomain, sc: Scope) -> M.TExpr:
        of = self.plain(self.expr(e.of, sc), e.of.pos)
        if not isinstance(of.type, SetType):
            raise SpecError(f"'subset' needs a set, got {of.type}", e.of.pos)
        if len(of.type.elem.values()) > SUBSET_LIMIT:
            raise SpecError(f"the subsets of a set of {of.type.elem} are too many to range "
                            f"over (at most {SUBSET_LIMIT} elements)", e.of.pos)
        return of

    def constant_values(self, d: S.Expr) -> list[M.Const]:
        """The values of a domain known before the search, in the domain's order: what
        `start t(k) for k in D;` and `[e for x in D]` repeat over."""
        if isinstance(d, T.SubsetDomain):
            raise SpecError("'subset' is not allowed here; use a type, a range or a set", d.pos)
        dom = self.domain(d, CONST_SCOPE)
        values = dom.type.values()
        big = self.big_domains.get(id(dom))  # type: ignore[attr-defined]
        if big is not None:  # a set of tuples, records or sets: its members
            if not isinstance(big[0], M.Const):
                raise SpecError("a set known before the search is needed here", d.pos)
            member = big[0].type.member
            return [M.Const(member, m) for m, has in zip(all_values(member), big[0].value)
                    if has]
        if dom.set_expr is not None:
            if not isinstance(dom.set_expr, M.Const):
                raise SpecError("a set known before the search is needed here", d.pos)
            values = [v for i, v in enumerate(values) if dom.set_expr.value >> i & 1]
        return [M.Const(dom.type, v) for v in values]

    def range_bounds(self, d: S.Expr, sc: Scope) -> tuple[M.TExpr, M.TExpr] | None:
        """The two bounds of a range `lo..hi` that is not constant (TLA+'s `\\E j \\in
        0..tpos`), checked; None for any other domain. Such a range ranges over every value
        its bounds' types allow, and `range_guard` keeps those between the bounds."""
        if not isinstance(d, S.RangeDomain):
            return None
        lo, hi = (self.plain(self.expr(x, sc), x.pos) for x in (d.lo, d.hi))
        for x, pos in ((lo, d.lo.pos), (hi, d.hi.pos)):
            if not is_int(x.type):
                raise SpecError(f"a range's bounds are ints, got {x.type}", pos)
        if isinstance(lo, M.Const) and isinstance(hi, M.Const):
            return None
        return lo, hi

    def domain_guard(self, d: S.Expr, var: M.Bound, sc: Scope) -> M.TExpr | None:
        """What a value of the domain's type must also satisfy to be in the domain: a
        subset of T for `subset T`, between the bounds for a range that is not constant.
        None when every value of the type is in it."""
        bounds = self.range_bounds(d, sc)
        if bounds is not None:
            return range_guard(var, *bounds)
        return self.subset_guard(d, var, sc)

    def subset_guard(self, d: S.Expr, var: M.Bound, sc: Scope) -> M.TExpr | None:
        """For a `subset T` domain, `var & T == var`: the values of the set type that are
        subsets of T. None for any other domain."""
        if not isinstance(d, T.SubsetDomain):
            return None
        of = self._subsets_of(d, sc)
        return M.Binary(BOOL, "==", M.Binary(of.type, "&", var, of), var)

    def _e_TlsOf(self, e: S.TlsOf, sc: Scope, want: Type | None) -> M.TExpr:
        if self.names.get(e.name, ("",))[0] != "tls":
            raise SpecError(f"'{e.name}' is not a thread-local variable", e.pos,
                            suggest(e.name, [n for n, k in self.names.items() if k[0] == "tls"]))
        if not sc.state:
            raise SpecError(f"'{e.name}@...' reads the state; a constant is needed here", e.pos)
        t, slot = self.names[e.name][1]
        return M.TlsPlace(t, e.name, slot, self.expect_type(e.thread, sc, self.tid))

    def _id_number(self, e: S.Call, sc: Scope) -> M.TExpr:
        """`int(t)`: a thread id as the number it is (0 .. pool-1); `tid(k)`: the thread id
        k, an evaluation error outside the pool. Ring neighbours are then
        `tid((int(self) + 1) mod N)`. Both tell ids apart, so symmetry refuses them."""
        if len(e.args) != 1:
            raise SpecError(f"{e.func}() takes 1 argument, {len(e.args)} given", e.pos)
        if e.func == "int":
            self.singles_out(self.tid, e.pos, "int() numbers a thread id: it")
            arg = self.expect_type(e.args[0], sc, self.tid)
            return M.Unary(IntType(0, self.pool - 1), "int", arg)
        self.singles_out(self.tid, e.pos, "tid() names a thread id by number: it")
        arg = self.plain(self.expr(e.args[0], sc), e.args[0].pos)
        if not is_int(arg.type):
            raise SpecError(f"tid() needs an int, got {arg.type}", e.args[0].pos)
        return M.Unary(self.tid, "tid", arg)

    def _e_SelfRef(self, e: S.SelfRef, sc: Scope, want: Type | None) -> M.TExpr:
        if not sc.in_step:
            raise SpecError("'self' is only available inside a thread", e.pos)
        return M.SelfTid(self.tid)

    def _e_VariantRef(self, e: S.VariantRef, sc: Scope, want: Type | None) -> M.TExpr:
        return M.Const(self.variant_type, self.variant_names.index(self.variant))

    def _e_Call(self, e: S.Call, sc: Scope, want: Type | None) -> M.TExpr:
        if e.func in BUILTINS:
            if len(e.args) != BUILTINS[e.func]:
                raise SpecError(f"{e.func}() takes {BUILTINS[e.func]} argument(s), "
                                f"{len(e.args)} given", e.pos)
            if e.func == "size":  # of a constant set, a constant
                arg = self.plain(self.expr(e.args[0], sc), e.args[0].pos)
                if isinstance(arg.type, BigSetType):
                    return self.count_members(arg)  # type: ignore[attr-defined]
                if not isinstance(arg.type, (SetType, EmptySetType)):
                    raise SpecError(f"size() needs a set, got {arg.type}", e.args[0].pos)
                if isinstance(arg, M.Const):
                    return M.Const(INT, bin(arg.value).count("1"))
                return M.Builtin(INT, "size", (arg,))
            if not sc.state:
                raise SpecError(f"{e.func}() reads the state; a constant is needed here", e.pos)
            args = tuple(self.expect_type(a, sc, self.tid) for a in e.args)
            result: Type = {"parent": OptionalType(self.tid), "free_threads": INT}.get(e.func, BOOL)
            return M.Builtin(result, e.func, args)
        if e.func in ("int", "tid") and e.func not in self.def_decls:
            return self._id_number(e, sc)
        if e.func in SEQUENCE_FUNCTIONS and e.func not in self.def_decls:
            return self.seq_call(e, sc, want)  # type: ignore[attr-defined]
        if e.func in ("min", "max") and e.func not in self.def_decls:
            return self.expr(_least_or_greatest(e), sc, want)
        if e.func not in self.def_decls:
            if e.func in self.names:
                raise SpecError(f"'{e.func}' is not a definition and cannot be called", e.pos)
            raise SpecError(f"unknown function '{e.func}'", e.pos,
                            suggest(e.func, [*self.def_decls, *BUILTINS]))
        if self.calls_itself(e.func):  # a recursive definition calling itself
            return self.recursive_call(e, sc)
        d = self.def_decls[e.func]
        if len(e.args) != len(d.params):
            raise SpecError(f"{e.func}() takes {len(d.params)} argument(s), {len(e.args)} given",
                            e.pos)
        defn = self.defn(e.func)
        args = tuple(self.expect_type(a, sc, p.type) for a, p in zip(e.args, defn.params))
        if not sc.state:
            raise SpecError(f"{e.func}() may read the state; a constant is needed here", e.pos)
        return self.measured(defn, args, e.pos)


def _least_or_greatest(e: S.Call) -> S.Expr:
    """`min(a, b, ...)` and `max(...)` as conditionals (`if a <= b then a else b`), so every
    back end and the reports already know them; the operands are pure, so reading one twice
    changes nothing."""
    if len(e.args) < 2:
        raise SpecError(f"{e.func}() takes two or more ints, {len(e.args)} given", e.pos)
    op = "<=" if e.func == "min" else ">="
    out = e.args[0]
    for arg in e.args[1:]:
        out = S.Cond(e.pos, S.Binary(e.pos, op, out, arg), out, arg)
    return out


def range_guard(var: M.TExpr, lo: M.TExpr, hi: M.TExpr) -> M.TExpr:
    """`lo <= var && var <= hi`: false for every value when lo > hi, an empty range."""
    return M.Binary(BOOL, "&&", M.Binary(BOOL, "<=", lo, var), M.Binary(BOOL, "<=", var, hi))


def _extent(e: M.TExpr, pos: Pos) -> tuple[int, int]:
    """The least and greatest value a range's bound can take, from its type or, for sums
    and differences of such, from its operands' (`len - 1`), so the range's values can be
    listed before the search."""
    if isinstance(e, M.Const):
        return e.value, e.value
    if isinstance(e.type, IntType) and e.type.lo is not None:
        return e.type.lo, e.type.hi  # type: ignore[return-value]
    if isinstance(e, M.Binary) and e.op in ("+", "-"):
        (a, b), (c, d) = _extent(e.left, pos), _extent(e.right, pos)
        return (a + c, b + d) if e.op == "+" else (a - d, b - c)
    if isinstance(e, M.Unary) and e.op == "-":
        a, b = _extent(e.operand, pos)
        return -b, -a
    raise SpecError("this bound has no known least and greatest value; give it a "
                    "bounded type (a variable, a local or a def of type lo..hi)", pos)


DOMAIN_LIMIT = 1 << 16  # values a quantifier or `choose` may range over


def _small(d: M.Domain, pos: Pos) -> M.Domain:
    """Each back end lists a domain's values in its code and visits all of them in every
    state: a billion would never compile, let alone search, so say so where it is written."""
    if isinstance(d.type, IntType) and d.type.hi - d.type.lo + 1 > DOMAIN_LIMIT:
        raise SpecError(f"ranging over {d.type.hi - d.type.lo + 1:,} values; at most "
                        f"{DOMAIN_LIMIT:,} (every state evaluates each of them)", pos)
    return d
