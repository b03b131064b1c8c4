"""Release/acquire as plain statements: C11's release/acquire in the operational,
view-based form (as in Kang et al.'s promising semantics without promises, or the
timestamp machines of Lahav, Giannarakis and Vafeiadis, POPL 2016).

Each atomic variable x keeps its history of messages in modification order (`x_msgs`,
`x_count` of them; message 0 is the initial value) and, per message, the view its store
released (`x_mview_y`: how far into y's history a thread that acquires this message must
read). Each thread has a view `view_x`: the oldest message of x it may still read. A load
chooses any message from its view on (traces show `x message = k`) and moves its view there;
an acquiring load also takes the message's released view. A store goes anywhere after the
messages its thread has seen (`x stored at = k`): the messages from k on, and every view
pointing at one of them, move up one, so positions stay dense and the state finite. Its
released view is the thread's (release) or nothing (relaxed). A read-modify-write step reads
the last message and goes right after it. A `fence` or a `seq_cst` access meets the global
`sc_view_x`, both ways. The variable x itself holds the last message, which is what
invariants read. A spawned thread starts with its creator's views.

Coarser than C11: an RMW never reads an older message (C11 allows it when no other RMW read
that one); relaxed accesses cannot read from a store later in program order (no load
buffering, as in RC11). A store that finds the history full fails the assertion
MEMORY-BOUND.
"""

from __future__ import annotations

from dataclasses import replace

from ..lang import syntax as S
from ..lang.errors import NOWHERE, Pos, SpecError
from .memory_base import ScLowering, StepInfo, assign, binary, fresh_names, name, num


