"""Total store order (x86-TSO) as plain statements: a FIFO store buffer per thread.

Each thread gets `memory_bound` buffer entries as thread-locals (`sb0_x`, `sb1_x`, ...: the
value an entry holds for x, `none` when the entry is not a store to x) and their count
`sb_len`. A store appends an entry; a load takes the newest buffered store to that variable
if there is one (store-to-load forwarding), else memory. Every step of a thread gets extra
branches `flush x` that move the oldest entry to memory and stay at the same step, so a
buffered store reaches memory between any two steps, in order (a step gets the branches only
for variables its thread's buffer may hold there). A fence, a `seq_cst` store, `spawn` and
`fork` drain the buffer at once: the same states as flushing entry by entry right before,
which the flush branches also reach. A finishing thread waits at a step of its own, `sb_exit`,
until its buffer is empty (its thread-locals go when it finishes). A step that loads an
atomic variable and then stores to it is a locked read-modify-write: it drains the buffer
first and its stores to that variable go straight to memory. A store that finds the buffer
full fails the assertion STORE-BUFFER, so a bound too small is reported rather than hiding
behaviours.
"""

from __future__ import annotations

from dataclasses import replace

from ..lang import syntax as S
from ..lang.errors import NOWHERE, Pos, SpecError
from .memory_base import ScLowering, StepInfo, all_stmts, assign, binary, fresh_names, name, num

LEN = "sb_len"
EXIT = "sb_exit"  # the step where a finishing thread waits for its buffer to drain
FREE = "sb_free"  # the same for `free self`


