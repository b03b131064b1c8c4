"""The OS primitives as generated code: threads, signal handlers, exit destructors.

The search knows nothing of threads being created, freed, interrupted or torn down:
all of it is code in the steps, over the runtime slots of a thread's block
(`ir.model.ThreadLayout`). This part holds that knowledge in one place — the
statements that create and free threads and change signal masks, what ending a
thread, returning from a handler and finishing a destructor do to the block, and the
prologues of the functions that enter a handler or run a destructor — so the statement
emitter deals only in paths and the module assembly only in which functions exist.
"""

from __future__ import annotations

from dataclasses import replace

from ...ir import model as M
from .context import Ctx
from .emitter import Emitter


class OsPrimitives(Emitter):
    """The statements and path endings of thread lifetimes and signals (a mixin of
    `StatementEmitter`: `visit_<Stmt>(st, rest, ind, ctx)`, True when the path ended)."""

    # ------------------------------------------------------------ statements
    def allocate(self, ind: int, ctx: Ctx) -> str:
        """A new thread id for spawn or fork; none left ends this path as BOUND."""
        child = self.fresh("_c")
        self.out(ind, f"{child} = _alloc(v)")
        self.out(ind, f"if {child} is None:")
        self.give_up(ind + 1, ctx, "BOUND")
        return child

    def visit_Spawn(self, st: M.Spawn, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        t = self.m.templates[st.template]
        args = [self.ex(a, ctx) for a in st.args]
        child = self.allocate(ind, ctx)
        base = self.fresh("_cb")
        self.out(ind, f"{base} = TB + {child} * STRIDE")
        vals = self.fresh("_a")
        self.out(ind, f"{vals} = ({''.join(a + ', ' for a in args)})")
        first = t.steps[0].pc
        self.out(ind, f"v[{base}] = {first}")
        self.out(ind, f"v[{base} + 1] = {ctx.me if st.parent else 'None'}")
        lay = self.m.layout
        if st.parent and lay.installed is not None:
            # like pthread_create: the spawner's handlers and signal mask carry over
            for slot in (lay.installed, lay.masked):
                self.out(ind, f"v[{base} + {slot}] = v[{ctx.tb} + {slot}]")
        for k, p in enumerate(t.params):
            self.check_range(p.type, f"{vals}[{k}]", ind, ctx,
                             f"argument '{p.name}' of {t.name}")
            self.out(ind, f"v[{base} + {p.slot}] = {vals}[{k}]")
        child_ctx = replace(ctx, tb=base, me=child)
        for tl in self.m.thread_locals:
            assert tl.init is not None
            self.assign(M.TlsPlace(tl.type, tl.name, tl.slot, None), tl.init, ind, child_ctx)
        for loc in t.locals:
            assert loc.init is not None
            self.assign(M.LocalPlace(loc.type, loc.name, loc.slot), loc.init, ind, child_ctx)
        self.store_child(st.target, child, ind, ctx)
        return False

    def visit_Fork(self, st: M.Fork, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        """Reserve the child's id now; `copy_forks` copies the parent's block into it."""
        child = self.allocate(ind, ctx)
        self.out(ind, f"v[TB + {child} * STRIDE] = -1")
        self.out(ind, f"v[TB + {child} * STRIDE + 1] = {ctx.me}")
        own = st.target is not None and (
            isinstance(st.target, M.LocalPlace)
            or isinstance(st.target, M.TlsPlace) and st.target.thread is None)
        slot = st.target.slot if own else 0  # type: ignore[union-attr]
        self.out(ind, f"_fk = _fk + ((TB + {child} * STRIDE, {slot}),)")
        self.store_child(st.target, child, ind, ctx)
        return False

    def store_child(self, target: M.TExpr | None, child: str, ind: int, ctx: Ctx) -> None:
        """The new thread's id into the spawn's or fork's target, if it has one."""
        if isinstance(target, M.Bound):
            self.out(ind, f"{self.names.bind(target)} = {child}")
        elif target is not None:
            self.out(ind, f"{self.expr.place(target, ctx)} = {child}")

    def visit_Free(self, st: M.Free, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        t = self.fresh("_f")
        self.out(ind, f"{t} = {self.ex(st.thread, ctx)}")
        self.out(ind, f"if v[TB + {t} * STRIDE] != {M.PC_DONE}:")
        self.fail(ind + 1, ctx, "bounds", f"_free_error(v, {t}, {ctx.me})")
        self.out(ind, f"v[TB + {t} * STRIDE] = {M.PC_FREED}")
        return False

    def visit_SigOp(self, st: M.SigOp, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        lay = self.m.layout
        slot = {"install": lay.installed, "uninstall": lay.installed, "mask": lay.masked,
                "unmask": lay.masked, "on_exit": lay.dtors}[st.op]
        bit = 1 << st.index
        op = f"|= {bit}" if st.op in ("install", "mask", "on_exit") else f"&= ~{bit}"
        self.out(ind, f"v[{ctx.tb} + {slot}] {op}")
        return False

    # --------------------------------------------------------- path endings
    def exit_thread(self, ind: int, tb: str, final: int) -> None:
        """Finish the running thread (its block at `tb`), through its destructors if it
        registered any."""
        dt = self.m.layout.dtors
        if dt is not None:
            self.out(ind, f"if v[{tb} + {dt}]:")
            self.out(ind + 1, f"v[{tb}] = {M.PC_EXITING}")
            lay = self.m.layout
            if lay.stride > lay.locals_start:  # the thread function has returned
                self.out(ind + 1, f"v[{tb} + {lay.locals_start}:{tb} + STRIDE] = "
                                  f"[0] * {lay.stride - lay.locals_start}")
            if final == M.PC_FREED:
                self.out(ind + 1, f"v[{tb} + {dt}] |= FREE_BIT")
            self.out(ind, "else:")
            ind += 1
        self.out(ind, f"v[{tb}] = {final}")
        self.out(ind, f"v[{tb} + 2:{tb} + STRIDE] = CLEARED")

    def return_from_handler(self, ind: int, ctx: Ctx) -> None:
        """Back to the interrupted pc, one nesting level down."""
        lay, tb = self.m.layout, ctx.tb
        bit = 1 << ctx.handler  # type: ignore[operator]
        self.out(ind, f"_d = v[{tb} + {lay.depth}] - 1")
        self.out(ind, f"v[{tb}] = v[{tb} + {lay.saved} + _d]")
        self.out(ind, f"v[{tb} + {lay.saved} + _d] = 0")
        self.out(ind, f"v[{tb} + {lay.depth}] = _d")
        self.out(ind, f"v[{tb} + {lay.active}] &= ~{bit}")

    def end_destructor(self, ind: int, tb: str) -> None:
        """After the last registered destructor the thread is finished (freed if it exited
        with `exit free`)."""
        dt = self.m.layout.dtors
        self.out(ind, f"if not v[{tb} + {dt}] & ~FREE_BIT:")
        self.out(ind + 1, f"v[{tb}] = {M.PC_FREED} if v[{tb} + {dt}] else {M.PC_DONE}")
        self.out(ind + 1, f"v[{tb} + 2:{tb} + STRIDE] = CLEARED")

    def copy_forks(self, ind: int, tb: str) -> None:
        """Each child forked on this path starts as a copy of the parent's block at the end of
        the step, with its target slot (if the parent's own) set to none."""
        self.out(ind, "for _cb, _sl in _fk:")
        self.out(ind + 1, f"v[_cb] = v[{tb}]")
        self.out(ind + 1, f"v[_cb + 2:_cb + STRIDE] = v[{tb} + 2:{tb} + STRIDE]")
        self.out(ind + 1, "if _sl:")
        self.out(ind + 2, "v[_cb + _sl] = None")

    # ------------------------------------------------ function prologues
    def enter_handler(self, h: M.Template, ctx: Ctx) -> tuple[str, ...]:
        """Enter handler `h` only if it is installed, unmasked, not running and below the
        nesting limit; save the interrupted pc."""
        lay, tb, bit = self.m.layout, ctx.tb, 1 << h.index
        guard = (f"if not s[{tb} + {lay.installed}] & {bit} "
                 f"or s[{tb} + {lay.masked}] & {bit} or s[{tb} + {lay.active}] & {bit} "
                 f"or s[{tb} + {lay.depth}] >= {lay.max_depth}:")
        return (guard, "    return",
                f"_d = v[{tb} + {lay.depth}]", f"v[{tb} + {lay.saved} + _d] = v[{tb}]",
                f"v[{tb} + {lay.depth}] = _d + 1", f"v[{tb} + {lay.active}] |= {bit}",
                *((f"_ch = (('enter', {h.steps[0].pc}, None),)",) if ctx.labelled else ()))

    def run_destructor(self, d: M.Destructor, ctx: Ctx) -> tuple[str, ...]:
        """Run destructor `d` only if it is still registered; unregister it."""
        dt, tb, bit = self.m.layout.dtors, ctx.tb, 1 << d.index
        return (f"if not s[{tb} + {dt}] & {bit}:", "    return",
                f"v[{tb} + {dt}] &= ~{bit}",
                *((f"_ch = (('destructor', {d.name!r}, None),)",) if ctx.labelled else ()))
