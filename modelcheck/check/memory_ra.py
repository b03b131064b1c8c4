"""Release/acquire as plain statements: the operational view-based model with one total
order of the stores to each location that follows the order in which they run (strong
release/acquire, SRA, of Lahav, Giannarakis and Vafeiadis, POPL 2016).

Each atomic variable x keeps its history of messages (`x_msgs`, `x_count` of them; message 0
is the initial value) and, per message, the view its store released (`x_mview_y`: how far
into y's history a thread that acquires this message must read). Each thread has a view
`view_x`: the oldest message of x it may still read. A load chooses any message from its view
on (shown in traces as `x message = k`) and moves its view there; an acquiring load also
takes the message's released view. A store appends a message after every other (its view:
the thread's view when releasing, none when relaxed). A read-modify-write step reads the
newest message. A `fence` or a `seq_cst` access meets the global `sc_view_x`, both ways. The
variable x itself holds the newest message, which is what invariants read.

SRA differs from C11 release/acquire only when two threads store to the same location
without synchronising (2+2W is forbidden here, allowed in RA); relaxed accesses cannot read
from a store that is later in program order (no load buffering, as in RC11). A store that
finds the history full fails the assertion MEMORY-BOUND.
"""

from __future__ import annotations

from dataclasses import replace

from ..lang import syntax as S
from ..lang.errors import NOWHERE, Pos, SpecError
from .memory_base import ScLowering, StepInfo, assign, binary, fresh_names, name, num


class RaLowering(ScLowering):
    """Message histories of `bound + 1` messages per atomic variable, and views."""

    def __init__(self, atomics: dict[str, S.VarDecl], bound: int) -> None:
        super().__init__(atomics, bound)
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
        new = S.Index(pos, name(pos, f"{var}_msgs"), count)
        out: list[S.Stmt] = [
            S.Assert(pos, binary(pos, "<", count, num(pos, self.size)),
                     f"history of {var} full ({self.size - 1} stores): raise option "
                     "memory_bound", "MEMORY-BOUND"),
            S.Assign(pos, new, value)]
        for y in self.atomics:
            if y != var:
                seen = num(pos, 0) if order == "relaxed" else name(pos, f"view_{y}")
                out.append(S.Assign(pos, S.Index(pos, name(pos, f"{var}_mview_{y}"), count), seen))
        out += [assign(pos, var, new), assign(pos, f"view_{var}", count),
                assign(pos, f"{var}_count", binary(pos, "+", count, num(pos, 1)))]
        return out + self.fence(pos) if order == "seq_cst" else out

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

