"""Signal handlers and exit destructors in the unbounded encoding, as the engines run them.

The explicit engine keeps a thread's signal state in runtime slots of its block
(`ir.model.ThreadLayout`: bitmasks of installed, masked and running handlers, the
nesting depth, a stack of interrupted pcs, the registered destructors) and its
generated code (`backends/python/os_primitives.py`) enters a handler between any
two steps of a thread, returns from it, and runs destructors one step each once
the thread exits. Here the same slots are per-thread arrays over the thread sort
(`unbounded_state.runtime_slots`), one per bit, so every rule below is the
engine's with the thread id left symbolic and a proof over them holds for every
number of threads.

An `Action` is one thing a thread can do in one transition: a step of a template
or handler, entering a handler (its first step runs as that transition, so an
`await` there is the delivery condition), or running one registered destructor.
`wellformed` states what the engine's rules keep true of these slots, which
`mcheck prove` checks is inductive before assuming it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import z3

from ..ir import model as M
from .unbounded_state import State, tid_sort


@dataclass(frozen=True)
class Action:
    """One kind of transition of a thread, named as the trace shows it."""

    name: str
    body: tuple[M.Stmt, ...]
    fallthrough: int               # the pc after the body when it ends without goto/exit
    pc: int | None = None          # the step the thread stands at (a plain step)
    handler: int | None = None     # the handler whose code this is (PC_RETURN returns)
    enter: M.Template | None = None  # entering this handler
    destructor: M.Destructor | None = None  # running this destructor


def actions(m: M.Model) -> list[Action]:
    """Every action of the model, steps first, in the order the engine lists results."""
    out = []
    for t in [*m.templates.values(), *m.handlers]:
        last = M.PC_RETURN if t.kind == "handler" else M.PC_DONE
        handler = t.index if t.kind == "handler" else None
        for i, step in enumerate(t.steps):
            nxt = t.steps[i + 1].pc if i + 1 < len(t.steps) else last
            out.append(Action(f"{t.name}.{step.label}", step.body, nxt, step.pc, handler))
    for h in m.handlers:
        nxt = h.steps[1].pc if len(h.steps) > 1 else M.PC_RETURN
        out.append(Action(f"{h.name}.{h.steps[0].label} [enter]", h.steps[0].body, nxt,
                          handler=h.index, enter=h))
    for d in m.destructors:
        out.append(Action(f"destructor {d.name}", d.body, M.PC_EXITING, destructor=d))
    return out


def _at(s: State, name: str, me: z3.ExprRef, value: z3.ExprRef | bool | int) -> State:
    return replace(s, sig={**s.sig, name: z3.Store(s.sig[name], me, value)})


class Signals:
    """The engine's rules for one (pruned) model's handlers and destructors."""

    def __init__(self, model: M.Model):
        self.m = model
        self.depth = model.layout.max_depth
        own = [p for p, (t, _) in model.steps_by_pc.items() if t.kind != "handler"]
        self.own_pcs = own + ([M.PC_EXITING] if model.destructors else [])
        self.handler_pcs = {h.index: [st.pc for st in h.steps] for h in model.handlers}

    # ------------------------------------------------------------ starting an action
    def start(self, a: Action, s: State, me: z3.ExprRef) -> tuple[list[z3.BoolRef], State]:
        """When `me` may take action a in s, and the state its body starts from."""
        if a.enter is not None:
            return self.enter(a.enter, s, me)
        if a.destructor is not None:
            flag = f"dtor.{a.destructor.index}"
            return ([s.pc[me] == M.PC_EXITING, s.sig[flag][me]], _at(s, flag, me, False))
        return [s.pc[me] == a.pc], s

    def enter(self, h: M.Template, s: State, me: z3.ExprRef
              ) -> tuple[list[z3.BoolRef], State]:
        """Handler h starts on `me` if installed, unmasked, not running and not too deep
        (between any two steps, exit destructors included); the interrupted pc is saved."""
        sig, k = s.sig, h.index
        d = sig["depth"][me]
        guard = [s.pc[me] >= M.PC_EXITING, sig[f"installed.{k}"][me],
                 z3.Not(sig[f"masked.{k}"][me]), z3.Not(sig[f"active.{k}"][me]),
                 d < self.depth]
        for j in range(self.depth):
            s = _at(s, f"saved.{j}", me, z3.If(d == j, s.pc[me], sig[f"saved.{j}"][me]))
        s = _at(_at(s, "depth", me, d + 1), f"active.{k}", me, True)
        return guard, s

    # -------------------------------------------------------------- ending an action
    def ret(self, s: State, me: z3.ExprRef, handler: int) -> State:
        """Back to the interrupted pc, one nesting level down."""
        d = s.sig["depth"][me] - 1
        back: z3.ArithRef = s.pc[me]
        for j in range(self.depth):
            saved = s.sig[f"saved.{j}"][me]
            back = z3.If(d == j, saved, back)
            s = _at(s, f"saved.{j}", me, z3.If(d == j, 0, saved))
        s = _at(_at(s, "depth", me, d), f"active.{handler}", me, False)
        return replace(s, pc=z3.Store(s.pc, me, back))

    def registered(self, s: State, me: z3.ExprRef) -> z3.BoolRef:
        """Some destructor is still registered on `me`."""
        return z3.Or([s.sig[f"dtor.{d.index}"][me] for d in self.m.destructors] or
                     [z3.BoolVal(False)])

    def exit(self, s: State, me: z3.ExprRef, final: int, finished: State) -> State:
        """`me` ends (at `final`): with destructors registered it goes on to run them
        (thread_locals and signal state kept, freed after them if it exits with `free`),
        else it is `finished` (its pc set, its block cleared)."""
        if not self.m.destructors:
            return finished
        has = self.registered(s, me)
        exiting = replace(s, pc=z3.Store(s.pc, me, M.PC_EXITING))
        if final == M.PC_FREED:
            exiting = _at(exiting, "free_after", me, True)
        return _merge(has, exiting, finished)

    def end_destructor(self, s: State, me: z3.ExprRef, finished: State) -> State:
        """After the last registered destructor, the thread is `finished` (`finished_pc`)."""
        return _merge(self.registered(s, me), s, finished)

    def finished_pc(self, s: State, me: z3.ExprRef) -> z3.ArithRef:
        """The pc a thread at the end of its destructors finishes at."""
        return z3.If(s.sig["free_after"][me], M.PC_FREED, M.PC_DONE)

    def cleared(self, s: State, me: z3.ExprRef) -> State:
        """`me`'s runtime slots zeroed, as a finished thread's block is."""
        return replace(s, sig={n: z3.Store(a, me, _zero(a)) for n, a in s.sig.items()})

    # ---------------------------------------------------------------- statements
    def op(self, st: M.SigOp, s: State, me: z3.ExprRef) -> State:
        """install, uninstall, mask, unmask, on_exit on the running thread."""
        slot = {"install": "installed", "uninstall": "installed", "mask": "masked",
                "unmask": "masked", "on_exit": "dtor"}[st.op]
        return _at(s, f"{slot}.{st.index}", me, st.op in ("install", "mask", "on_exit"))

    def inherit(self, s: State, me: z3.ExprRef, child: z3.ExprRef) -> State:
        """A spawned thread starts with its spawner's handlers and mask."""
        for h in self.m.handlers:
            for slot in (f"installed.{h.index}", f"masked.{h.index}"):
                s = _at(s, slot, child, s.sig[slot][me])
        return s

    # ------------------------------------------------------------ well-formedness
    def wellformed(self, s: State) -> list[z3.BoolRef]:
        """What the rules above keep true of every thread x: a thread not running has its
        runtime slots zero; one running a handler step has a positive depth, one at its own
        step depth 0; the depth counts the running handlers, whose steps are on the stack
        (the current pc, then the saved pcs above the first) each once; saved pcs below the
        depth are steps (a thread's own, or exiting, at the bottom), zero above it; a thread
        exiting (or interrupted while exiting) still has a destructor to run."""
        x = z3.Const("x", tid_sort())
        pc, sig = s.pc, s.sig
        out = [z3.Implies(pc[x] < M.PC_EXITING, z3.And([a[x] == _zero(a) for a in sig.values()]))
               ] if sig else []
        exiting = pc[x] == M.PC_EXITING  # or interrupted there by a handler
        if self.m.handlers:
            d = sig["depth"][x]
            exiting = z3.Or(exiting, z3.And(d >= 1, sig["saved.0"][x] == M.PC_EXITING))
        if self.m.destructors:
            out.append(z3.Implies(exiting, self.registered(s, x)))
        if self.m.handlers:
            in_handler = z3.Or([pc[x] == p for ps in self.handler_pcs.values() for p in ps])
            out += [0 <= d, d <= self.depth, in_handler == (d >= 1),
                    d == z3.Sum([z3.If(sig[f"active.{h}"][x], 1, 0) for h in self.handler_pcs])]
            stack = [(d >= 1, pc[x])] + [(d > j, sig[f"saved.{j}"][x])
                                         for j in range(1, self.depth)]
            for j in range(self.depth):
                saved = sig[f"saved.{j}"][x]
                allowed = self.own_pcs if j == 0 else [p for ps in self.handler_pcs.values()
                                                       for p in ps]
                out.append(z3.If(d > j, z3.Or([saved == p for p in allowed]), saved == 0))
            for h, pcs in self.handler_pcs.items():
                on = [z3.And(at, z3.Or([v == p for p in pcs])) for at, v in stack]
                out.append(sig[f"active.{h}"][x] == z3.Or(on))
                out += [z3.Not(z3.And(a, b)) for i, a in enumerate(on) for b in on[i + 1:]]
        return [z3.ForAll([x], c) for c in out]

    def initial(self, s: State) -> list[z3.BoolRef]:
        """No thread has a handler installed or a destructor registered at the start."""
        x = z3.Const("x", tid_sort())
        return [z3.ForAll([x], a[x] == _zero(a)) for a in s.sig.values()]