class TsoLowering(ScLowering):
    """Store buffers for the atomic variables, `bound` entries a thread."""

    def __init__(self, atomics: dict[str, S.VarDecl], bound: int) -> None:
        super().__init__(atomics, bound)
        self.k = bound
        self.handler_stores: set[str] = set()  # a handler's stores join any thread's buffer
        self.step_stores: dict[str, set[str]] = {}  # of the template being rewritten, by label
        self.draining: set[str] = set()  # its steps that drain the buffer when they run
        self.entry_label = ""  # the first step of the handler being rewritten

    def _slot(self, i: int, var: str) -> str:
        return f"sb{i}_{var}"

    def declare(self, spec: S.Spec) -> S.Spec:
        for v in self.atomics.values():
            if isinstance(v.type, S.OptionalTypeExpr):  # `none` marks an entry for another
                raise SpecError(f"under tso an atomic variable cannot be optional: use a "
                                f"sentinel value for '{v.name}'", v.pos)
        slots = [(self._slot(i, x), v) for i in range(self.k) for x, v in self.atomics.items()]
        fresh_names(spec, [LEN] + [s for s, _ in slots])
        p = NOWHERE
        tls = [(LEN, S.RangeTypeExpr(p, num(p, 0), num(p, self.k)), num(p, 0), p)]
        tls += [(s, S.OptionalTypeExpr(p, v.type), S.NoneLit(p), p) for s, v in slots]
        return replace(spec, thread_locals=[*spec.thread_locals, *tls])

    def read(self, var: str, order: str | None, step: StepInfo,
             pos: Pos) -> tuple[list[S.Stmt], S.Expr]:
        e: S.Expr = name(pos, var)
        for i in range(self.k):  # the newest entry is tested first
            slot = self._slot(i, var)
            e = S.Cond(pos, binary(pos, "!=", name(pos, slot), S.NoneLit(pos)), name(pos, slot), e)
        return [], e

    def write(self, var: str, value: S.Expr, order: str | None, step: StepInfo,
              pos: Pos) -> list[S.Stmt]:
        if var in step.rmw or step.label is None:
            return [assign(pos, var, value)]
        if step.in_thread:
            self.step_stores.setdefault(step.label, set()).add(var)
        else:
            self.handler_stores.add(var)
        branches = tuple(
            (binary(pos, "==", name(pos, LEN), num(pos, i)),
             (assign(pos, self._slot(i, var), value), assign(pos, LEN, num(pos, i + 1))))
            for i in range(self.k))
        full = S.Assert(pos, S.BoolLit(pos, False),
                        f"store buffer full ({self.k} entries): raise option memory_bound",
                        "STORE-BUFFER")
        out: list[S.Stmt] = [S.If(pos, branches, (full,))]
        return out + self.fence(pos) if order == "seq_cst" else out

    def fence(self, pos: Pos) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for i in range(self.k):
            for x in self.atomics:
                slot = name(pos, self._slot(i, x))
                test = binary(pos, "!=", slot, S.NoneLit(pos))
                out.append(S.If(pos, ((test, (assign(pos, x, slot),)),), ()))
        return [S.If(pos, ((binary(pos, ">", name(pos, LEN), num(pos, 0)),
                            tuple(out + self._clear(pos, range(self.k))
                                  + [assign(pos, LEN, num(pos, 0))])),), ())]

    def end(self, s: S.Stmt, step: StepInfo) -> list[S.Stmt]:
        """A thread's end waits (at a step of its own) until its buffer is empty, since its
        thread-locals go with it; a handler's `exit` drains it at once."""
        if not step.in_thread:
            return [*self.fence(s.pos), s]
        return [S.Goto(s.pos, EXIT if isinstance(s, S.Exit) else FREE)]

    def start(self, s: S.Stmt, step: StepInfo) -> list[S.Stmt]:
        """The creator's buffer drains first: the new thread sees its stores (and `fork`
        would copy the buffer)."""
        return [*self.fence(s.pos), s]

    def template(self, t: S.ThreadDecl) -> S.ThreadDecl:
        """The template with its end steps, each step with a `flush x` branch for every x
        its buffer may hold there."""
        for st in t.steps:
            if st.label in (EXIT, FREE):
                raise SpecError(f"'{st.label}' is a step the memory model adds; rename it", st.pos)
        p = t.pos
        empty = S.Await(p, binary(p, "==", name(p, LEN), num(p, 0)))
        ends = [S.StepDecl(EXIT, (empty,), p)]
        if f"label='{FREE}'" in repr(t.steps):
            ends.append(S.StepDecl(FREE, (empty, S.Free(p, S.SelfRef(p))), p))
        steps = [*t.steps, *ends]
        held = self._buffered(steps)
        self.step_stores, self.draining = {}, set()
        return replace(t, steps=tuple(replace(st, body=self._with_flushes(
            st.body, [x for x in self.atomics if x in held[st.label]], st.label, st.pos))
            for st in steps))

    def _buffered(self, steps: list[S.StepDecl]) -> dict[str, set[str]]:
        """The variables a thread's buffer may hold when it is at each step: the stores of
        every step before it on some path (falling through or `goto`) since the last locked
        step, and of handlers; an over-approximation (fences inside a step are ignored), so
        no flush is left out."""
        labels = [st.label for st in steps]
        succ = {st.label: {g.label for g in all_stmts(st.body) if isinstance(g, S.Goto)} |
                ({labels[k + 1]} if k + 1 < len(labels) else set())
                for k, st in enumerate(steps)}
        held = {label: set(self.handler_stores) for label in labels}
        changed = True
        while changed:
            changed = False
            for label in labels:
                before = set() if label in self.draining else held[label]
                out = before | self.step_stores.get(label, set()) | self.handler_stores
                for nxt in succ[label]:
                    if not out <= held[nxt]:
                        held[nxt] |= out
                        changed = True
        return held

    def step(self, body: tuple[S.Stmt, ...], step: StepInfo, pos: Pos) -> tuple[S.Stmt, ...]:
        if step.rmw or step.label is None:
            body = (*self.fence(pos), *body)
            if step.in_thread and step.label is not None:
                self.draining.add(step.label)
        if step.label is None or step.in_thread:  # a thread's steps get flushes in `template`
            return body
        if step.entry:
            # the signal's delivery runs this step: a thread is never waiting at it, unless
            # a goto comes back, and there it could not flush
            self.entry_label = step.label
        if any(isinstance(g, S.Goto) and g.label == self.entry_label for g in all_stmts(body)):
            raise SpecError("under tso a handler cannot go back to its first step (a thread "
                            "waiting there could not flush its stores): add a step before "
                            "the loop", pos)
        if step.entry:
            return body
        return self._with_flushes(body, list(self.atomics), step.label, pos)

    def _with_flushes(self, body: tuple[S.Stmt, ...], held: list[str], label: str,
                      pos: Pos) -> tuple[S.Stmt, ...]:
        if not held:
            return body
        flushes = tuple(self._flush(x, label, pos) for x in held)
        return (S.Either(pos, (body, *flushes), ("", *(f"flush {x}" for x in held))),)

    def _flush(self, var: str, label: str, pos: Pos) -> tuple[S.Stmt, ...]:
        head = name(pos, self._slot(0, var))
        moves = [assign(pos, self._slot(i, x), name(pos, self._slot(i + 1, x)))
                 for i in range(self.k - 1) for x in self.atomics]
        return (S.Await(pos, binary(pos, "!=", head, S.NoneLit(pos))), assign(pos, var, head),
                *moves, *self._clear(pos, [self.k - 1]),
                assign(pos, LEN, binary(pos, "-", name(pos, LEN), num(pos, 1))), S.Goto(pos, label))

    def _clear(self, pos: Pos, entries: range | list[int]) -> list[S.Stmt]:
        return [assign(pos, self._slot(i, x), S.NoneLit(pos))
                for i in entries for x in self.atomics]