class RaLowering(ScLowering):
    """Message histories of `bound + 1` messages per atomic variable, and views."""

    def __init__(self, atomics: dict[str, S.VarDecl], bound: int, pool: int = 1) -> None:
        super().__init__(atomics, bound)
        self.pool = pool  # thread ids whose views a store in the middle moves
        self.size = bound + 1
        self.spawns = 0

    def declare(self, spec: S.Spec) -> S.Spec:
        p = NOWHERE
        last = num(p, self.size - 1)
        pos_type = S.RangeTypeExpr(p, num(p, 0), last)
        new_vars: list[S.VarDecl] = []
        for x, v in self.atomics.items():
            if v.choice:
                raise SpecError("under release_acquire an atomic variable has one initial "
                                "value", v.pos)
            new_vars += [
                S.VarDecl(f"{x}_msgs", S.ArrayTypeExpr(p, pos_type, v.type),
                          S.ArrayLit(p, (v.init,)), False, p),
                S.VarDecl(f"{x}_count", S.RangeTypeExpr(p, num(p, 1), num(p, self.size)),
                          num(p, 1), False, p),
                S.VarDecl(f"sc_view_{x}", pos_type, num(p, 0), False, p)]
            new_vars += [S.VarDecl(f"{x}_mview_{y}", S.ArrayTypeExpr(p, pos_type, pos_type),
                                   S.ArrayLit(p, (num(p, 0),)), False, p)
                         for y in self.atomics if y != x]
        tls = [(f"view_{x}", pos_type, num(p, 0), p) for x in self.atomics]
        fresh_names(spec, [v.name for v in new_vars] + [t[0] for t in tls])
        return replace(spec, vars=[*spec.vars, *new_vars],
                       thread_locals=[*spec.thread_locals, *tls])

    def read(self, var: str, order: str | None, step: StepInfo,
             pos: Pos) -> tuple[list[S.Stmt], S.Expr]:
        view = name(pos, f"view_{var}")
        out = self.fence(pos) if order == "seq_cst" else []
        count = name(pos, f"{var}_count")
        if var in step.rmw or step.label is None:
            out.append(assign(pos, view.id, binary(pos, "-", count, num(pos, 1))))
        else:
            msg = f"{var} message"
            where = binary(pos, "&&", binary(pos, ">=", name(pos, msg), view),
                           binary(pos, "<", name(pos, msg), count))
            out.append(S.Choose(pos, msg, S.RangeDomain(pos, num(pos, 0), num(pos, self.size - 1)),
                                where, (assign(pos, view.id, name(pos, msg)),)))
        if order != "relaxed":
            for y in self.atomics:
                if y != var:
                    released = S.Index(pos, name(pos, f"{var}_mview_{y}"), view)
                    out.append(self._raise(pos, f"view_{y}", released))
        return out, S.Index(pos, name(pos, f"{var}_msgs"), view)

    def write(self, var: str, value: S.Expr, order: str | None, step: StepInfo,
              pos: Pos) -> list[S.Stmt]:
        count = name(pos, f"{var}_count")
        out: list[S.Stmt] = [
            S.Assert(pos, binary(pos, "<", count, num(pos, self.size)),
                     f"history of {var} full ({self.size - 1} stores): raise option "
                     "memory_bound", "MEMORY-BOUND")]
        if var in step.rmw or step.label is None:  # right after the newest, which it read
            out += self._insert(var, value, order, count, False, pos)
        else:  # anywhere after the messages this thread has seen
            at = f"{var} stored at"
            where = binary(pos, "&&", binary(pos, ">", name(pos, at), name(pos, f"view_{var}")),
                           binary(pos, "<=", name(pos, at), count))
            out.append(S.Choose(pos, at, S.RangeDomain(pos, num(pos, 1), num(pos, self.size - 1)),
                                where, tuple(self._insert(var, value, order, name(pos, at),
                                                          True, pos))))
        return out + self.fence(pos) if order == "seq_cst" else out

    def _insert(self, var: str, value: S.Expr, order: str | None, at: S.Expr, shift: bool,
                pos: Pos) -> list[S.Stmt]:
        """The new message at position `at` of var's history; with `shift`, the messages
        from `at` on move up one, and so does every view that points at one of them."""
        others = [y for y in self.atomics if y != var]
        msgs, out = name(pos, f"{var}_msgs"), []
        if shift:
            count = name(pos, f"{var}_count")
            for j in range(self.size - 1, 0, -1):
                moved = [S.Assign(pos, S.Index(pos, name(pos, a), num(pos, j)),
                                  S.Index(pos, name(pos, a), num(pos, j - 1)))
                         for a in [msgs.id, *(f"{var}_mview_{y}" for y in others)]]
                test = binary(pos, "&&", binary(pos, ">", num(pos, j), at),
                              binary(pos, "<=", num(pos, j), count))
                out.append(S.If(pos, ((test, tuple(moved)),), ()))
            for t in range(self.pool):
                view = S.TlsOf(pos, f"view_{var}", num(pos, t))
                out.append(self._bump(pos, view, at, S.Call(pos, "alive", (num(pos, t),))))
            for y in others:
                for k in range(self.size):
                    out.append(self._bump(pos, S.Index(pos, name(pos, f"{y}_mview_{var}"),
                                                       num(pos, k)), at))
            out.append(self._bump(pos, name(pos, f"sc_view_{var}"), at))
        out.append(S.Assign(pos, S.Index(pos, msgs, at), value))
        for y in others:
            seen = num(pos, 0) if order == "relaxed" else name(pos, f"view_{y}")
            out.append(S.Assign(pos, S.Index(pos, name(pos, f"{var}_mview_{y}"), at), seen))
        newest = S.Index(pos, msgs, name(pos, f"{var}_count"))
        return [*out, assign(pos, f"view_{var}", at), assign(pos, var, newest),
                assign(pos, f"{var}_count", binary(pos, "+", name(pos, f"{var}_count"),
                                                   num(pos, 1)))]

    def _bump(self, pos: Pos, place: S.Expr, at: S.Expr, guard: S.Expr | None = None) -> S.Stmt:
        """`place` moves up one if it points at or past `at`."""
        test: S.Expr = binary(pos, ">=", place, at)
        if guard is not None:
            test = binary(pos, "&&", guard, test)
        return S.If(pos, ((test, (S.Assign(pos, place, binary(pos, "+", place, num(pos, 1))),)),),
                    ())

    def start(self, s: S.Stmt, step: StepInfo) -> list[S.Stmt]:
        """A spawned thread starts with its creator's views (a forked one copies them)."""
        if not isinstance(s, S.Spawn):
            return [s]
        if s.target is None and s.bind is None:
            self.spawns += 1
            s = replace(s, bind=f"spawned_{self.spawns}")
        child = s.target if s.target is not None else name(s.pos, s.bind or "")
        return [s, *(S.Assign(s.pos, S.TlsOf(s.pos, f"view_{x}", child), name(s.pos, f"view_{x}"))
                     for x in self.atomics)]

    def fence(self, pos: Pos) -> list[S.Stmt]:
        out: list[S.Stmt] = []
        for x in self.atomics:
            out += [self._raise(pos, f"view_{x}", name(pos, f"sc_view_{x}")),
                    assign(pos, f"sc_view_{x}", name(pos, f"view_{x}"))]
        return out

    def _raise(self, pos: Pos, view: str, to: S.Expr) -> S.Stmt:
        return S.If(pos, ((binary(pos, ">", to, name(pos, view)), (assign(pos, view, to),)),), ())

