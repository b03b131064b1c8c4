"""`for x in D { ... }` inside a step, unrolled when the step is checked.

A step is one atomic action, so a bounded loop in it is only a shorthand for writing
the body once per value: broadcasting to every process, clearing a table. Unrolled into
`if` blocks (one per value of D's type, testing membership in a snapshot of D taken
before the first pass), it is made of statements every back end already runs, and each
pass sees the writes of the passes before it, as in any sequential loop. Over a set of
tuples, records, sets or many values (`big_sets`) a pass is one possible member: it runs
when that member's bool is set in the snapshot, its variable the member.
"""

from __future__ import annotations

from ..ir import model as M
from ..ir.typesys import BOOL
from ..lang import tla_syntax as T
from ..lang.errors import SpecError
from .big_sets import LIMIT
from .expressions import Expressions
from .names import range_guard
from .patterns import bind
from .scope import Scope

# passes a loop may unroll to: its domain's type has at most this many values. z3's
# lints take the paths of a step through its ifs one by one, 2^passes of them; a set of
# records, tuples, sets or many values (which they do not encode) may have `LIMIT`
MAX_PASSES = 64


class Loops(Expressions):
    """The unrolling of `for` (statements build on it)."""

    def unrolled(self, s: T.For, sc: Scope) -> list[M.Stmt]:
        dom = self.domain(s.domain, sc)
        values = dom.type.values()
        if len(values) > (LIMIT if id(dom) in self.big_domains else MAX_PASSES):
            raise SpecError(f"a for loop runs at most {MAX_PASSES} passes; {dom.type} has "
                            f"{len(values)} values", s.domain.pos)
        var = self.bound(s.var, dom.type)
        big = self.big_domains.get(id(dom))
        body = () if big is not None else \
            self.block(s.body, bind(sc, s.var, var, s.pos))  # type: ignore[attr-defined]
        out: list[M.Stmt] = []
        bounds = self.range_bounds(s.domain, sc)
        if bounds is not None:  # the bounds as they were before the first pass
            lo, hi = (self.bound(f"{s.var} {end}", b.type) for end, b in zip(("lo", "hi"), bounds))
            out += [M.Let(s.pos, lo, bounds[0]), M.Let(s.pos, hi, bounds[1])]
            guard: M.TExpr | None = range_guard(var, lo, hi)
        else:
            guard = self.subset_guard(s.domain, var, sc)
        if guard is not None:
            body = (M.If(s.pos, guard, body, ()),)
        members: M.TExpr | None = None
        if dom.set_expr is not None:  # D as it was before the first pass
            snapshot = self.bound(f"{s.var} domain", dom.set_expr.type)
            out.append(M.Let(s.pos, snapshot, dom.set_expr))
            members = snapshot
        has = [] if big is None else [self.bound(f"{s.var} has {v}", BOOL) for v in values]
        out += [M.Let(s.pos, b, self.member_bit(big[0], v))  # type: ignore[index]
                for b, v in zip(has, values)]  # one scalar a member: C lets hold scalars
        for v in values:
            value = M.Const(dom.type, v)
            test: M.TExpr = M.Const(BOOL, True) if members is None else \
                M.Binary(BOOL, "in", value, members)
            if has:  # the body checked with the member itself, so its operations fold
                member = self.numbered(value, big[0].type.member)  # type: ignore[index]
                out.append(M.If(s.pos, has[v], self.block(  # type: ignore[attr-defined]
                    s.body, bind(sc, s.var, member, s.pos)), ()))
                continue
            out.append(M.If(s.pos, test, (M.Let(s.pos, var, value), *body), ()))
        return out
