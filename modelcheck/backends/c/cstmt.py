"""Statements to C: one step's paths, with the Python back end's structure and order.

The shape follows `backends/python/statements.py` so the two engines produce the same
results in the same order: leading `await`s are tested on the state before it is
copied; `either` and `choose` become loops whose body holds the rest of the step,
each iteration on its own copy of the state; an abandoned path (`await` false, a failed
assertion, no thread id left) is a `continue` inside a loop, else a `return`. A path's
end sets the thread's next pc (or ends the thread, returns from a handler, finishes a
destructor), completes the forks it made, and hands the state to the search (`emit`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...ir import model as M
from ...ir.ranges import fits, range_slots
from ...ir.typesys import IntType, OptionalType, Type
from ...ir.walk import Visitor
from .cexpr import CExpr, Unsupported, Where, compound, domain_values
from .layout import _c


@dataclass(frozen=True)
class Path:
    """What the statements being emitted can see (the C twin of codegen's `Ctx`)."""

    where: Where = Where()
    loops: int = 0
    terminal: str = "step"      # "step": next pc; "dtor": after an exit destructor
    next_pc: int = M.PC_DONE
    handler: int | None = None  # the signal handler whose step this is

    def end(self) -> str:
        return "continue;" if self.loops else "return;"


class CStmt(Visitor):
    covers = ("statements",)

    def __init__(self, model: M.Model, ex: CExpr) -> None:
        self.m, self.x = model, ex
        self.lines: list[str] = []

    def out(self, ind: int, text: str) -> None:
        self.lines.append("    " * ind + text)

    # ------------------------------------------------------------------ paths
    def body(self, stmts: list[M.Stmt], ind: int, p: Path, copy: bool = True) -> None:
        """A step body from its first statement: guards on the shared state, then a copy."""
        if copy:
            stmts = self.guards(stmts, ind, p)
            if not (stmts and isinstance(stmts[0], (M.Either, M.Choose))):
                self.copy(ind, "v")
        self.seq(stmts, ind, p)

    def copy(self, ind: int, source: str) -> None:
        buf = self.x.fresh("w")
        self.out(ind, f"int64_t {buf}[W]; memcpy({buf}, {source}, sizeof {buf}); v = {buf};")

    def seq(self, stmts: list[M.Stmt], ind: int, p: Path) -> None:
        """Emit `stmts`, then the end of the path; a case that returns True emitted the
        rest of the step itself (in each branch) or ended the path."""
        for i, st in enumerate(stmts):
            try:
                ended = self.visit(st, stmts[i + 1:], ind, p)
            except Unsupported as e:
                raise Unsupported(e.message, e.pos if e.pos.line else st.pos) from None
            if ended:
                return
        self.finish(ind, p, None)

    def guards(self, stmts: list[M.Stmt], ind: int, p: Path) -> list[M.Stmt]:
        n = 0
        while n < len(stmts) and isinstance(stmts[n], M.Await):
            self.visit(stmts[n], [], ind, p)
            n += 1
        return stmts[n:]

    def visit_Either(self, st: M.Either, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        saved, forks = self.x.fresh("sv"), self.x.fresh("sf")
        self.out(ind, f"{{ int64_t *{saved} = v; int {forks} = nfk; (void){forks};")
        inner = replace(p, loops=p.loops + 1)
        for block in st.blocks:
            self.out(ind + 1, f"do {{ v = {saved}; nfk = {forks};")
            body = self.guards(list(block), ind + 2, inner)
            self.copy(ind + 2, saved)
            self.seq(body + rest, ind + 2, inner)
            self.out(ind + 1, "} while (0);")
        self.out(ind, "}")
        return True

    def visit_Choose(self, st: M.Choose, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        saved, forks, i = self.x.fresh("sv"), self.x.fresh("sf"), self.x.fresh("i")
        values = domain_values(st.domain.type)
        self.out(ind, f"{{ int64_t *{saved} = v; int {forks} = nfk; (void){forks};")
        member = "1"
        if st.domain.set_expr is not None:
            mask = self.x.fresh("m")
            self.out(ind + 1, f"int64_t {mask} = {self.x.ex(st.domain.set_expr, p.where)};")
            member = f"(((uint64_t){mask} >> {i}) & 1)"
        table = self.x.fresh("dom")
        self.out(ind + 1, f"static const int64_t {table}[] = {{{', '.join(map(_c, values))}}};")
        self.out(ind + 1, f"for (int {i} = 0; {i} < {len(values)}; {i}++) {{")
        inner = replace(p, loops=p.loops + 1)
        self.out(ind + 2, f"if (!{member}) continue;")
        self.out(ind + 2, f"int64_t b{st.var.uid} = {table}[{i}]; v = {saved}; nfk = {forks};")
        if st.where is not None:
            self.out(ind + 2, f"if (!({self.x.ex(st.where, inner.where)})) continue;")
        body = self.guards(list(st.body), ind + 2, inner)
        self.copy(ind + 2, saved)
        self.seq(body + rest, ind + 2, inner)
        self.out(ind + 1, "}")
        self.out(ind, "}")
        return True

    def finish(self, ind: int, p: Path, pc: int | None) -> None:
        """End the path: the thread's next pc (None: the next step), forks, emit."""
        lay, tb = self.m.layout, p.where.tb
        if p.terminal == "step":
            target = p.next_pc if pc is None else pc
            if target in (M.PC_DONE, M.PC_FREED):
                self.exit(ind, tb, target)
            elif target == M.PC_RETURN:
                bit = 1 << p.handler  # type: ignore[operator]
                self.out(ind, f"{{ int64_t d = v[{tb} + {lay.depth}] - 1; "
                              f"v[{tb}] = v[{tb} + {lay.saved} + d]; "
                              f"v[{tb} + {lay.saved} + d] = 0; v[{tb} + {lay.depth}] = d; "
                              f"v[{tb} + {lay.active}] &= ~{bit}LL; }}")
            else:
                self.out(ind, f"v[{tb}] = {target};")
        else:  # after a destructor: finished when none is left
            self.out(ind, f"if (!(v[{tb} + {lay.dtors}] & ~FREE_BIT)) {{ v[{tb}] = "
                          f"v[{tb} + {lay.dtors}] ? {M.PC_FREED} : {M.PC_DONE}; "
                          f"clear(v, {tb} + 2, {tb} + STRIDE); }}")
        self.out(ind, f"for (int k = 0; k < nfk; k++) {{ v[fkb[k]] = v[{tb}]; "
                      f"memcpy(v + fkb[k] + 2, v + {tb} + 2, sizeof(int64_t) * (STRIDE - 2)); "
                      f"if (fks[k]) v[fkb[k] + fks[k]] = NONE; }}")
        self.out(ind, "emit(c, v);")

    def exit(self, ind: int, tb: str, final: int) -> None:
        dt = self.m.layout.dtors
        finished = f"v[{tb}] = {final}; clear(v, {tb} + 2, {tb} + STRIDE);"
        if dt is None:
            self.out(ind, finished)
            return
        lay = self.m.layout
        exiting = [f"v[{tb}] = {M.PC_EXITING};"]
        if lay.stride > lay.locals_start:  # the thread function has returned
            exiting.append(f"clear(v, {tb} + {lay.locals_start}, {tb} + STRIDE);")
        if final == M.PC_FREED:
            exiting.append(f"v[{tb} + {dt}] |= FREE_BIT;")
        self.out(ind, f"if (v[{tb} + {dt}]) {{ {' '.join(exiting)} }} else {{ {finished} }}")

    def fail(self, ind: int, p: Path, prop: str) -> None:
        self.out(ind, f"{{ happen(c, H_FAIL, {self.prop_id(prop)}); {p.end()} }}")

    def prop_id(self, name: str) -> int:
        return next(k for k, prop in enumerate(self.m.properties) if prop.name == name)

    # ------------------------------------------------------------- statements
    def visit_Assign(self, st: M.Assign, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        self.assign(st.target, st.value, ind, p)
        return False

    def visit_Let(self, st: M.Let, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        self.out(ind, f"int64_t b{st.var.uid} = {self.x.ex(st.value, p.where)};")
        return False

    def visit_Await(self, st: M.Await, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        self.out(ind, f"if (!({self.x.ex(st.cond, p.where)})) {p.end()}")
        return False

    def visit_Assert(self, st: M.Assert, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        self.out(ind, f"if (!({self.x.ex(st.cond, p.where)}))")
        self.fail(ind + 1, p, st.prop)
        return False

    def visit_If(self, st: M.If, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        """A branching `if` continues the step in each arm; a deterministic one is a C if
        whose arms end their paths themselves at a goto or exit."""
        branching = M.branches(st.then) or M.branches(st.other)
        self.out(ind, f"if ({self.x.ex(st.cond, p.where)}) {{")
        if branching:
            self.seq(list(st.then) + rest, ind + 1, p)
        for s in [] if branching else st.then:
            self.visit(s, [], ind + 1, p)
        self.out(ind, "} else {")
        if branching:
            self.seq(list(st.other) + rest, ind + 1, p)
        for s in [] if branching else st.other:
            self.visit(s, [], ind + 1, p)
        self.out(ind, "}")
        return branching

    def visit_Goto(self, st: M.Goto, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        self.out(ind, "{")
        self.finish(ind + 1, p, st.pc)
        self.out(ind + 1, p.end())
        self.out(ind, "}")
        return True

    def visit_Exit(self, st: M.Exit, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        self.out(ind, "{")
        self.finish(ind + 1, p, M.PC_FREED if st.free else M.PC_DONE)
        self.out(ind + 1, p.end())
        self.out(ind, "}")
        return True

    def visit_Free(self, st: M.Free, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        t = self.x.fresh("f")
        self.out(ind, f"int64_t {t} = {self.x.ex(st.thread, p.where)};")
        self.out(ind, f"if (v[TB + {t} * STRIDE] != {M.PC_DONE})")
        self.fail(ind + 1, p, "bounds")
        self.out(ind, f"v[TB + {t} * STRIDE] = {M.PC_FREED};")
        return False

    def visit_SigOp(self, st: M.SigOp, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        lay = self.m.layout
        slot = {"install": lay.installed, "uninstall": lay.installed, "mask": lay.masked,
                "unmask": lay.masked, "on_exit": lay.dtors}[st.op]
        bit = f"{1 << st.index}LL"
        op = f"|= {bit}" if st.op in ("install", "mask", "on_exit") else f"&= ~{bit}"
        self.out(ind, f"v[{p.where.tb} + {slot}] {op};")
        return False

    def visit_Spawn(self, st: M.Spawn, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        t = self.m.templates[st.template]
        child = self.allocate(ind, p)
        base = self.x.fresh("cb")
        self.out(ind, f"int64_t {base} = TB + {child} * STRIDE;")
        args = []
        for a in st.args:
            args.append(self.x.fresh("a"))
            self.out(ind, f"int64_t {args[-1]} = {self.x.ex(a, p.where)};")
        self.out(ind, f"v[{base}] = {t.steps[0].pc}; "
                      f"v[{base} + 1] = {p.where.me if st.parent else 'NONE'};")
        lay = self.m.layout
        if st.parent and lay.installed is not None:  # handlers and mask carry over
            for slot in (lay.installed, lay.masked):
                self.out(ind, f"v[{base} + {slot}] = v[{p.where.tb} + {slot}];")
        for param, a in zip(t.params, args):
            self.check_range(param.type, a, ind, p)
            self.out(ind, f"v[{base} + {param.slot}] = {a};")
        child_path = replace(p, where=replace(p.where, tb=base, me=child))
        for tl in self.m.thread_locals:
            assert tl.init is not None
            self.assign(M.TlsPlace(tl.type, tl.name, tl.slot, None), tl.init, ind, child_path)
        for loc in t.locals:
            assert loc.init is not None
            self.assign(M.LocalPlace(loc.type, loc.name, loc.slot), loc.init, ind, child_path)
        self.keep_child(st.target, child, ind, p)
        return False

    def visit_Fork(self, st: M.Fork, rest: list[M.Stmt], ind: int, p: Path) -> bool:
        child = self.allocate(ind, p)
        self.out(ind, f"v[TB + {child} * STRIDE] = -1; v[TB + {child} * STRIDE + 1] = "
                      f"{p.where.me};")
        own = isinstance(st.target, M.LocalPlace) or \
            isinstance(st.target, M.TlsPlace) and st.target.thread is None
        slot = st.target.slot if own else 0  # type: ignore[union-attr]
        self.out(ind, f"fkb[nfk] = TB + {child} * STRIDE; fks[nfk] = {slot}; nfk++;")
        self.keep_child(st.target, child, ind, p)
        return False

    def allocate(self, ind: int, p: Path) -> str:
        child = self.x.fresh("ch")
        self.out(ind, f"int64_t {child} = alloc_id(v);")
        self.out(ind, f"if ({child} < 0) {{ happen(c, H_BOUND, -1); {p.end()} }}")
        return child

    def keep_child(self, target: M.TExpr | None, child: str, ind: int, p: Path) -> None:
        if isinstance(target, M.Bound):
            self.out(ind, f"int64_t b{target.uid} = {child};")
        elif target is not None:
            self.out(ind, f"v[{self.x.offset(target, p.where)}] = {child};")

    # ------------------------------------------------------------ assignment
    def assign(self, target: M.TExpr, value: M.TExpr, ind: int, p: Path) -> None:
        """Evaluate, check the target's ranges (a `bounds` failure), then store."""
        if compound(target.type):
            width = target.type.width()
            tmp = self.x.fresh("t")
            self.out(ind, f"int64_t {tmp}[{width}]; {self.x.fill(value, tmp, p.where)}")
            checks = range_slots(target.type)
            if checks and not fits(value, target.type):
                test = " || ".join(f"({tmp}[{k}] != NONE && ({tmp}[{k}] < {_c(lo)} || "
                                   f"{tmp}[{k}] > {_c(hi)}))" for k, lo, hi in checks)
                self.out(ind, f"if ({test})")
                self.fail(ind + 1, p, "bounds")
            self.out(ind, f"memcpy(v + {self.x.offset(target, p.where)}, {tmp}, sizeof {tmp});")
            return
        tmp = self.x.fresh("t")
        self.out(ind, f"int64_t {tmp} = {self.x.ex(value, p.where)};")
        if range_slots(target.type) and not fits(value, target.type):
            self.check_range(target.type, tmp, ind, p)
        self.out(ind, f"v[{self.x.offset(target, p.where)}] = {tmp};")

    def check_range(self, t: Type, code: str, ind: int, p: Path) -> None:
        inner = t.inner if isinstance(t, OptionalType) else t
        if isinstance(inner, IntType) and inner.lo is not None:
            test = f"{code} < {_c(inner.lo)} || {code} > {_c(inner.hi)}"  # type: ignore[arg-type]
            if isinstance(t, OptionalType):
                test = f"{code} != NONE && ({test})"
            self.out(ind, f"if ({test})")
            self.fail(ind + 1, p, "bounds")
