"""The value of a checked-model expression in a concrete state, computed directly.

A report needs more than the compiled invariant's False: it needs the value of every
sub-expression on the way to the culprit, in the state the search stopped in. This
evaluator computes them from the typed IR on a state tuple, with the semantics the
Python back end compiles (`backends.python.expressions`): the same encodings (sets
as bitmasks, arrays and records as tuples of slots, `none` as None) and the same
errors, raised in the same cases and order (`EvalError`). It is a `Visitor` covering
every expression node, so a node added to the language is a missing case here as in
the compiler. It is slow and only runs for reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backends.runtime import EvalError
from ..ir import model as M
from ..ir.control import AtStep, LocalOf
from ..ir.places import addressable
from ..ir.typesys import IntType, SetType, Type, is_compound
from ..ir.walk import Visitor

Env = dict[int, Any]  # bound variables by uid


class Unbound(Exception):
    """The expression reads a name the state does not hold (a `let` inside a step)."""


class Evaluator(Visitor):
    """The value of an IR expression in a state, encoded as the state holds it:
    `value(e, s, env, me)`, with `env` the values of bound variables and `me` the
    thread whose locals and `self` the expression sees (None: none)."""

    covers = ("expressions",)

    def __init__(self, model: M.Model) -> None:
        self.m = model

    def value(self, e: M.TExpr, s: tuple, env: Env, me: int | None = None) -> Any:
        return self.visit(e, s, env, me)

    def tb(self, thread: int) -> int:
        return self.m.thread_base + thread * self.m.thread_stride

    # ---------------------------------------------------------------- places
    def read(self, e: M.TExpr, s: tuple, env: Env, me: int | None) -> Any:
        root, off = self.offset(e, s, env, me)
        w = e.type.width()
        return tuple(root[off:off + w]) if is_compound(e.type) else root[off]

    visit_GlobalPlace = visit_LocalPlace = visit_TlsPlace = read
    visit_IndexPlace = visit_FieldPlace = read

    def offset(self, e: M.TExpr, s: tuple, env: Env, me: int | None) -> tuple[tuple, int]:
        if isinstance(e, M.GlobalPlace):
            return s, e.offset
        if isinstance(e, M.LocalPlace):
            if me is None:
                raise Unbound(e.name)
            return s, self.tb(me) + e.slot
        if isinstance(e, M.TlsPlace):
            if e.thread is None:
                if me is None:
                    raise Unbound(e.name)
                return s, self.tb(me) + e.slot
            return s, self.tb(self.value(e.thread, s, env, me)) + e.slot
        if isinstance(e, (M.IndexPlace, M.FieldPlace)):
            if addressable(e.base):
                root, off = self.offset(e.base, s, env, me)
            else:
                root, off = self.value(e.base, s, env, me), 0
            if isinstance(e, M.FieldPlace):
                return root, off + e.offset
            key = e.base.type.key  # type: ignore[attr-defined]
            i = self.value(e.index, s, env, me)
            if isinstance(key, IntType):
                if not key.lo <= i <= key.hi:  # type: ignore[operator]
                    raise EvalError(f"index {i} is outside {key.lo}..{key.hi}")
                i -= key.lo  # type: ignore[operator]
            return root, off + i * e.type.width()
        raise AssertionError(e)

    # ------------------------------------------------------------- the rest
    def visit_Const(self, e: M.Const, s: tuple, env: Env, me: int | None) -> Any:
        return e.value

    def visit_Bound(self, e: M.Bound, s: tuple, env: Env, me: int | None) -> Any:
        if e.uid not in env:
            raise Unbound(e.name)
        return env[e.uid]

    def visit_SelfTid(self, e: M.SelfTid, s: tuple, env: Env, me: int | None) -> Any:
        if me is None:
            raise Unbound("self")
        return me

    def visit_DefCall(self, e: M.DefCall, s: tuple, env: Env, me: int | None) -> Any:
        d = self.m.defs[e.name]
        inner = {p.uid: self.value(a, s, env, me) for p, a in zip(d.params, e.args)}
        return self.value(d.body, s, inner)

    def visit_Unary(self, e: M.Unary, s: tuple, env: Env, me: int | None) -> Any:
        x = self.value(e.operand, s, env, me)
        if e.op == "range":
            if not e.type.lo <= x <= e.type.hi:  # type: ignore[attr-defined]
                raise EvalError(f"result {x} is outside {e.type}")
            return x
        if e.op == "int":
            return x
        if e.op == "tid":
            if not 0 <= x < self.m.pool:
                raise EvalError(f"result {x} is outside 0..{self.m.pool - 1}")
            return x
        return (not x) if e.op == "!" else -x

    def visit_Unwrap(self, e: M.Unwrap, s: tuple, env: Env, me: int | None) -> Any:
        x = self.value(e.operand, s, env, me)
        if x is None:
            raise EvalError(e.why or "'none' used as a value", (e.pos.line, e.pos.col))
        return x

    def visit_SetOf(self, e: M.SetOf, s: tuple, env: Env, me: int | None) -> Any:
        mask = 0
        for item in e.items:
            mask |= 1 << _elem_index(e.type.elem,  # type: ignore[attr-defined]
                                     self.value(item, s, env, me), strict=True)
        return mask

    def visit_Compound(self, e: M.Compound, s: tuple, env: Env, me: int | None) -> Any:
        flat: list[Any] = []
        for item in e.items:
            x = self.value(item, s, env, me)
            flat.extend(x if is_compound(item.type) else (x,))
        return tuple(flat)

    def visit_Ite(self, e: M.Ite, s: tuple, env: Env, me: int | None) -> Any:
        branch = e.then if self.value(e.test, s, env, me) else e.other
        return self.value(branch, s, env, me)

    def visit_AtStep(self, e: AtStep, s: tuple, env: Env, me: int | None) -> Any:
        return e.first <= s[self.tb(self.value(e.thread, s, env, me))] <= e.last

    def visit_LocalOf(self, e: LocalOf, s: tuple, env: Env, me: int | None) -> Any:
        t = self.value(e.thread, s, env, me)
        if not e.first <= s[self.tb(t)] <= e.last:
            raise EvalError(e.missing.format(t))
        return s[self.tb(t) + e.slot]

    def visit_Builtin(self, e: M.Builtin, s: tuple, env: Env, me: int | None) -> Any:
        args = [self.value(a, s, env, me) for a in e.args]
        pcs = [s[self.tb(t)] for t in range(self.m.pool)]
        if e.name == "size":
            return args[0].bit_count()
        if e.name == "free_threads":
            return pcs.count(M.PC_UNUSED)
        if e.name == "ancestor":
            p = s[self.tb(args[1]) + 1]
            for _ in range(self.m.pool):
                if p is None:
                    return False
                if p == args[0]:
                    return True
                p = s[self.tb(p) + 1]
            return False
        if e.name == "alive":
            return pcs[args[0]] >= M.PC_EXITING
        if e.name == "done":
            return M.PC_DONE <= pcs[args[0]] <= M.PC_FREED
        if e.name == "freed":
            return pcs[args[0]] == M.PC_FREED
        if e.name == "parent":
            return s[self.tb(args[0]) + 1]
        raise AssertionError(e.name)

    def visit_Binary(self, e: M.Binary, s: tuple, env: Env, me: int | None) -> Any:
        a = self.value(e.left, s, env, me)
        op = e.op
        if op in ("&&", "||", "->"):  # short-circuit, as the compiled `and`/`or` are
            if (op == "||") == bool(a) and op != "->":
                return a
            if op == "->" and not a:
                return True
            return self.value(e.right, s, env, me)
        b = self.value(e.right, s, env, me)
        if op == "in":
            elem = e.right.type.elem  # type: ignore[attr-defined]
            i = _elem_index(elem, a, strict=False)
            return i is not None and (b >> i) & 1 == 1
        if isinstance(e.type, SetType):
            return {"|": a | b, "&": a & b, "-": a & ~b}[op]
        if op == "mod":
            if b <= 0:
                raise EvalError(f"'mod' needs a positive divisor, got {b}")
            return a % b
        if op in ("/", "%"):
            if b == 0:
                raise EvalError("division by zero")
            q = abs(a) // abs(b)
            q = q if (a >= 0) == (b >= 0) else -q
            return q if op == "/" else a - q * b
        return _OPS[op](a, b)

    # ----------------------------------------------------------- quantifiers
    def visit_Quant(self, e: M.Quant, s: tuple, env: Env, me: int | None) -> Any:
        if e.kind in ("forall", "exists"):
            return (self.witness(e, s, env, me) is None) == (e.kind == "forall")
        if e.kind == "sum":
            return sum(self.value(e.body, s, {**env, e.var.uid: x}, me)
                       for x in self.domain(e.domain, s, env, me))
        if e.kind == "pick":
            for x in self.domain(e.domain, s, env, me):
                if self.value(e.body, s, {**env, e.var.uid: x}, me):
                    return x
            raise EvalError("pick() found no value that satisfies its condition")
        chosen = [x for x in self.domain(e.domain, s, env, me)
                  if self.value(e.body, s, {**env, e.var.uid: x}, me)]
        if e.kind == "count":
            return len(chosen)
        return sum(1 << _elem_index(e.domain.type, x, strict=True) for x in chosen)

    def witness(self, e: M.Quant, s: tuple, env: Env, me: int | None) -> Any:
        """The first value that decides a forall (false) or an exists (true); None if none.

        Evaluated in domain order and stopping at the first, like the compiled all()/any(),
        so an evaluation error is raised exactly when the compiled code raises one.
        """
        want = e.kind == "exists"
        for x in self.domain(e.domain, s, env, me):
            if bool(self.value(e.body, s, {**env, e.var.uid: x}, me)) == want:
                return (x,)
        return None

    def domain(self, d: M.Domain, s: tuple, env: Env, me: int | None) -> list[Any]:
        values = d.type.values()
        if d.set_expr is None:
            return values
        mask = self.value(d.set_expr, s, env, me)
        return [x for i, x in enumerate(values) if mask >> i & 1]


def holds(model: M.Model, e: M.TExpr, state: tuple) -> bool:
    """An invariant's truth value; raises EvalError where the compiled invariant does."""
    return bool(Evaluator(model).value(e, state, {}))


def _elem_index(t: Type, x: Any, strict: bool) -> int | None:
    """Bit of a set element; outside an int element type: an error, or (for `in`) None."""
    if isinstance(t, IntType):
        if not t.lo <= x <= t.hi:  # type: ignore[operator]
            if strict:
                raise EvalError(f"set element {x} is outside {t.lo}..{t.hi}")
            return None
        return x - t.lo  # type: ignore[operator]
    return int(x)


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
}
