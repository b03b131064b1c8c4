"""Expressions of the checked model as fixed-pool formulas: a value and when it raises.

The explicit engine evaluates an expression to a value or raises (`none`
unwrapped, an index out of range, division by zero, a def's result outside its
type); here every expression is a pair (value, err), err the condition under
which the explicit evaluation raises, with `&&`, `||`, `->`, `if` and the
quantifiers short-circuiting in the engine's order. Places (variables, array
elements, record fields, thread-locals) are read here too, since indices are
expressions: `locate` says which slots a place may be, for reads and for
assignments.
"""

from __future__ import annotations

from typing import Any

import z3

from ..ir import model as M
from ..ir.control import AtStep, LocalOf
from ..ir.typesys import ArrayType, BoolType, IntType, RecordType, SetType
from .encoder import Encoder, Unsupported
from .pool_folds import (
    Mask,
    and_,
    arith,
    bit,
    bvop,
    cmp,
    count,
    eq,
    inside,
    ite,
    known,
    mask_of,
    not_,
    or_,
    term,
)
from .pool_paths import Ctx, Path
from .pool_slots import NONE, Slots, Value, encoded, leaves
from .pool_threads import Threads

Cases = list[tuple[z3.BoolRef, int]]  # (condition, slot or thread id)


class Expressions(Encoder):
    """`visit(e, p, ctx)`: the value of e on path p, and when evaluating it raises."""

    covers = ("expressions",)

    def __init__(self, slots: Slots, threads: Threads):
        super().__init__()
        self.slots = slots
        self.threads = threads
        self.m = slots.m

    def refusal(self, e: M.TExpr, *args: Any) -> str:
        return f"expression {type(e).__name__}"

    # ---- places
    def locate(self, e: M.TExpr, p: Path, ctx: Ctx) -> tuple[Cases, z3.BoolRef]:
        """Where an addressable place sits in the state: (condition, slot) cases, and errors."""
        if isinstance(e, M.GlobalPlace):
            return [(True, e.offset)], False
        if isinstance(e, M.LocalPlace):
            return [(True, ctx.tb + e.slot)], False  # type: ignore[operator]
        if isinstance(e, M.TlsPlace):
            if e.thread is None:
                return [(True, ctx.tb + e.slot)], False  # type: ignore[operator]
            t, err = self.visit(e.thread, p, ctx)
            return [(c, self.slots.base(k) + e.slot) for c, k in self.threads.ids(t)], err
        if isinstance(e, M.IndexPlace):
            cands, err = self.locate(e.base, p, ctx)
            idx, ierr = self.visit(e.index, p, ctx)
            keys, kerr = self.keys(e, idx)
            w = e.type.width()
            return [(and_(c, kc), off + k * w) for c, off in cands for kc, k in keys], \
                or_(err, ierr, kerr)
        if isinstance(e, M.FieldPlace):
            cands, err = self.locate(e.base, p, ctx)
            return [(c, off + e.offset) for c, off in cands], err
        raise AssertionError(e)

    def keys(self, e: M.IndexPlace, idx: Any) -> tuple[Cases, z3.BoolRef]:
        """(idx selects element k, k) for each k, and whether idx is outside the keys."""
        key = e.base.type.key  # type: ignore[attr-defined]
        vals = key.values()
        if known(idx):
            return ([(True, vals.index(idx))], False) if idx in vals else ([], True)
        cases = [(eq(idx, encoded(key, x)), k) for k, x in enumerate(vals)]
        err = False
        if isinstance(key, IntType):
            it = e.index.type
            exact = isinstance(it, IntType) and it.lo is not None and \
                key.lo <= it.lo and it.hi <= key.hi  # type: ignore[operator]
            if not exact:
                err = not_(inside(idx, key.lo, key.hi))
        return cases, err

    def read(self, e: M.TExpr, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        ts = leaves(e.type)
        if _addressable(e) or isinstance(e, M.TlsPlace):
            cands, err = self.locate(e, p, ctx)
            root = None
        else:
            cands, err, root = self.locate_in_value(e, p, ctx)
        vals = []
        for j, lt in enumerate(ts):
            x = None
            for c, off in reversed(cands):
                y = root[off + j] if root is not None else \
                    self.slots.from_slot(off + j, lt, p.v[off + j])
                x = y if x is None else ite(c, y, x)
            vals.append(x if x is not None else encoded(lt, lt.default()[0]))
        return (vals if isinstance(e.type, (ArrayType, RecordType)) else vals[0]), err

    visit_GlobalPlace = visit_LocalPlace = visit_TlsPlace = read
    visit_IndexPlace = visit_FieldPlace = read

    def locate_in_value(self, e: M.TExpr, p: Path,
                        ctx: Ctx) -> tuple[Cases, z3.BoolRef, list[Any]]:
        """A part of a computed array or record: cases over the value's own slots."""
        if isinstance(e, M.IndexPlace):
            cands, err, root = self.locate_in_value(e.base, p, ctx)
            idx, ierr = self.visit(e.index, p, ctx)
            keys, kerr = self.keys(e, idx)
            w = e.type.width()
            return [(and_(c, kc), off + k * w) for c, off in cands for kc, k in keys], \
                or_(err, ierr, kerr), root
        if isinstance(e, M.FieldPlace):
            cands, err, root = self.locate_in_value(e.base, p, ctx)
            return [(c, off + e.offset) for c, off in cands], err, root
        val, err = self.visit(e, p, ctx)
        return [(True, 0)], err, (val if isinstance(val, list) else [val])

    # ---- expressions
    def visit_Const(self, e: M.Const, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        return encoded(e.type, e.value), False

    def visit_Bound(self, e: M.Bound, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        return p.env[e.uid], False

    def visit_SelfTid(self, e: M.SelfTid, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        return ctx.me, False  # type: ignore[return-value]

    def visit_DefCall(self, e: M.DefCall, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        d = self.m.defs[e.name]
        env = dict(p.env)
        errs = []
        for prm, a in zip(d.params, e.args):
            env[prm.uid], err = self.visit(a, p, ctx)
            errs.append(err)
        val, err = self.visit(d.body, Path(p.conds, p.v, env), Ctx(None, None))
        return val, _seq_errors(errs + [err])

    def visit_Unary(self, e: M.Unary, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        x, err = self.visit(e.operand, p, ctx)
        if e.op == "!":
            return not_(x), err
        if e.op == "-":
            return arith("-", 0, x), err
        if e.op == "int":  # a thread id is stored as its number
            return x, err
        if e.op == "tid":
            return x, or_(err, not_(inside(x, 0, self.m.pool - 1)))
        lo, hi = e.type.lo, e.type.hi  # type: ignore[attr-defined]
        return x, or_(err, not_(inside(x, lo, hi)))

    def visit_Unwrap(self, e: M.Unwrap, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        x, err = self.visit(e.operand, p, ctx)
        err = or_(err, eq(x, NONE))
        if isinstance(e.type, BoolType):  # a `bool?` is an Int (NONE, 0 or 1)
            return (x != 0 if known(x) else not_(x == 0)), err
        return x, err

    def visit_Compound(self, e: M.Compound, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        vals, errs = [], []
        for item in e.items:
            x, err = self.visit(item, p, ctx)
            vals += x if isinstance(x, list) else [x]
            errs.append(err)
        return vals, _seq_errors(errs)

    def visit_Ite(self, e: M.Ite, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        c, err = self.visit(e.test, p, ctx)
        a, ea = self.visit(e.then, p, ctx)
        b, eb = self.visit(e.other, p, ctx)
        val = [ite(c, x, y) for x, y in zip(a, b)] if isinstance(a, list) else ite(c, a, b)
        return val, or_(err, ite(c, ea, eb))

    def visit_Binary(self, e: M.Binary, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        op = e.op
        a, ea = self.visit(e.left, p, ctx)
        b, eb = self.visit(e.right, p, ctx)
        if op == "&&":
            return and_(a, b), or_(ea, and_(a, eb))
        if op == "||":
            return or_(a, b), or_(ea, and_(not_(a), eb))
        if op == "->":
            return or_(not_(a), b), or_(ea, and_(a, eb))
        err = _seq_errors([ea, eb])
        if op == "in":
            elem = e.right.type.elem  # type: ignore[attr-defined]
            return or_(*(and_(eq(a, encoded(elem, x)), bit(b, k))
                         for k, x in enumerate(elem.values()))), err
        if op in ("==", "!="):
            same = eq(a, b)
            return (same if op == "==" else not_(same)), err
        if op in ("<", "<=", ">", ">="):
            return cmp(op, a, b), err
        if isinstance(e.type, SetType):
            return bvop(op, a, b), err
        if op == "mod":
            r = a % b if known(a) and known(b) and b > 0 else z3.If(
                term(b) > 0, term(a) % term(b), 0)  # z3's mod: 0 <= r < b for b > 0
            return r, or_(err, cmp("<=", b, 0))
        if op in ("/", "%"):
            q = _div(a, b)
            return (q if op == "/" else arith("-", a, arith("*", q, b))), or_(err, eq(b, 0))
        if op in ("+", "-", "*"):
            return arith(op, a, b), err
        raise Unsupported(f"operator {op}")

    def visit_SetOf(self, e: M.SetOf, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        elem = e.type.elem  # type: ignore[attr-defined]
        vals = elem.values()
        items, errs = [], []
        for item in e.items:
            x, err = self.visit(item, p, ctx)
            if isinstance(elem, IntType):
                err = or_(err, not_(inside(x, vals[0], vals[-1])))
            items.append(x)
            errs.append(err)
        bits = [or_(*(eq(x, encoded(elem, y)) for x in items)) for y in vals]
        return mask_of(bits), _seq_errors(errs)

    def visit_Quant(self, e: M.Quant, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        q0 = Path(p.conds, p.v, dict(p.env))
        errs: list[z3.BoolRef] = []
        if e.domain.set_expr is not None:
            mask, err = self.visit(e.domain.set_expr, p, ctx)
            errs.append(err)
            members = [(bit(mask, k), encoded(e.domain.type, x))
                       for k, x in enumerate(e.domain.type.values())]
        else:
            members = [(True, encoded(e.domain.type, x)) for x in e.domain.type.values()]
        bodies = []
        for member, x in members:
            q0.env[e.var.uid] = x
            val, err = self.visit(e.body, q0, ctx)
            bodies.append((member, val, err))
        if e.kind in ("forall", "exists"):
            go_on: list[z3.BoolRef] = []  # the iteration reaches this element
            for member, val, err in bodies:
                errs.append(and_(*go_on, member, err))
                go_on.append(or_(not_(member), val if e.kind == "forall" else not_(val)))
            res = and_(*go_on) if e.kind == "forall" else not_(and_(*go_on))
            return res, or_(*errs)
        if e.kind == "pick":  # the first member that satisfies the body, as `_pick` stops
            hits: list[z3.BoolRef] = []
            for member, val, err in bodies:
                errs.append(and_(*(not_(h) for h in hits), member, err))
                hits.append(and_(member, val))
            first = encoded(e.type, e.type.default()[0])
            for hit, (_, x) in reversed(list(zip(hits, members))):
                first = ite(hit, x, first)
            return first, or_(*errs, and_(*(not_(h) for h in hits)))
        errs += [and_(m, err) for m, _, err in bodies]
        if e.kind == "sum":
            total: Any = 0
            for m, val, _ in bodies:
                total = arith("+", total, ite(m, val, 0))
            return total, or_(*errs)
        hits = [and_(m, val) for m, val, _ in bodies]
        return (count(hits) if e.kind == "count" else mask_of(hits)), or_(*errs)

    def visit_Builtin(self, e: M.Builtin, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        vals, errs = [], []
        for a in e.args:
            x, err = self.visit(a, p, ctx)
            vals.append(x)
            errs.append(err)
        err = _seq_errors(errs)
        v = p.v
        pcs = [v[self.slots.base(k)] for k in range(self.m.pool)]
        if e.name == "size":
            w = vals[0].width if isinstance(vals[0], Mask) else vals[0].size()
            return count([bit(vals[0], k) for k in range(w)]), err
        if e.name == "free_threads":
            return count([eq(pc, M.PC_UNUSED) for pc in pcs]), err
        if e.name == "ancestor":
            return self.ancestor(vals[0], vals[1], v), err
        cases = self.threads.ids(vals[0])
        if e.name == "parent":
            out = NONE
            for c, k in cases:
                out = ite(c, v[self.slots.base(k) + 1], out)
            return out, err
        test = {"alive": lambda pc: cmp(">=", pc, M.PC_EXITING),
                "done": lambda pc: or_(eq(pc, M.PC_DONE),
                                       eq(pc, M.PC_FREED)),
                "freed": lambda pc: eq(pc, M.PC_FREED)}[e.name]
        return or_(*(and_(c, test(pcs[k])) for c, k in cases)), err

    def visit_AtStep(self, e: AtStep, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        t, err = self.visit(e.thread, p, ctx)
        pcs = [(c, p.v[self.slots.base(k)]) for c, k in self.threads.ids(t)]
        return or_(*(and_(c, inside(pc, e.first, e.last)) for c, pc in pcs)), err

    def visit_LocalOf(self, e: LocalOf, p: Path, ctx: Ctx) -> tuple[Value, z3.BoolRef]:
        """Thread t's slot, and an error where t may stand outside the local's template."""
        t, err = self.visit(e.thread, p, ctx)
        out, absent = encoded(e.type, e.type.default()[0]), [err]
        for c, k in reversed(self.threads.ids(t)):
            b = self.slots.base(k)
            absent.append(and_(c, not_(inside(p.v[b], e.first, e.last))))
            out = ite(c, self.slots.from_slot(b + e.slot, e.type, p.v[b + e.slot]), out)
        return out, or_(*absent)

    def ancestor(self, a: Any, b: Any, v: list[Any]) -> z3.BoolRef:
        """`_anc`: follow parent links from b at most pool times, looking for a."""
        def parent_of(t: Any) -> Any:
            out = NONE
            for c, k in self.threads.ids(t):
                out = ite(c, v[self.slots.base(k) + 1], out)
            return out
        chain = [parent_of(b)]
        for _ in range(self.m.pool - 1):
            chain.append(parent_of(chain[-1]))
        res: z3.BoolRef = False
        for x in reversed(chain):
            res = ite(eq(x, NONE), False, ite(eq(x, a), True, res))
        return res


def _div(a: Any, b: Any) -> Any:
    """Division rounding towards zero, as C (and the explicit engine) do."""
    if known(a) and known(b):
        q = abs(a) // abs(b) if b else 0
        return q if (a >= 0) == (b >= 0) else -q
    a, b = term(a), term(b)
    aa, ab = z3.If(a >= 0, a, -a), z3.If(b >= 0, b, -b)
    q = aa / ab
    return z3.If((a >= 0) == (b >= 0), q, -q)


def _seq_errors(errs: list[z3.BoolRef]) -> z3.BoolRef:
    """Operands evaluated one after another: the first that raises ends the expression."""
    return or_(*errs)


def _addressable(e: M.TExpr) -> bool:
    if isinstance(e, (M.GlobalPlace, M.LocalPlace, M.TlsPlace)):
        return True
    if isinstance(e, (M.IndexPlace, M.FieldPlace)):
        return _addressable(e.base)
    return False
