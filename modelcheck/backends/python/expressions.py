"""Expressions of the checked model as Python expressions over the state list `v`.

The code generator's one part that knows how a value is computed: a typed expression
becomes the text of a Python expression with the value, and the errors, that the
evaluator behind explanations (`report.evaluate`) gives it. Places are slot reads, at
offsets folded to constants where the thread is known; sets are bitmasks; a check that
can fail (range, index, unwrap, division, set element) calls a run-time helper of
`helpers.py`, and one the types make needless is left out. It writes no lines and
knows no statement; it is a `Visitor` covering every expression node, so a node added
to the language is a missing case here rather than a failure on the first spec using it.
"""

from __future__ import annotations

from ...ir import model as M
from ...ir.control import AtStep, LocalOf
from ...ir.places import addressable
from ...ir.ranges import within
from ...ir.typesys import IntType, SetType, is_compound
from ...ir.walk import Visitor
from .context import Ctx, Names


class ExprCompiler(Visitor):
    """`visit(e, ctx)`: the Python source of expression `e` at the point `ctx`."""

    covers = ("expressions",)

    def __init__(self, model: M.Model, names: Names) -> None:
        self.m = model
        self.names = names

    # ---------------------------------------------------------------- places
    def read(self, e: M.TExpr, ctx: Ctx) -> str:
        """A place's value; arrays and records are copied out as tuples."""
        root, off = self.offset(e, ctx)
        w = e.type.width()
        return f"tuple({root}[{off}:{off} + {w}])" if is_compound(e.type) else f"{root}[{off}]"

    visit_GlobalPlace = visit_LocalPlace = visit_TlsPlace = read
    visit_IndexPlace = visit_FieldPlace = read

    def place(self, e: M.TExpr, ctx: Ctx) -> str:
        """The one slot a scalar place names, to read or to assign."""
        root, off = self.offset(e, ctx)
        return f"{root}[{off}]"

    def offset(self, e: M.TExpr, ctx: Ctx) -> tuple[str, str]:
        """(container, offset) of a place or of a part of a compound value."""
        if isinstance(e, M.GlobalPlace):
            return "v", str(e.offset)
        if isinstance(e, M.LocalPlace):
            return "v", f"{ctx.tb} + {e.slot}"
        if isinstance(e, M.TlsPlace):
            if e.thread is None:
                return "v", f"{ctx.tb} + {e.slot}"
            return "v", f"TB + {self.visit(e.thread, ctx)} * STRIDE + {e.slot}"
        if isinstance(e, M.IndexPlace):
            root, off = self.offset(e.base, ctx) if addressable(e.base) else \
                (f"({self.visit(e.base, ctx)})", "0")
            key = e.base.type.key  # type: ignore[attr-defined]
            idx = self.visit(e.index, ctx)
            if isinstance(key, IntType):
                exact = isinstance(e.index.type, IntType) and e.index.type.lo is not None and \
                    key.lo <= e.index.type.lo and e.index.type.hi <= key.hi  # type: ignore
                idx = _minus(idx, key.lo) if exact else self.checked_index(idx, key, e)
            w = e.type.width()
            pos = idx if w == 1 else f"{idx} * {w}"
            return root, pos if off == "0" else f"{off} + {pos}"
        if isinstance(e, M.FieldPlace):
            root, off = self.offset(e.base, ctx) if addressable(e.base) else \
                (f"({self.visit(e.base, ctx)})", "0")
            return root, f"{off} + {e.offset}"
        raise AssertionError(e)

    def checked_index(self, idx: str, key: IntType, e: M.TExpr) -> str:
        """The position of `idx` in lo..hi, checked inline: `_ix` is only called to raise."""
        t = self.names.fresh("_i")
        return f"({_minus(t, key.lo)} if {key.lo} <= ({t} := {idx}) <= {key.hi} " \
               f"else _ix({t}, {key.lo}, {key.hi}, {at(e)}))"

    # ------------------------------------------------------------- the rest
    def visit_Const(self, e: M.Const, ctx: Ctx) -> str:
        return repr(e.value)

    def visit_Bound(self, e: M.Bound, ctx: Ctx) -> str:
        return f"_b{e.uid}"

    def visit_SelfTid(self, e: M.SelfTid, ctx: Ctx) -> str:
        return ctx.me

    def visit_DefCall(self, e: M.DefCall, ctx: Ctx) -> str:
        args = "".join(", " + self.visit(a, ctx) for a in e.args)
        return f"_d_{e.name}(v{args})"

    def visit_Unary(self, e: M.Unary, ctx: Ctx) -> str:
        x = self.visit(e.operand, ctx)
        if e.op == "range":
            return f"_rng({x}, {e.type.lo}, {e.type.hi}, {at(e)})"  # type: ignore[attr-defined]
        if e.op == "int":  # a thread id is stored as its number
            return x
        if e.op == "tid":
            return f"_rng({x}, 0, POOL - 1, {at(e)})"
        return f"(not {x})" if e.op == "!" else f"(-{x})"

    def visit_Unwrap(self, e: M.Unwrap, ctx: Ctx) -> str:
        if e.why:
            return f"_need({self.visit(e.operand, ctx)}, {e.why!r}, {at(e)})"
        return f"_u({self.visit(e.operand, ctx)}, {at(e)})"

    def visit_SetOf(self, e: M.SetOf, ctx: Ctx) -> str:
        elem = e.type.elem  # type: ignore[attr-defined]
        bits = " | ".join(
            f"(1 << {elem.index_code(self.visit(i, ctx))})" if within(i.type, elem)
            else f"_bit({self.visit(i, ctx)}, {elem.lo}, {elem.hi}, {at(i, e)})" for i in e.items)
        return f"({bits})"

    def visit_Compound(self, e: M.Compound, ctx: Ctx) -> str:
        parts = [(f"*{self.visit(i, ctx)}" if is_compound(i.type) else self.visit(i, ctx))
                 for i in e.items]
        return "(" + "".join(p + ", " for p in parts) + ")"

    def visit_Quant(self, e: M.Quant, ctx: Ctx) -> str:
        var, dom = self.names.bind(e.var), self.domain(e.domain, ctx)
        body = self.visit(e.body, ctx)
        if e.kind in ("forall", "exists"):
            # Over a symmetric type every element is evaluated, so whether an element
            # fails to evaluate is seen whatever order the renamed ids come in.
            items = f"{body} for {var} in {dom}"
            if e.domain.type in self.m.symmetric:
                items = f"[{items}]"
            return f"{'all' if e.kind == 'forall' else 'any'}({items})"
        if e.kind == "count":
            return f"sum(1 for {var} in {dom} if {body})"
        if e.kind == "sum":
            return f"sum({body} for {var} in {dom})"
        if e.kind == "pick":
            return f"_pick(({var} for {var} in {dom} if {body}), {at(e)})"
        idx = e.domain.type.index_code(var)
        return f"sum(1 << {idx} for {var} in {dom} if {body})"

    def domain(self, d: M.Domain, ctx: Ctx) -> str:
        """The values a quantifier or `choose` ranges over, in the type's order."""
        values = tuple(d.type.values())
        if d.set_expr is None:
            return repr(values)
        return f"_members({self.visit(d.set_expr, ctx)}, {values!r})"

    def visit_Ite(self, e: M.Ite, ctx: Ctx) -> str:
        return f"({self.visit(e.then, ctx)} if {self.visit(e.test, ctx)} else " \
               f"{self.visit(e.other, ctx)})"

    def visit_Binary(self, e: M.Binary, ctx: Ctx) -> str:
        a, b = self.visit(e.left, ctx), self.visit(e.right, ctx)
        op = e.op
        if op == "&&":
            return f"({a} and {b})"
        if op == "||":
            return f"({a} or {b})"
        if op == "->":
            return f"((not {a}) or {b})"
        if op == "in":
            elem = e.right.type.elem  # type: ignore[attr-defined]
            if within(e.left.type, elem):
                return f"(({b} >> {elem.index_code(a)}) & 1 == 1)"
            return f"_in({b}, {a}, {elem.lo}, {elem.hi})"  # not a member if outside the type
        if isinstance(e.type, SetType) and op == "-":
            return f"({a} & ~{b})"
        if op == "/":
            return f"_div({a}, {b}, {at(e)})"
        if op == "%":
            return f"_mod({a}, {b}, {at(e)})"
        if op == "mod":
            return f"_emod({a}, {b}, {at(e)})"
        return f"({a} {op} {b})"

    def visit_AtStep(self, e: AtStep, ctx: Ctx) -> str:
        pc = f"v[TB + {self.visit(e.thread, ctx)} * STRIDE]"
        return f"({pc} == {e.first})" if e.first == e.last else f"({e.first} <= {pc} <= {e.last})"

    def visit_LocalOf(self, e: LocalOf, ctx: Ctx) -> str:
        t = self.names.fresh("_t")
        return (f"(v[TB + {t} * STRIDE + {e.slot}] if {e.first} <= "
                f"v[TB + ({t} := {self.visit(e.thread, ctx)}) * STRIDE] <= {e.last} "
                f"else _absent({t}, {e.missing!r}, {at(e)}))")

    def visit_Builtin(self, e: M.Builtin, ctx: Ctx) -> str:
        args = [self.visit(a, ctx) for a in e.args]
        if e.name == "size":
            return f"({args[0]}).bit_count()"
        if e.name == "free_threads":
            return "_free_count(v)"
        if e.name == "ancestor":
            return f"_anc(v, {args[0]}, {args[1]})"
        pc = f"v[TB + {args[0]} * STRIDE]"
        if e.name == "alive":
            return f"({pc} >= {M.PC_EXITING})"
        if e.name == "done":
            return f"({M.PC_DONE} <= {pc} <= {M.PC_FREED})"
        if e.name == "freed":
            return f"({pc} == {M.PC_FREED})"
        if e.name == "parent":
            return f"v[TB + {args[0]} * STRIDE + 1]"
        raise AssertionError(e.name)


def at(*nodes: M.TExpr) -> str:
    """The (line, col) an evaluation error in the first located node points at."""
    pos = next((n.pos for n in nodes if n.pos.line), nodes[-1].pos)
    return f"({pos.line}, {pos.col})"


def _minus(code: str, lo: int) -> str:
    return code if lo == 0 else f"({code} - {lo})"