def _zero(a: z3.ArrayRef) -> z3.ExprRef:
    return z3.BoolVal(False) if a.range() == z3.BoolSort() else z3.IntVal(0)


def _merge(cond: z3.BoolRef, yes: State, no: State) -> State:
    """The state that is `yes` where cond holds and `no` elsewhere (arrays chosen whole)."""
    def pick(a: object, b: object) -> object:
        if isinstance(a, list):  # a compound value's slots (`unbounded_compound`)
            return [pick(x, y) for x, y in zip(a, b)]  # type: ignore[call-overload]
        if isinstance(a, z3.ExprRef):
            return a if a.eq(b) else z3.If(cond, a, b)
        assert hasattr(a, "none")
        return type(a)(pick(a.none, b.none), pick(a.val, b.val))  # type: ignore[attr-defined]
    return replace(yes, pc=pick(yes.pc, no.pc), parent=pick(yes.parent, no.parent),
                   anc=pick(yes.anc, no.anc),
                   globals={n: pick(v, no.globals[n]) for n, v in yes.globals.items()},
                   locals={n: pick(v, no.locals[n]) for n, v in yes.locals.items()},
                   tls={n: pick(v, no.tls[n]) for n, v in yes.tls.items()},
                   sig={n: pick(v, no.sig[n]) for n, v in yes.sig.items()})
