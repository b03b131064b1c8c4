"""The thread table of the fixed-pool encoding: thread blocks, their pcs and runtime slots.

What the explicit engine's runtime does to a thread block, rather than what a
statement computes, used alike by statements, runs and expressions: which id a
spawn or fork takes (the lowest unused one, as `_alloc` does), how a step ends
(the next pc; exiting through destructors; returning from a signal handler; the
end-of-step copy of a forking thread's block), how a handler is entered and a
destructor popped, and what a well-formed state (`typed`) says of every block.
`typed` also says that an unused thread's block is all zero with no parent and
a finished thread's slots past its parent are zero; a thread-local or local
slot may hold 0 besides its type's values (a finished thread's copies read 0).
"""

from __future__ import annotations

from typing import Any

import z3

from ..ir import model as M
from .pool_folds import Mask, and_, arith, bit, bvop, cmp, eq, inside, ite, known, not_, or_, term
from .pool_paths import Ctx, Outcome, Path, Run
from .pool_slots import DTOR_BITS, NONE, Slots, SymState, in_domain, literal


class Threads:
    """Operations on the thread blocks of the states of one model."""

    def __init__(self, slots: Slots):
        self.slots = slots
        self.m = slots.m
        self.stride = slots.stride

    def ids(self, t: Any) -> list[tuple[z3.BoolRef, int]]:
        """(t is k, k) for each thread id k that t may be."""
        if known(t):
            return [(True, t)] if 0 <= t < self.m.pool else []
        return [(t == k, k) for k in range(self.m.pool)]

    def alloc(self, p: Path, run: Run) -> list[tuple[Path, int]]:
        """One path per id `_alloc` may take (the lowest unused), and "bound" when none is."""
        out = []
        before: list[z3.BoolRef] = []
        for k in range(self.m.pool):
            unused = eq(p.v[self.slots.base(k)], M.PC_UNUSED)
            c = and_(*before, unused)
            if c is not False:
                out.append((p.fork(*before, unused), k))
            before.append(not_(unused))
            if unused is True:
                return out
        none_left = and_(p.guard, *before)
        if none_left is not False:
            run.outcomes.append(Outcome("bound", none_left))
        return out

    def enter(self, s: SymState, me: int, h: M.Template) -> Path:
        """The path on which thread `me` enters handler h: it is installed, unmasked, not
        running and not too deep; the interrupted pc is saved and the handler marked active."""
        lay, tb = self.m.layout, self.slots.base(me)
        nh = max(1, len(self.m.handlers))
        v = list(s.slots)
        blocked = or_(not_(bit(v[tb + lay.installed], h.index)),  # type: ignore[operator]
                      bit(v[tb + lay.masked], h.index),  # type: ignore[operator]
                      bit(v[tb + lay.active], h.index),  # type: ignore[operator]
                      cmp(">=", v[tb + lay.depth], lay.max_depth))  # type: ignore
        d = v[tb + lay.depth]  # type: ignore[operator]
        for k in range(lay.max_depth):
            slot = tb + lay.saved + k  # type: ignore[operator]
            v[slot] = ite(eq(d, k), v[tb], v[slot])
        v[tb + lay.depth] = arith("+", d, 1)  # type: ignore[operator]
        j = tb + lay.active  # type: ignore[operator]
        v[j] = bvop("|", v[j], Mask(1 << h.index, nh))
        return Path((not_(blocked),), v, {})

    def pop_destructor(self, s: SymState, me: int, d: M.Destructor) -> Path:
        """The path on which thread `me` runs destructor d: it is registered, and unregistered."""
        slot = self.slots.base(me) + self.m.layout.dtors  # type: ignore[operator]
        v = list(s.slots)
        p = Path((bit(v[slot], d.index),), v, {})
        v[slot] = bvop("-", v[slot], Mask(1 << d.index, DTOR_BITS))
        return p

    def finish(self, p: Path, run: Run, ctx: Ctx, pc: int | None) -> None:
        """The path ends: at pc (the next step's when None), and a successor is recorded."""
        lay, v, tb = self.m.layout, p.v, ctx.tb
        kinds, stride = self.slots.kinds, self.stride
        if ctx.terminal == "step":
            target = ctx.next_pc if pc is None else pc
            if target in (M.PC_DONE, M.PC_FREED):
                self.exit(p, tb, target)  # type: ignore[arg-type]
            elif target == M.PC_RETURN:
                d = arith("-", v[tb + lay.depth], 1)  # type: ignore[operator]
                ret = v[tb]  # type: ignore[index]
                for k in range(lay.max_depth):
                    slot = tb + lay.saved + k  # type: ignore[operator]
                    at = eq(d, k)
                    ret = ite(at, v[slot], ret)
                    v[slot] = ite(at, 0, v[slot])
                v[tb] = ret  # type: ignore[index]
                v[tb + lay.depth] = d  # type: ignore[operator]
                j = tb + lay.active  # type: ignore[operator]
                v[j] = bvop("-", v[j], Mask(1 << ctx.handler, kinds[j][1]))  # type: ignore
            else:
                v[tb] = target  # type: ignore[index]
        elif ctx.terminal == "dtor":
            j = tb + lay.dtors  # type: ignore[operator]
            mask = v[j]
            none_left = eq(bvop("-", mask, Mask(M.FREE_BIT, DTOR_BITS)), Mask(0, DTOR_BITS))
            final = ite(eq(mask, Mask(0, DTOR_BITS)), M.PC_DONE, M.PC_FREED)
            v[tb] = ite(none_left, final, v[tb])  # type: ignore[index]
            self._clear(v, tb + 2, tb + stride, none_left)  # type: ignore[operator]
        for cb, sl in p.fk:
            v[cb] = v[tb]  # type: ignore[index]
            v[cb + 2:cb + stride] = v[tb + 2:tb + stride]  # type: ignore[operator]
            if sl:
                v[cb + sl] = NONE
        run.outcomes.append(Outcome("next", p.guard, v))

    def _clear(self, v: list[Any], lo: int, hi: int, cond: z3.BoolRef) -> None:
        for j in range(lo, hi):
            v[j] = ite(cond, literal(self.slots.kinds[j], 0), v[j])

    def exit(self, p: Path, tb: int, final: int) -> None:
        """Finish the running thread, through its destructors if it registered any."""
        lay, v = self.m.layout, p.v
        if lay.dtors is None:
            v[tb] = final
            self._clear(v, tb + 2, tb + self.stride, True)
            return
        j = tb + lay.dtors
        has = not_(eq(v[j], Mask(0, DTOR_BITS)))
        mask = bvop("|", v[j], Mask(M.FREE_BIT, DTOR_BITS)) if final == M.PC_FREED else v[j]
        v[tb] = ite(has, M.PC_EXITING, final)
        self._clear(v, tb + lay.locals_start, tb + self.stride, True)
        self._clear(v, tb + 2, tb + lay.locals_start, not_(has))
        v[j] = ite(has, mask, Mask(0, DTOR_BITS))

    def typed(self, s: SymState) -> z3.BoolRef:
        """Every slot in its type's domain, and the layout facts of every thread block."""
        m, lay, slots = self.m, self.m.layout, self.slots
        out = []
        max_pc = max([M.PC_EXITING, *m.steps_by_pc])
        for j, (x, k, ts) in enumerate(zip(s.slots, slots.kinds, slots.types)):
            if j < slots.tb0:
                out.append(in_domain(ts[0], x))
            elif ts and k != "b" and not isinstance(k, tuple):
                out.append(or_(eq(x, 0), *(in_domain(t, x) for t in ts)))
        for th in range(m.pool):
            b = slots.base(th)
            pc = s[b]
            rest = and_(*(eq(s[b + j], literal(slots.kinds[b + j], 0))
                          for j in range(2, self.stride)))
            out.append(inside(pc, 0, max_pc))
            out.append(or_(eq(s[b + 1], NONE), inside(s[b + 1], 0, m.pool - 1)))
            out.append(or_(not_(eq(pc, M.PC_UNUSED)), and_(eq(s[b + 1], NONE), rest)))
            out.append(or_(not_(or_(eq(pc, M.PC_DONE), eq(pc, M.PC_FREED))), rest))
            if lay.depth is not None:
                out.append(inside(s[b + lay.depth], 0, lay.max_depth))
                for k in range(lay.max_depth):
                    out.append(inside(s[b + lay.saved + k], 0, max_pc))  # type: ignore
        return term(and_(*out))
