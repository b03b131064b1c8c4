"""Statements and paths: the body of one step function.

A step is straight-line code until an `either` or `choose`. Those become loops (one
pass per `either` branch, one iteration per chosen value) and the rest of the step is
emitted inside them, so every path through the step is a run of statements ending in
exactly one result: the successor state, a failure, or nothing (an `await` that does
not hold). This part holds that structure: which statements split a path, where each
path starts from (every loop iteration works on its own copy of the state list) and how
it ends. What a statement does to a thread's lifetime or signals is `OsPrimitives`'
job, computing a value the expression compiler's. It is a `Visitor` covering every
statement, so a statement added to the language is a missing case here.
"""

from __future__ import annotations

from dataclasses import replace

from ...ir import model as M
from ...ir.walk import Visitor
from .context import Ctx
from .os_primitives import OsPrimitives


class StatementEmitter(OsPrimitives, Visitor):
    """`visit(st, rest, ind, ctx)` emits statement `st`, with `rest` the statements after it
    on the path, and returns True when it emitted the end of the path itself (a statement
    that splits the path emits `rest` in every branch; goto and exit end it)."""

    covers = ("statements",)

    def step_function(self, name: str, body: tuple[M.Stmt, ...], ctx: Ctx,
                      prologue: tuple[str, ...] = ()) -> None:
        """A function `name` running `body` from state `s`, after `prologue` (a handler's
        entry or a destructor's: it starts from a copy of the state)."""
        self.out(0, f"def {name}({ctx.params}):")
        ind = 1
        if ctx.labelled:  # replay for traces: report a failed evaluation with its choices
            self.out(1, "v, _ch = s, ()")
            self.out(1, "try:")
            ind = 2
        if ctx.tb == "tb":
            self.out(ind, "tb = TB + me * STRIDE")
        if not prologue:  # guards read the state tuple itself: a disabled step copies nothing
            self.out(ind, "v = s")
            body = tuple(self.guards(list(body), ind, ctx))
        if prologue or not (body and isinstance(body[0], (M.Either, M.Choose))):
            self.out(ind, "v = list(s)")  # else each branch copies the tuple itself
        for line in prologue:
            self.out(ind, line)
        if ctx.forks:
            self.out(ind, "_fk = ()")
        self.seq(list(body), ind, ctx)
        if ctx.labelled:
            self.out(1, "except EvalError as _e:")
            self.out(2, "yield (Failure('runtime', _e.message, tuple(v)), _ch)")

    def seq(self, stmts: list[M.Stmt], ind: int, ctx: Ctx) -> None:
        """Emit `stmts`, then the end of the step; nondeterminism nests the rest."""
        for i, st in enumerate(stmts):
            if self.visit(st, stmts[i + 1:], ind, ctx):
                return
        self.finish(ind, ctx, None)

    def body(self, stmts: list[M.Stmt], ind: int, ctx: Ctx) -> None:
        """A deterministic block inside an `if`; goto/exit end the path themselves."""
        if not stmts:
            self.out(ind, "pass")
        for st in stmts:
            self.visit(st, [], ind, ctx)

    def guards(self, stmts: list[M.Stmt], ind: int, ctx: Ctx) -> list[M.Stmt]:
        """Emit the leading awaits (they only read) and return the statements after them."""
        n = 0
        while n < len(stmts) and isinstance(stmts[n], M.Await):
            self.visit(stmts[n], [], ind, ctx)
            n += 1
        return stmts[n:]

    def finish(self, ind: int, ctx: Ctx, pc: int | None) -> None:
        """End the path: set the next pc (None: fall through) and yield the state."""
        if ctx.terminal == "step":
            target = ctx.next_pc if pc is None else pc
            if target in (M.PC_DONE, M.PC_FREED):
                self.exit_thread(ind, ctx.tb, target)
            elif target == M.PC_RETURN:
                self.return_from_handler(ind, ctx)
            else:
                self.out(ind, f"v[{ctx.tb}] = {target}")
        elif ctx.terminal == "dtor":
            self.end_destructor(ind, ctx.tb)
        if ctx.forks:
            self.copy_forks(ind, ctx.tb)
        self.out(ind, ctx.give("tuple(v)", state=True))

    # --------------------------------------------------------- statements
    def visit_Assign(self, st: M.Assign, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        self.assign(st.target, st.value, ind, ctx)
        return False

    def visit_Let(self, st: M.Let, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        self.out(ind, f"{self.names.bind(st.var)} = {self.ex(st.value, ctx)}")
        return False

    def visit_Await(self, st: M.Await, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        self.out(ind, f"if not {self.ex(st.cond, ctx)}:")
        self.out(ind + 1, ctx.end_path())
        return False

    def visit_Assert(self, st: M.Assert, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        self.out(ind, f"if not {self.ex(st.cond, ctx)}:")
        self.fail(ind + 1, ctx, st.prop, repr(st.message))
        return False

    def visit_If(self, st: M.If, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        """An `if` with an either or choose inside takes the rest of the path into both
        sides; any other is an ordinary Python `if`."""
        self.out(ind, f"if {self.ex(st.cond, ctx)}:")
        if M.branches(st.then) or M.branches(st.other):
            self.seq(list(st.then) + rest, ind + 1, ctx)
            self.out(ind, "else:")
            self.seq(list(st.other) + rest, ind + 1, ctx)
            return True
        self.body(list(st.then), ind + 1, ctx)
        if st.other:
            self.out(ind, "else:")
            self.body(list(st.other), ind + 1, ctx)
        return False

    def visit_Goto(self, st: M.Goto, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        self.finish(ind, ctx, st.pc)
        if not ctx.straight:
            self.out(ind, ctx.end_path())
        return True

    def visit_Exit(self, st: M.Exit, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        self.finish(ind, ctx, M.PC_FREED if st.free else M.PC_DONE)
        if not ctx.straight:
            self.out(ind, ctx.end_path())
        return True

    def visit_Either(self, st: M.Either, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        """Each branch in a one-pass loop of its own, so `continue` abandons just it; its
        leading awaits run before the state is copied."""
        saved = self.fresh("_sv")
        self.save(saved, ind, ctx)
        inner = replace(ctx, loops=ctx.loops + 1)
        for k, block in enumerate(st.blocks):
            self.out(ind, "for _ in ONCE:")
            self.out(ind + 1, f"v = {saved}")
            body = self.branch(saved, block, ind + 1, inner, f"('either', {k + 1}, {st.names!r})")
            self.seq(body + rest, ind + 1, inner)
        return True

    def visit_Choose(self, st: M.Choose, rest: list[M.Stmt], ind: int, ctx: Ctx) -> bool:
        """One loop iteration per value of the domain (that passes `where`)."""
        saved = self.fresh("_sv")
        var = self.names.bind(st.var)
        self.save(saved, ind, ctx)
        self.out(ind, f"for {var} in {self.expr.domain(st.domain, ctx)}:")
        inner = replace(ctx, loops=ctx.loops + 1)
        self.out(ind + 1, f"v = {saved}")
        if st.where is not None:
            self.out(ind + 1, f"if not {self.ex(st.where, inner)}:")
            self.out(ind + 2, "continue")
        body = self.branch(saved, st.body, ind + 1, inner,
                           f"({st.var.name!r}, {var}, {st.var.uid})")
        self.seq(body + rest, ind + 1, inner)
        return True

    def branch(self, saved: str, block: tuple[M.Stmt, ...], ind: int, ctx: Ctx,
               choice: str) -> list[M.Stmt]:
        """The start of one loop iteration: the block's leading awaits read the saved state,
        then the iteration takes its own copy of it, of the forks and of the choices (the
        labelled flavour adds `choice`). Returns the rest of the block."""
        body = self.guards(list(block), ind, ctx)
        self.out(ind, f"v = list({saved})")
        if ctx.forks:
            self.out(ind, f"_fk = {saved}_fk")
        if ctx.labelled:
            self.out(ind, f"_ch = {saved}_ch + ({choice},)")
        return body

    def save(self, saved: str, ind: int, ctx: Ctx) -> None:
        """Snapshot what each loop iteration must start from."""
        self.out(ind, f"{saved} = v")
        if ctx.labelled:
            self.out(ind, f"{saved}_ch = _ch")
        if ctx.forks:
            self.out(ind, f"{saved}_fk = _fk")
