"""Statements of the checked model, executed symbolically on fixed-pool paths.

The transition relation is what the explicit engine's compiled steps do, so
steps run path by path in the order `codegen` runs them: `either` and `choose`
fork paths (choose over its finite domain, the bound value a constant),
deterministic `if`s fork and join again (their guards are exclusive),
`spawn`/`fork` fork once per possible child id (the lowest unused one) plus a
pool-exhausted outcome. A path ends in a successor, a failure (an assertion;
"bounds": an out-of-range assignment or a bad `free`; "runtime": `none` unwrapped,
an index out of range, division by zero), or "bound" (no thread id left; the explicit
engine's `BOUND`). The explicit engine abandons the rest of a step's
successors once an expression raises; here every path is kept.
"""

from __future__ import annotations

from typing import Any

import z3

from ..ir import model as M
from ..ir.typesys import IntType, OptionalType, Type
from .encoder import Encoder
from .pool_expressions import Expressions
from .pool_folds import Mask, and_, bit, bvop, eq, inside, ite, known, not_, or_
from .pool_paths import Ctx, Path, Run
from .pool_slots import NONE, Slots, Value, encoded, leaves
from .pool_threads import Threads


class Statements(Encoder):
    """`visit(st, p, run, ctx)`: the paths still running after st (the others end in run)."""

    covers = ("statements",)

    def __init__(self, slots: Slots, threads: Threads, exprs: Expressions):
        super().__init__()
        self.slots = slots
        self.threads = threads
        self.exprs = exprs
        self.m = slots.m

    def refusal(self, st: M.Stmt, *args: Any) -> str:
        return f"statement {type(st).__name__} at {st.pos}"

    def body(self, stmts: tuple[M.Stmt, ...], p: Path, run: Run, ctx: Ctx) -> None:
        for q in self.seq(list(stmts), [p], run, ctx):
            self.threads.finish(q, run, ctx, None)

    def seq(self, stmts: list[M.Stmt], paths: list[Path], run: Run, ctx: Ctx) -> list[Path]:
        """Run stmts on each path; returns the paths still running at the end."""
        for st in stmts:
            nxt: list[Path] = []
            for p in paths:
                nxt += self.visit(st, p, run, ctx)
            paths = nxt
            if not paths:
                break
        return paths

    def visit_Assign(self, st: M.Assign, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        val, err = self.exprs.visit(st.value, p, ctx)
        if not run.error(p, err):
            return []
        return self.assign_value(st.target, val, p, run, ctx)

    def visit_Let(self, st: M.Let, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        val, err = self.exprs.visit(st.value, p, ctx)
        if not run.error(p, err):
            return []
        p.env[st.var.uid] = val
        return [p]

    def visit_Await(self, st: M.Await, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        val, err = self.exprs.visit(st.cond, p, ctx)
        if not run.error(p, err) or val is False:
            return []
        p.conds = p.conds + ((val,) if val is not True else ())
        return [p]

    def visit_Assert(self, st: M.Assert, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        val, err = self.exprs.visit(st.cond, p, ctx)
        if not run.error(p, err) or not run.error(p, not_(val), st.prop):
            return []
        return [p]

    def visit_If(self, st: M.If, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        c, err = self.exprs.visit(st.cond, p, ctx)
        if not run.error(p, err):
            return []
        out = []
        for cond, block in ((c, st.then), (not_(c), st.other)):
            if cond is not False:
                out += self.seq(list(block), [p.fork(cond)], run, ctx)
        if M.branches(st.then) or M.branches(st.other) or len(out) < 2 or \
                any(q.fk != out[0].fk for q in out):
            return out
        # a deterministic if: the surviving paths have exclusive guards, so join them
        n = len(p.conds)
        sel = [and_(*q.conds[n:]) for q in out]
        v = list(out[-1].v)
        for j in range(len(v)):
            for q, g in zip(out[-2::-1], sel[-2::-1]):
                v[j] = ite(g, q.v[j], v[j])
        return [Path(p.conds + (or_(*sel),), v, p.env, out[0].fk)]

    def visit_Either(self, st: M.Either, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        return [q for block in st.blocks for q in self.seq(list(block), [p.fork()], run, ctx)]

    def visit_Choose(self, st: M.Choose, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        out = []
        for member, x in self.members(st.domain, p, run, ctx):
            q = p.fork(member)
            q.env[st.var.uid] = x
            if st.where is not None:
                w, err = self.exprs.visit(st.where, q, ctx)
                if not run.error(q, err) or w is False:
                    continue
                q = q.fork(w)
            out += self.seq(list(st.body), [q], run, ctx)
        return out

    def members(self, d: M.Domain, p: Path, run: Run,
                ctx: Ctx) -> list[tuple[z3.BoolRef, Value]]:
        """(is a member, value) for each value of the domain's type, in iteration order."""
        values = d.type.values()
        if d.set_expr is None:
            return [(True, encoded(d.type, x)) for x in values]
        mask, err = self.exprs.visit(d.set_expr, p, ctx)
        if not run.error(p, err):
            return []
        return [(bit(mask, k), encoded(d.type, x)) for k, x in enumerate(values)]

    def visit_Goto(self, st: M.Goto, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        self.threads.finish(p, run, ctx, st.pc)
        return []

    def visit_Exit(self, st: M.Exit, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        self.threads.finish(p, run, ctx, M.PC_FREED if st.free else M.PC_DONE)
        return []

    def visit_SigOp(self, st: M.SigOp, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        lay = self.m.layout
        slot = {"install": lay.installed, "uninstall": lay.installed, "mask": lay.masked,
                "unmask": lay.masked, "on_exit": lay.dtors}[st.op]
        j = ctx.tb + slot  # type: ignore[operator]
        w = self.slots.kinds[j][1]
        mask = Mask(1 << st.index, w)
        p.v[j] = bvop("|" if st.op in ("install", "mask", "on_exit") else "-", p.v[j], mask)
        return [p]

    def visit_Free(self, st: M.Free, p: Path, run: Run, ctx: Ctx) -> list[Path]:
        t, err = self.exprs.visit(st.thread, p, ctx)
        if not run.error(p, err):
            return []
        cases = self.threads.ids(t)
        base = self.slots.base
        bad = or_(*(and_(c, not_(eq(p.v[base(k)], M.PC_DONE))) for c, k in cases))
        if not run.error(p, bad, "bounds"):
            return []
        for c, k in cases:
            j = base(k)
            p.v[j] = ite(c, M.PC_FREED, p.v[j])
        return [p]

    def visit_Spawn(self, st: M.Spawn, p0: Path, run: Run, ctx: Ctx) -> list[Path]:
        t = self.m.templates[st.template]
        lay = self.m.layout
        out = []
        for p, child in self.threads.alloc(p0, run):
            args = []
            for a in st.args:
                val, err = self.exprs.visit(a, p, ctx)
                if not run.error(p, err):
                    break
                args.append(val)
            else:
                base = self.slots.base(child)
                p.v[base] = t.steps[0].pc
                p.v[base + 1] = ctx.me if st.parent else NONE  # type: ignore[arg-type]
                if st.parent and lay.installed is not None:
                    for slot in (lay.installed, lay.masked):
                        p.v[base + slot] = p.v[ctx.tb + slot]  # type: ignore[operator]
                alive = True
                for prm, val in zip(t.params, args):
                    alive = run.error(p, self.out_of_range(prm.type, val), "bounds")
                    if not alive:
                        break
                    j = base + prm.slot
                    p.v[j] = self.slots.to_slot(j, prm.type, val)
                if not alive:
                    continue
                child_ctx = Ctx(child, base)
                paths = [p]
                inits = [(M.TlsPlace(tl.type, tl.name, tl.slot, None), tl.init)
                         for tl in self.m.thread_locals]
                inits += [(M.LocalPlace(loc.type, loc.name, loc.slot), loc.init)
                          for loc in t.locals]
                for place, init in inits:
                    nxt = []
                    for q in paths:
                        val, err = self.exprs.visit(init, q, child_ctx)
                        if run.error(q, err):
                            nxt += self.assign_value(place, val, q, run, child_ctx)
                    paths = nxt
                for q in paths:
                    out += self.set_target(st.target, child, q, run, ctx)
        return out

    def visit_Fork(self, st: M.Fork, p0: Path, run: Run, ctx: Ctx) -> list[Path]:
        out = []
        for p, child in self.threads.alloc(p0, run):
            cb = self.slots.base(child)
            p.v[cb] = -1
            p.v[cb + 1] = ctx.me  # type: ignore[arg-type]
            own = isinstance(st.target, M.LocalPlace) or (
                isinstance(st.target, M.TlsPlace) and st.target.thread is None)
            p.fk = p.fk + ((cb, st.target.slot if own else 0),)  # type: ignore[union-attr]
            out += self.set_target(st.target, child, p, run, ctx)
        return out

    def set_target(self, target: M.TExpr | None, child: Any, p: Path, run: Run,
                   ctx: Ctx) -> list[Path]:
        if isinstance(target, M.Bound):
            p.env[target.uid] = child
            return [p]
        if target is None:
            return [p]
        return self.assign_value(target, child, p, run, ctx, check=False)

    def out_of_range(self, t: Type, val: Value) -> z3.BoolRef:
        """An int slot of the value outside its declared range (`none` is fine)."""
        if isinstance(val, list):
            return or_(*(self.out_of_range(lt, x) for lt, x in zip(leaves(t), val)))
        inner = t.inner if isinstance(t, OptionalType) else t
        if not (isinstance(inner, IntType) and inner.lo is not None):
            return False
        if known(val):
            return not (val == NONE or inner.lo <= val <= inner.hi)  # type: ignore[operator]
        ok = inside(val, inner.lo, inner.hi)  # type: ignore[arg-type]
        return not_(or_(val == NONE, ok) if isinstance(t, OptionalType) else ok)

    def assign_value(self, target: M.TExpr, val: Value, p: Path, run: Run, ctx: Ctx,
                     check: bool = True) -> list[Path]:
        if check and not run.error(p, self.out_of_range(target.type, val), "bounds"):
            return []
        cands, err = self.exprs.locate(target, p, ctx)
        if not run.error(p, err):
            return []
        ts = leaves(target.type)
        vals = val if isinstance(val, list) else [val]
        for c, off in cands:
            for j, (lt, x) in enumerate(zip(ts, vals)):
                old = p.v[off + j]
                new = self.slots.to_slot(off + j, lt, x)
                p.v[off + j] = ite(c, new, old)
        return [p]
