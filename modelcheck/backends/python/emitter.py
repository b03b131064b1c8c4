"""The base of the statement emitter: the lines written, abandoning a path, checked stores.

Every part that writes statements needs the same few things: the module's lines and
names, the expression compiler, a way to hand back a failure and abandon the path, and
stores that keep a value inside its declared range. Stores are here, not with the
statements, because the OS primitives store too (spawn arguments, a new thread's
locals and thread-locals) and must check ranges the way an assignment does.
"""

from __future__ import annotations

from ...ir import model as M
from ...ir.ranges import fits, range_slots
from ...ir.typesys import (
    IntType,
    OptionalType,
    SeqType,
    Type,
    is_compound,
    strip_optional,
)
from .context import Ctx, Names
from .expressions import ExprCompiler


class Emitter:
    """Writes the indented lines of one generated module, the expression compiler at hand."""

    def __init__(self, model: M.Model) -> None:
        self.m = model
        self.names = Names()
        self.expr = ExprCompiler(model, self.names)
        self.lines: list[str] = []

    def out(self, ind: int, text: str) -> None:
        self.lines.append("    " * ind + text)

    def fresh(self, base: str) -> str:
        return self.names.fresh(base)

    def ex(self, e: M.TExpr, ctx: Ctx) -> str:
        return self.expr.visit(e, ctx)

    def give_up(self, ind: int, ctx: Ctx, result: str) -> None:
        """Hand back a result that is not a state (a failure, BOUND) and end the path."""
        self.out(ind, ctx.give(result))
        if not ctx.straight:
            self.out(ind, ctx.end_path())

    def fail(self, ind: int, ctx: Ctx, prop: str, message: str) -> None:
        self.give_up(ind, ctx, f"Failure({prop!r}, {message}, tuple(v))")

    def assign(self, target: M.TExpr, value: M.TExpr, ind: int, ctx: Ctx) -> None:
        """Store `value` in `target`, failing "bounds" if it leaves the target's range."""
        code = self.ex(value, ctx)
        checks = range_slots(target.type)
        if checks and not fits(value, target.type):
            tmp = self.fresh("_x")
            self.out(ind, f"{tmp} = {code}")
            code = tmp
            if not is_compound(target.type):
                self.check_range(target.type, tmp, ind, ctx, _describe(target))
            else:
                self.out(ind, f"_bad = _check_slots({tmp}, {checks!r})")
                self.out(ind, "if _bad is not None:")
                tail = f" leaves its range in {_describe(target)}" + (
                    f" (a sequence of at most {target.type.capacity} items)"
                    if isinstance(target.type, SeqType) else "")
                self.fail(ind + 1, ctx, "bounds", f"'value ' + str(_bad) + {tail!r}")
        if not is_compound(target.type):
            self.out(ind, f"{self.expr.place(target, ctx)} = {code}")
        else:
            root, off = self.expr.offset(target, ctx)
            self.out(ind, f"{root}[{off}:{off} + {target.type.width()}] = {code}")

    def check_range(self, t: Type, code: str, ind: int, ctx: Ctx, what: str) -> None:
        inner = strip_optional(t)
        if isinstance(inner, IntType) and inner.lo is not None:
            test = f"{inner.lo} <= {code} <= {inner.hi}"
            if isinstance(t, OptionalType):
                test = f"{code} is None or {test}"
            self.out(ind, f"if not ({test}):")
            tail = f" is outside {inner} in {what}"
            self.fail(ind + 1, ctx, "bounds", f"'value ' + str({code}) + {tail!r}")


def _describe(target: M.TExpr) -> str:
    if isinstance(target, (M.GlobalPlace, M.LocalPlace)):
        return f"'{target.name}'"
    if isinstance(target, M.IndexPlace):
        return _describe(target.base).rstrip("'") + "[...]'"
    if isinstance(target, M.FieldPlace):
        return _describe(target.base).rstrip("'") + f".{target.name}'"
    return "a value"
