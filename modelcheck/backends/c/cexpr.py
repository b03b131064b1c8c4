"""Typed expressions to C, with the Python back end's meaning, error for error.

Every scalar is an `int64_t` (sets are bit masks, `none` is `NONE`). What raises
`EvalError` in the Python back end (an index out of range, `none` used as a value,
division by zero, a result outside a `def`'s range, a set element outside its type)
jumps to the enclosing function's error label instead: C reports "this step could not
be evaluated" and the Python side re-runs the step for the message. The evaluation
order of `&&`, `||`, `->`, conditionals and quantifiers is Python's, so a step fails
in C exactly when it fails in Python; a quantifier over a symmetric type evaluates
every element, as Python does there. Arithmetic whose operands' ranges could overflow
64 bits is checked: an overflow ends the native search (Python's ints do not
overflow, so only the Python back end can decide that model).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...ir import model as M
from ...ir.control import AtStep, LocalOf
from ...ir.ranges import within
from ...ir.typesys import (
    ArrayType,
    BoolType,
    EnumType,
    IntType,
    OptionalType,
    RecordType,
    SetType,
    TidType,
    Type,
)
from ...ir.walk import Visitor
from ...lang.errors import SpecError
from .layout import _c

INT64 = (-(1 << 63) + 1, (1 << 63) - 1)  # NONE itself is not a value


class Unsupported(SpecError):
    """A construct the native back end does not compile (yet): the Python back end runs it.
    Raised without a position; the statement being compiled adds its own."""


@dataclass(frozen=True)
class Where:
    """The function being generated: how it names the running thread, its block, its labels."""

    me: str = "ME"       # a C expression: the running thread's id (NONE outside threads)
    tb: str = "TBASE"    # a C expression: the offset of its block
    err: str = "ERR"     # the label an evaluation error jumps to


def compound(t: Type) -> bool:
    return isinstance(t, (ArrayType, RecordType))


def domain_values(t: Type) -> list[int]:
    """The encoded values of a finite type, in iteration order."""
    if isinstance(t, OptionalType):
        raise Unsupported(f"a domain of optional values ({t})")
    return [int(x) for x in t.values()]


def index_of(t: Type, code: str) -> str:
    """The 0-based position of a value of finite type t (a set bit, an array index)."""
    return f"(({code}) - {_c(t.lo)})" if isinstance(t, IntType) and t.lo else code


class CExpr(Visitor):
    covers = ("expressions",)

    def __init__(self, model: M.Model, symmetric: list[Type]) -> None:
        self.m = model
        self.symmetric = symmetric
        self.tmp = 0

    def fresh(self, base: str) -> str:
        self.tmp += 1
        return f"{base}{self.tmp}"

    def ex(self, e: M.TExpr, w: Where) -> str:
        if compound(e.type):
            raise Unsupported(f"a {e.type} value here")
        return str(self.visit(e, w))

    # ------------------------------------------------------------------ places
    def offset(self, e: M.TExpr, w: Where, computed: M.TExpr | None = None) -> str:
        """The slot offset of a place, as C; within `computed` (a compound value that is no
        place, the root of e) when one is given."""
        if e is computed:
            return "0"
        if isinstance(e, M.GlobalPlace):
            return str(e.offset)
        if isinstance(e, M.LocalPlace):
            return f"({w.tb} + {e.slot})"
        if isinstance(e, M.TlsPlace):
            if e.thread is None:
                return f"({w.tb} + {e.slot})"
            return f"(TB + ({self.ex(e.thread, w)}) * STRIDE + {e.slot})"
        if isinstance(e, M.IndexPlace):
            if not M.is_place(e.base) and e.base is not computed:
                raise Unsupported("indexing a value that is not a variable")
            key = e.base.type.key  # type: ignore[attr-defined]
            idx = self.ex(e.index, w)
            if isinstance(key, IntType):
                it = e.index.type
                exact = isinstance(it, IntType) and it.lo is not None and \
                    key.lo <= it.lo and it.hi <= key.hi  # type: ignore[operator]
                i = self.fresh("i")
                idx = f"(({idx}) - {_c(key.lo)})" if exact else \
                    (f"({{ int64_t {i} = {idx}; if ({i} < {_c(key.lo)} || {i} > {_c(key.hi)}) "
                     f"goto {w.err}; {i} - {_c(key.lo)}; }})")
            width = e.type.width()
            pos = idx if width == 1 else f"({idx}) * {width}"
            return f"({self.offset(e.base, w, computed)} + {pos})"
        if isinstance(e, M.FieldPlace):
            if not M.is_place(e.base) and e.base is not computed:
                raise Unsupported("a field of a value that is not a variable")
            return f"({self.offset(e.base, w, computed)} + {e.offset})"
        raise AssertionError(e)

    def visit_GlobalPlace(self, e: M.GlobalPlace, w: Where) -> str:
        return f"v[{self.offset(e, w)}]"

    visit_LocalPlace = visit_TlsPlace = visit_GlobalPlace

    def visit_IndexPlace(self, e: M.IndexPlace | M.FieldPlace, w: Where) -> str:
        """A slot of a place, or of a compound value computed first (a sequence's `len`
        after an `append`): its slots go to a local array, read as the state is."""
        root = e.base
        while isinstance(root, (M.IndexPlace, M.FieldPlace)):
            root = root.base
        if M.is_place(root):
            return f"v[{self.offset(e, w)}]"
        tmp = self.fresh("c")
        return (f"({{ int64_t {tmp}[{root.type.width()}]; {self.fill(root, tmp, w)} "
                f"{tmp}[{self.offset(e, w, root)}]; }})")

    visit_FieldPlace = visit_IndexPlace

    # ---------------------------------------------------------------- scalars
    def visit_Const(self, e: M.Const, w: Where) -> str:
        if e.value is None:
            return "NONE"
        if isinstance(e.value, tuple):
            raise Unsupported("a compound constant here")
        return _c(int(e.value))

    def visit_Bound(self, e: M.Bound, w: Where) -> str:
        return f"b{e.uid}"

    def visit_SelfTid(self, e: M.SelfTid, w: Where) -> str:
        return w.me

    def visit_Unwrap(self, e: M.Unwrap, w: Where) -> str:
        x = self.fresh("u")
        return f"({{ int64_t {x} = {self.ex(e.operand, w)}; if ({x} == NONE) goto {w.err}; {x}; }})"

    def visit_Unary(self, e: M.Unary, w: Where) -> str:
        x = self.ex(e.operand, w)
        if e.op == "!":
            return f"(!({x}))"
        if e.op == "-":
            return self.arith("-", "0", x, (0, 0), bounds(e.operand), w)
        if e.op == "int":  # a thread id is stored as its number
            return f"({x})"
        if e.op == "tid":
            t = self.fresh("t")
            return (f"({{ int64_t {t} = {x}; if ({t} < 0 || {t} >= {self.m.pool}) "
                    f"goto {w.err}; {t}; }})")
        t = e.type
        assert isinstance(t, IntType) and e.op == "range"
        r = self.fresh("r")
        return (f"({{ int64_t {r} = {x}; if ({r} < {_c(t.lo)} || {r} > {_c(t.hi)}) "  # type: ignore[arg-type]
                f"goto {w.err}; {r}; }})")

    def visit_Ite(self, e: M.Ite, w: Where) -> str:
        return f"(({self.ex(e.test, w)}) ? ({self.ex(e.then, w)}) : ({self.ex(e.other, w)}))"

    def visit_DefCall(self, e: M.DefCall, w: Where) -> str:
        args = "".join(f", {self.ex(a, w)}" for a in e.args)
        r, bad = self.fresh("r"), self.fresh("bad")
        return (f"({{ int {bad} = 0; int64_t {r} = d_{e.name}(c, v{args}, &{bad}); "
                f"if ({bad}) goto {w.err}; {r}; }})")

    def visit_AtStep(self, e: AtStep, w: Where) -> str:
        pc, x = self.fresh("pc"), f"v[TB + ({self.ex(e.thread, w)}) * STRIDE]"
        if e.first == e.last:
            return f"({x} == {e.first})"
        return f"({{ int64_t {pc} = {x}; {pc} >= {e.first} && {pc} <= {e.last}; }})"

    def visit_LocalOf(self, e: LocalOf, w: Where) -> str:
        b, pc = self.fresh("b"), self.fresh("pc")
        return (f"({{ int64_t {b} = TB + ({self.ex(e.thread, w)}) * STRIDE, {pc} = v[{b}]; "
                f"if ({pc} < {e.first} || {pc} > {e.last}) goto {w.err}; v[{b} + {e.slot}]; }})")

    def visit_Builtin(self, e: M.Builtin, w: Where) -> str:
        args = [self.ex(a, w) for a in e.args]
        if e.name == "size":
            return f"((int64_t)__builtin_popcountll((uint64_t)({args[0]})))"
        if e.name == "free_threads":
            return "free_threads(v)"
        if e.name == "ancestor":
            return f"ancestor(v, {args[0]}, {args[1]})"
        pc = f"v[TB + ({args[0]}) * STRIDE]"
        if e.name == "alive":
            return f"({pc} >= {M.PC_EXITING})"
        if e.name == "done":
            t = self.fresh("t")
            return (f"({{ int64_t {t} = {pc}; {t} >= {M.PC_DONE} && {t} <= {M.PC_FREED}; }})")
        if e.name == "freed":
            return f"({pc} == {M.PC_FREED})"
        if e.name == "parent":
            return f"v[TB + ({args[0]}) * STRIDE + 1]"
        raise AssertionError(e.name)

    def visit_SetOf(self, e: M.SetOf, w: Where) -> str:
        elem = e.type.elem  # type: ignore[attr-defined]
        bits = []
        for item in e.items:
            x = self.ex(item, w)
            if within(item.type, elem):
                bits.append(f"(1ULL << {index_of(elem, x)})")
            else:
                t = self.fresh("x")
                bits.append(f"({{ int64_t {t} = {x}; if ({t} < {_c(elem.lo)} || {t} > "
                            f"{_c(elem.hi)}) goto {w.err}; 1ULL << ({t} - {_c(elem.lo)}); }})")
        return "((int64_t)(" + (" | ".join(bits) or "0ULL") + "))"

    def visit_Compound(self, e: M.Compound, w: Where) -> str:
        raise Unsupported("an array or record value here")

    def visit_Binary(self, e: M.Binary, w: Where) -> str:
        op = e.op
        if compound(e.left.type):
            if op not in ("==", "!="):
                raise Unsupported(f"'{op}' on {e.left.type}")
            return self.compare_compound(e, w)
        a, b = self.ex(e.left, w), self.ex(e.right, w)
        if op == "&&":
            return f"(({a}) && ({b}))"
        if op == "||":
            return f"(({a}) || ({b}))"
        if op == "->":
            return f"(!({a}) || ({b}))"
        if op == "in":
            elem = e.right.type.elem  # type: ignore[attr-defined]
            if within(e.left.type, elem):
                return f"((int64_t)(((uint64_t)({b}) >> {index_of(elem, a)}) & 1))"
            x = self.fresh("x")
            return (f"({{ int64_t {x} = {a}; {x} >= {_c(elem.lo)} && {x} <= {_c(elem.hi)} && "
                    f"(((uint64_t)({b}) >> ({x} - {_c(elem.lo)})) & 1); }})")
        if isinstance(e.type, SetType):
            return {"|": f"(({a}) | ({b}))", "&": f"(({a}) & ({b}))",
                    "-": f"(({a}) & ~({b}))"}[op]
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return f"(({a}) {op} ({b}))"
        if op == "mod":
            x, y, r = self.fresh("a"), self.fresh("b"), self.fresh("r")
            return (f"({{ int64_t {x} = {a}, {y} = {b}; if ({y} <= 0) goto {w.err}; "
                    f"int64_t {r} = {x} % {y}; {r} < 0 ? {r} + {y} : {r}; }})")
        if op in ("/", "%"):
            x, y = self.fresh("a"), self.fresh("b")
            return (f"({{ int64_t {x} = {a}, {y} = {b}; if ({y} == 0) goto {w.err}; "
                    f"{x} {op} {y}; }})")
        return self.arith(op, a, b, bounds(e.left), bounds(e.right), w)

    def arith(self, op: str, a: str, b: str, ra: tuple[int, int] | None,
              rb: tuple[int, int] | None, w: Where) -> str:
        if ra is not None and rb is not None:
            corners = [_apply(op, x, y) for x in ra for y in rb]
            if INT64[0] <= min(corners) and max(corners) <= INT64[1]:
                return f"(({a}) {op} ({b}))"
        fn = {"+": "add", "-": "sub", "*": "mul"}[op]
        r = self.fresh("r")
        return (f"({{ int64_t {r}; if (__builtin_{fn}_overflow((int64_t)({a}), (int64_t)({b}), "
                f"&{r}) || {r} == NONE) overflow(c); {r}; }})")

    def compare_compound(self, e: M.Binary, w: Where) -> str:
        width = e.left.type.width()
        x, y = self.fresh("p"), self.fresh("q")
        eq = f"(memcmp({x}, {y}, sizeof {x}) == 0)"
        return (f"({{ int64_t {x}[{width}], {y}[{width}]; {self.fill(e.left, x, w)} "
                f"{self.fill(e.right, y, w)} {eq if e.op == '==' else '!' + eq}; }})")

    def fill(self, e: M.TExpr, dest: str, w: Where) -> str:
        """C statements that write the slots of a compound value into the array `dest`."""
        if M.is_place(e):
            return f"memcpy({dest}, v + {self.offset(e, w)}, sizeof(int64_t) * {e.type.width()});"
        if isinstance(e, M.Const):
            return " ".join(f"{dest}[{k}] = {'NONE' if x is None else _c(int(x))};"
                            for k, x in enumerate(e.value))
        if isinstance(e, M.Compound):
            out, at = [], 0
            for item in e.items:
                if compound(item.type):
                    sub = self.fresh("s")
                    out.append(f"int64_t {sub}[{item.type.width()}]; {self.fill(item, sub, w)} "
                               f"memcpy({dest} + {at}, {sub}, sizeof {sub});")
                else:
                    out.append(f"{dest}[{at}] = {self.ex(item, w)};")
                at += item.type.width()
            return "{ " + " ".join(out) + " }"
        if isinstance(e, M.Ite):  # a sequence's `append` chooses each item
            return (f"if ({self.ex(e.test, w)}) {{ {self.fill(e.then, dest, w)} }} "
                    f"else {{ {self.fill(e.other, dest, w)} }}")
        raise Unsupported(f"a {e.type} value computed here")

    # ------------------------------------------------------------ quantifiers
    def visit_Quant(self, e: M.Quant, w: Where) -> str:
        var, i, acc = f"b{e.var.uid}", self.fresh("i"), self.fresh("q")
        values = domain_values(e.domain.type)
        lo = values[0] if values else 0
        dense = values == list(range(lo, lo + len(values)))
        value = f"({i} + {_c(lo)})" if dense else \
            f"((const int64_t[]){{{', '.join(map(_c, values))}}})[{i}]"
        prologue, member = "", "1"
        if e.domain.set_expr is not None:
            mask = self.fresh("m")
            prologue = f"int64_t {mask} = {self.ex(e.domain.set_expr, w)}; "
            member = f"(((uint64_t){mask} >> {i}) & 1)"
        body = self.ex(e.body, w)
        every = e.domain.type in self.symmetric  # Python evaluates each element there
        if e.kind in ("forall", "exists"):
            start, hit = ("1", "0") if e.kind == "forall" else ("0", "1")
            test = f"!({body})" if e.kind == "forall" else f"({body})"
            step = f"if ({test}) {{ {acc} = {hit};{'' if every else ' break;'} }}"
        elif e.kind == "count":
            start, step = "0", f"if ({body}) {acc} += 1;"
        elif e.kind == "sum":
            start, step = "0", f"if (__builtin_add_overflow({acc}, (int64_t)({body}), &{acc}) " \
                f"|| {acc} == NONE) overflow(c);"
        elif e.kind == "pick":  # no domain value is NONE, so it means "none found yet"
            start, step = "NONE", f"if ({body}) {{ {acc} = {var}; break; }}"
        else:  # filter
            bit = index_of(e.domain.type, var)
            start, step = "0", f"if ({body}) {acc} |= (int64_t)(1ULL << {bit});"
        none = f"if ({acc} == NONE) goto {w.err}; " if e.kind == "pick" else ""
        return (f"({{ {prologue}int64_t {acc} = {start}; "
                f"for (int {i} = 0; {i} < {len(values)}; {i}++) {{ if (!{member}) continue; "
                f"int64_t {var} = {value}; (void){var}; {step} }} {none}{acc}; }})")


def bounds(e: M.TExpr) -> tuple[int, int] | None:
    """The range of a scalar expression's values, when its type or form says so."""
    if isinstance(e, M.Const) and isinstance(e.value, int) and not isinstance(e.value, bool):
        return e.value, e.value
    t = e.type.inner if isinstance(e.type, OptionalType) else e.type
    if isinstance(t, IntType) and t.lo is not None and t.hi is not None:
        return t.lo, t.hi
    if isinstance(t, (EnumType, TidType, BoolType)):
        values = [int(x) for x in t.values()]
        return min(values), max(values)
    if isinstance(e, M.Binary) and e.op in ("+", "-", "*"):
        a, b = bounds(e.left), bounds(e.right)
        if a is not None and b is not None:
            corners = [_apply(e.op, x, y) for x in a for y in b]
            return min(corners), max(corners)
    if isinstance(e, M.Builtin) and e.name in ("size", "free_threads"):
        return 0, 64
    return None


def _apply(op: str, x: int, y: int) -> int:
    return x + y if op == "+" else x - y if op == "-" else x * y
