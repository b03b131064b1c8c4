"""What the spec's constants make unreachable, cut away before the unbounded encoding.

The checker folds `variant == x` and arithmetic on constants, but a test that
calls a definition (`if uses_table()`, `await !init_variant() && ...`) reaches
the encodings as a call. A variant of a shipped spec carries every other
variant's code behind such tests: handlers whose `install` sits under a false
test, destructors registered only in a step no thread can take, `free 0` after
an `await` that is constantly false. The unbounded encoding has no case for
several of these constructs, so it would refuse the spec for code that never
runs in this variant.

`prune` evaluates tests that read only constants (through definitions, with
`&&`/`||` short-circuiting as the engines do), keeps the branch a constant `if`
takes, ends a block at an `await` that is constantly false (nothing after it
can run, and the path adds no successor) and after a `goto` or `exit` (stop_world's
pinspect variants leave `boot` by `exit` before bdwgc's `install`s), and then
drops the handlers no live `install` installs and the destructors no live
`on_exit` registers, with the `install`s, `mask`s and `on_exit`s that name
them. Every cut is of code no execution reaches, so the pruned model has exactly
the spec's behaviours: statements before a false `await` stay (an assertion
there still fails).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..ir import model as M
from ..ir.typesys import BOOL, BoolType
from ..ir.walk import statements

_UNKNOWN = object()  # the value of an expression that reads the state

_COMPARE = {"==": lambda x, y: x == y, "!=": lambda x, y: x != y,
            "<": lambda x, y: x < y, "<=": lambda x, y: x <= y,
            ">": lambda x, y: x > y, ">=": lambda x, y: x >= y}


class _Constants:
    """The value of an expression when it reads only constants, else `_UNKNOWN`."""

    def __init__(self, defs: dict[str, M.Def]):
        self.defs = defs

    def value(self, e: M.TExpr, env: dict[int, Any]) -> Any:
        if isinstance(e, M.Const):
            return e.value
        if isinstance(e, M.Bound):
            return env.get(e.uid, _UNKNOWN)
        if isinstance(e, M.Unary) and e.op == "!":
            x = self.value(e.operand, env)
            return _UNKNOWN if x is _UNKNOWN else not x
        if isinstance(e, M.Binary):
            return self._binary(e, env)
        if isinstance(e, M.Ite):
            test = self.value(e.test, env)
            if test is _UNKNOWN:
                return _UNKNOWN
            return self.value(e.then if test else e.other, env)
        if isinstance(e, M.DefCall):
            d = self.defs[e.name]
            inner = {p.uid: self.value(a, env) for p, a in zip(d.params, e.args)}
            return self.value(d.body, inner)
        return _UNKNOWN

    def _binary(self, e: M.Binary, env: dict[int, Any]) -> Any:
        a = self.value(e.left, env)
        if e.op in ("&&", "||", "->"):
            # a known left side decides, or hands over to the right, as the engines
            # short-circuit; an unknown one might fail to evaluate, so nothing is known
            if a is _UNKNOWN:
                return _UNKNOWN
            if e.op == "&&" and not a or e.op == "||" and a:
                return a
            if e.op == "->" and not a:
                return True
            return self.value(e.right, env)
        if e.op in _COMPARE:
            b = self.value(e.right, env)
            if a is _UNKNOWN or b is _UNKNOWN:
                return _UNKNOWN
            if e.op not in ("==", "!=") and not (isinstance(a, int) and isinstance(b, int)):
                return _UNKNOWN
            return _COMPARE[e.op](a, b)
        return _UNKNOWN

    def simplified(self, e: M.TExpr) -> M.TExpr:
        """e with each `if ... then ... else` whose test is constant replaced by its branch
        (a definition's body: the other variants' arms name state this one never uses)."""
        if not isinstance(e, M.Ite):
            return e
        taken = self.truth(e.test)
        if taken is not None:
            return self.simplified(e.then if taken else e.other)
        return replace(e, then=self.simplified(e.then), other=self.simplified(e.other))

    def truth(self, e: M.TExpr) -> bool | None:
        """True or False when e is a constant boolean, None when it reads the state."""
        if not isinstance(e.type, BoolType):
            return None
        v = self.value(e, {})
        return None if v is _UNKNOWN else bool(v)


class _Pruner:
    def __init__(self, model: M.Model):
        self.consts = _Constants(model.defs)
        self.defs = {n: replace(d, body=self.consts.simplified(d.body))
                     for n, d in model.defs.items()}

    def block(self, stmts: tuple[M.Stmt, ...]) -> tuple[tuple[M.Stmt, ...], bool]:
        """The block without what cannot run, and whether no path through it completes."""
        out: list[M.Stmt] = []
        for st in stmts:
            kept, dead = self.stmt(st)
            out += kept
            if dead:
                return tuple(out), True
        return tuple(out), False

    def stmt(self, st: M.Stmt) -> tuple[list[M.Stmt], bool]:
        if isinstance(st, (M.Goto, M.Exit)):  # the path leaves the block here
            return [st], True
        if isinstance(st, M.Await) and self.consts.truth(st.cond) is False:
            return [replace(st, cond=M.Const(st.cond.type, False, pos=st.cond.pos))], True
        if isinstance(st, M.If):
            taken = self.consts.truth(st.cond)
            if taken is not None:
                kept, dead = self.block(st.then if taken else st.other)
                return list(kept), dead
            (then, dead_then), (other, dead_other) = self.block(st.then), self.block(st.other)
            return [replace(st, then=then, other=other)], dead_then and dead_other
        if isinstance(st, M.Either):
            pruned = [self.block(b) for b in st.blocks]
            return ([replace(st, blocks=tuple(b for b, _ in pruned))],
                    all(dead for _, dead in pruned))
        if isinstance(st, M.Choose):
            body, dead = self.block(st.body)
            return [replace(st, body=body)], dead
        return [st], False


def _signal_ops(bodies: list[tuple[M.Stmt, ...]], ops: tuple[str, ...]) -> set[int]:
    return {st.index for body in bodies for st in statements(body)
            if isinstance(st, M.SigOp) and st.op in ops}


def without(stmts: tuple[M.Stmt, ...], drop: Callable[[M.Stmt], bool]) -> tuple[M.Stmt, ...]:
    """The block without the statements `drop` picks, nested blocks included."""
    out: list[M.Stmt] = []
    for st in stmts:
        if drop(st):
            continue
        if isinstance(st, M.If):
            st = replace(st, then=without(st.then, drop), other=without(st.other, drop))
        elif isinstance(st, M.Either):
            st = replace(st, blocks=tuple(without(b, drop) for b in st.blocks))
        elif isinstance(st, M.Choose):
            st = replace(st, body=without(st.body, drop))
        out.append(st)
    return tuple(out)


def _names_dropped(dead: set[tuple[str, int]]) -> Callable[[M.Stmt], bool]:
    """Whether a statement is a signal operation naming a dropped handler or destructor."""
    return lambda st: isinstance(st, M.SigOp) and (
        "destructor" if st.op == "on_exit" else "handler", st.index) in dead


def _template(t: M.Template, body: Any) -> M.Template:
    return replace(t, steps=[replace(s, body=body(s.body)) for s in t.steps])


def with_bodies(model: M.Model, body: Callable[[tuple[M.Stmt, ...]], tuple[M.Stmt, ...]]
                ) -> M.Model:
    """The model with `body` applied to every step and destructor, at the same pcs."""
    templates = {n: _template(t, body) for n, t in model.templates.items()}
    handlers = [_template(h, body) for h in model.handlers]
    new = {s.pc: (t, s) for t in [*templates.values(), *handlers] for s in t.steps}
    return replace(model, templates=templates, handlers=handlers,
                   destructors=[replace(d, body=body(d.body)) for d in model.destructors],
                   steps_by_pc={pc: new[pc] for pc in model.steps_by_pc})


def _completes(stmts: tuple[M.Stmt, ...]) -> bool:
    """Whether some path may run to the end of a pruned block (and so on to the next step)."""
    for st in stmts:
        if isinstance(st, (M.Goto, M.Exit)):
            return False
        if isinstance(st, M.Await) and isinstance(st.cond, M.Const) and not st.cond.value:
            return False
        if isinstance(st, M.If) and not (_completes(st.then) or _completes(st.other)):
            return False
        if isinstance(st, M.Either) and not any(_completes(b) for b in st.blocks):
            return False
        if isinstance(st, M.Choose) and not _completes(st.body):
            return False
    return True


def _live_steps(model: M.Model, templates: dict[str, M.Template]) -> set[int]:
    """The pcs a thread can stand at: the first steps of started and spawned templates, the
    targets of gotos and the steps after a step that may run to its end, from live steps
    (and whatever a handler or destructor spawns or jumps to)."""
    todo = [templates[s.template].steps[0].pc for s in model.starts]
    # a handler or destructor may spawn or jump too: their targets count, live or not
    for body in [*(s.body for h in model.handlers for s in h.steps),
                 *(d.body for d in model.destructors)]:
        todo += [st.pc if isinstance(st, M.Goto) else templates[st.template].steps[0].pc
                 for st in statements(body) if isinstance(st, (M.Goto, M.Spawn))]
    owner = {s.pc: (t, k) for t in templates.values() for k, s in enumerate(t.steps)}
    live: set[int] = set()
    while todo:
        pc = todo.pop()
        if pc in live or pc not in owner:  # a handler's own steps are not counted here
            continue
        live.add(pc)
        t, k = owner[pc]
        body = t.steps[k].body
        for st in statements(body):
            if isinstance(st, M.Goto):
                todo.append(st.pc)
            elif isinstance(st, M.Spawn):
                todo.append(templates[st.template].steps[0].pc)
        if k + 1 < len(t.steps) and _completes(body):
            todo.append(t.steps[k + 1].pc)
    return live


def _unreachable(step: M.Step) -> M.Step:
    """A step no thread reaches: it keeps its place (fall-through counts steps) and no body."""
    return replace(step, body=(M.Await(step.pos, M.Const(BOOL, False, pos=step.pos)),))


def prune(model: M.Model) -> M.Model:
    """The model without the code its constants make unreachable (see the module's text)."""
    p = _Pruner(model)
    templates = {n: _template(t, lambda b: p.block(b)[0]) for n, t in model.templates.items()}
    live = _live_steps(model, templates)
    templates = {n: replace(t, steps=[s if s.pc in live else _unreachable(s) for s in t.steps])
                 for n, t in templates.items()}
    handlers = [_template(h, lambda b: p.block(b)[0]) for h in model.handlers]
    destructors = [replace(d, body=p.block(d.body)[0]) for d in model.destructors]
    live_h: set[int] = set()
    live_d: set[int] = set()
    while True:  # handlers and destructors may install or register others
        bodies = [s.body for t in templates.values() for s in t.steps]
        bodies += [s.body for h in handlers if h.index in live_h for s in h.steps]
        bodies += [d.body for d in destructors if d.index in live_d]
        found_h, found_d = _signal_ops(bodies, ("install",)), _signal_ops(bodies, ("on_exit",))
        if found_h == live_h and found_d == live_d:
            break
        live_h, live_d = found_h, found_d
    dead = {("handler", h.index) for h in handlers if h.index not in live_h}
    dead |= {("destructor", d.index) for d in destructors if d.index not in live_d}
    steps_by_pc = {s.pc: (t, s) for t in templates.values() for s in t.steps if s.pc in live}
    steps_by_pc |= {s.pc: (h, s) for h in handlers for s in h.steps if h.index in live_h}
    kept = replace(model, templates=templates, steps_by_pc=steps_by_pc, defs=p.defs,
                   handlers=[h for h in handlers if h.index in live_h],
                   destructors=[d for d in destructors if d.index in live_d])
    return with_bodies(kept, lambda b: without(b, _names_dropped(dead)))
