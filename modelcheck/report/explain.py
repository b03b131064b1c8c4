"""Why a property is false in a concrete state: the deciding sub-expression and its bindings.

The search only learns that an invariant's compiled function returned False.
A reviewer needs more: which conjunct failed, for which thread, reading which
values. This module evaluates the typed IR of `model.py` directly on a state
tuple, with the semantics `codegen.py` compiles (same encodings, same errors),
and walks down from the property to the smallest sub-expression whose value
alone decides the result, collecting the witnesses of quantifiers and the
arguments of definitions on the way. It is slow and only runs for reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..backends.runtime import EvalError
from ..ir import model as M
from ..ir.places import addressable
from ..ir.typesys import EmptySetType, IntType, NoneType, SetType, Type, is_compound
from ..ir.values import decode, show, show_set
from ..ir.walk import statements


class Unbound(Exception):
    """The expression reads a name the state does not hold (a `let` inside a step)."""


@dataclass
class Frame:
    """One sub-expression on the way down, with its value and what was bound to reach it."""

    expr: str
    value: str
    binds: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


@dataclass
class Explanation:
    prop: str
    frames: list[Frame]                 # from the whole property down to the culprit
    reads: list[tuple[str, str]]        # the values the culprit reads

    @property
    def culprit(self) -> Frame:
        return self.frames[-1]

    @property
    def bindings(self) -> list[tuple[str, str]]:
        """Each name bound on the way down once (a def parameter often repeats a witness)."""
        return list(dict.fromkeys(b for f in self.frames for b in f.binds))


class Evaluator:
    """The value of an IR expression in a state, encoded as the state holds it."""

    def __init__(self, model: M.Model):
        self.m = model

    def tb(self, thread: int) -> int:
        return self.m.thread_base + thread * self.m.thread_stride

    def value(self, e: M.TExpr, s: tuple, env: dict[int, Any], me: int | None = None) -> Any:
        if isinstance(e, M.Const):
            return e.value
        if M.is_place(e):
            root, off = self.offset(e, s, env, me)
            w = e.type.width()
            return tuple(root[off:off + w]) if is_compound(e.type) else root[off]
        if isinstance(e, M.Bound):
            if e.uid not in env:
                raise Unbound(e.name)
            return env[e.uid]
        if isinstance(e, M.SelfTid):
            if me is None:
                raise Unbound("self")
            return me
        if isinstance(e, M.Builtin):
            return self.builtin(e, s, env, me)
        if isinstance(e, M.DefCall):
            d = self.m.defs[e.name]
            inner = {p.uid: self.value(a, s, env, me) for p, a in zip(d.params, e.args)}
            return self.value(d.body, s, inner)
        if isinstance(e, M.Unary):
            x = self.value(e.operand, s, env, me)
            if e.op == "range":
                if not e.type.lo <= x <= e.type.hi:  # type: ignore[attr-defined]
                    raise EvalError(f"result {x} is outside {e.type}")
                return x
            return (not x) if e.op == "!" else -x
        if isinstance(e, M.Unwrap):
            x = self.value(e.operand, s, env, me)
            if x is None:
                raise EvalError(f"'none' used as a value at {e.pos}")
            return x
        if isinstance(e, M.Binary):
            return self.binary(e, s, env, me)
        if isinstance(e, M.SetOf):
            mask = 0
            for item in e.items:
                mask |= 1 << _elem_index(e.type.elem,  # type: ignore[attr-defined]
                                         self.value(item, s, env, me), strict=True)
            return mask
        if isinstance(e, M.Compound):
            flat: list[Any] = []
            for item in e.items:
                x = self.value(item, s, env, me)
                flat.extend(x if is_compound(item.type) else (x,))
            return tuple(flat)
        if isinstance(e, M.Quant):
            return self.quant(e, s, env, me)
        if isinstance(e, M.Ite):
            branch = e.then if self.value(e.test, s, env, me) else e.other
            return self.value(branch, s, env, me)
        raise AssertionError(e)

    def offset(self, e: M.TExpr, s: tuple, env: dict[int, Any],
               me: int | None) -> tuple[tuple, int]:
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

    def builtin(self, e: M.Builtin, s: tuple, env: dict[int, Any], me: int | None) -> Any:
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

    def binary(self, e: M.Binary, s: tuple, env: dict[int, Any], me: int | None) -> Any:
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
        if op in ("/", "%"):
            if b == 0:
                raise EvalError("division by zero")
            q = abs(a) // abs(b)
            q = q if (a >= 0) == (b >= 0) else -q
            return q if op == "/" else a - q * b
        return _OPS[op](a, b)

    def quant(self, e: M.Quant, s: tuple, env: dict[int, Any], me: int | None) -> Any:
        if e.kind in ("forall", "exists"):
            return (self.witness(e, s, env, me) is None) == (e.kind == "forall")
        chosen = [x for x in self.domain(e.domain, s, env, me)
                  if self.value(e.body, s, {**env, e.var.uid: x}, me)]
        if e.kind == "count":
            return len(chosen)
        return sum(1 << _elem_index(e.domain.type, x, strict=True) for x in chosen)

    def witness(self, e: M.Quant, s: tuple, env: dict[int, Any], me: int | None) -> Any:
        """The first value that decides a forall (false) or an exists (true); None if none.

        Evaluated in domain order and stopping at the first, like the compiled all()/any(),
        so an evaluation error is raised exactly when the compiled code raises one.
        """
        want = e.kind == "exists"
        for x in self.domain(e.domain, s, env, me):
            if bool(self.value(e.body, s, {**env, e.var.uid: x}, me)) == want:
                return (x,)
        return None

    def domain(self, d: M.Domain, s: tuple, env: dict[int, Any], me: int | None) -> list[Any]:
        values = d.type.values()
        if d.set_expr is None:
            return values
        mask = self.value(d.set_expr, s, env, me)
        return [x for i, x in enumerate(values) if mask >> i & 1]


def holds(model: M.Model, e: M.TExpr, state: tuple) -> bool:
    """An invariant's truth value; raises EvalError where the compiled invariant does."""
    return bool(Evaluator(model).value(e, state, {}))


def explain(model: M.Model, prop: str, e: M.TExpr, state: tuple,
            me: int | None = None) -> Explanation:
    """Walk from `e` down to the sub-expression that decides its value in `state`
    (as seen by thread `me`, for an assertion inside a step)."""
    ev = Evaluator(model)
    env: dict[int, Any] = {}
    frames: list[Frame] = []
    binds: list[tuple[str, str]] = [] if me is None else [("self", str(me))]
    while True:
        e = _strip(e)
        val = ev.value(e, state, env, me)
        frame = Frame(render(e), shown(e.type, val), binds)
        frames.append(frame)
        nxt = _decisive(ev, e, val, state, env, me, frame)
        if nxt is None:
            break
        e, env, binds = nxt
    return Explanation(prop, frames, _reads(ev, e, state, env, me))


def explain_assertion(model: M.Model, template: str, label: str, prop: str, state: tuple,
                      me: int) -> Explanation | None:
    """The failing `assert` of a step, explained in the state it saw; None when it reads a
    `let` or `choose` name, whose value the state does not keep."""
    step = next((st for t, st in model.steps_by_pc.values()
                 if t.name == template and st.label == label), None)
    if step is None:
        return None
    for a in statements(step.body):
        if not isinstance(a, M.Assert) or a.prop != prop:
            continue
        try:
            if not Evaluator(model).value(a.cond, state, {}, me):
                return explain(model, prop, a.cond, state, me)
        except (Unbound, EvalError):
            continue
    return None


def _decisive(ev: Evaluator, e: M.TExpr, val: Any, s: tuple, env: dict[int, Any],
              me: int | None, frame: Frame) -> tuple[M.TExpr, dict[int, Any], list] | None:
    """The one child whose value alone gives `e` its value, if there is one."""
    if isinstance(e, M.Binary) and e.op in ("&&", "||", "->"):
        left = bool(ev.value(e.left, s, env, me))
        if e.op == "->":
            if val:
                return (e.left, env, []) if not left else (e.right, env, [])
            frame.note = "the premise holds and the conclusion does not"
            return e.right, env, []
        if bool(val) == (e.op == "||"):
            return (e.left if left == bool(val) else e.right), env, []
        frame.note = "every conjunct holds" if val else "every alternative is false"
        return None
    if isinstance(e, M.Unary) and e.op == "!":
        return e.operand, env, []
    if isinstance(e, M.Ite):
        test = bool(ev.value(e.test, s, env, me))
        frame.note = f"{render(e.test)} is {show(test)}"
        return (e.then if test else e.other), env, []
    if isinstance(e, M.DefCall):
        d = ev.m.defs[e.name]
        inner = {p.uid: ev.value(a, s, env, me) for p, a in zip(d.params, e.args)}
        binds = [(p.name, shown(p.type, inner[p.uid])) for p in d.params]
        return d.body, inner, binds
    if isinstance(e, M.Quant) and e.kind in ("forall", "exists"):
        w = ev.witness(e, s, env, me)
        name = e.var.name
        if w is None:
            what = "no" if e.kind == "exists" else "every"
            frame.note = f"{what} {name} in {_render_domain(e.domain)} satisfies the body"
            return None
        x = shown(e.var.type, w[0])
        frame.note = f"{'false' if e.kind == 'forall' else 'true'} for {name} = {x}"
        return e.body, {**env, e.var.uid: w[0]}, [(name, x)]
    return None


def _reads(ev: Evaluator, e: M.TExpr, s: tuple, env: dict[int, Any],
           me: int | None) -> list[tuple[str, str]]:
    """Values of the places and builtins inside the culprit that can be evaluated here."""
    out: dict[str, str] = {}
    for atom in _atoms(e):
        text = render(atom)
        if text in out or atom is e:
            continue
        try:
            out[text] = shown(atom.type, ev.value(atom, s, env, me))
        except (Unbound, EvalError):
            continue
    return list(out.items())


def _atoms(e: M.TExpr) -> Iterator[M.TExpr]:
    e = _strip(e)
    whole_array = isinstance(e, M.GlobalPlace) and is_compound(e.type)  # its element is shown
    if (M.is_place(e) and not whole_array) or isinstance(e, (M.Builtin, M.DefCall)):
        yield e
    for child in _children(e):
        yield from _atoms(child)


def _children(e: M.TExpr) -> list[M.TExpr]:
    if isinstance(e, (M.Builtin, M.DefCall, M.SetOf, M.Compound)):
        return list(e.args if isinstance(e, (M.Builtin, M.DefCall)) else e.items)
    if isinstance(e, (M.Unary, M.Unwrap)):
        return [e.operand]
    if isinstance(e, M.Binary):
        return [e.left, e.right]
    if isinstance(e, M.Ite):
        return [e.test, e.then, e.other]
    if isinstance(e, M.Quant):
        return [e.body] + ([e.domain.set_expr] if e.domain.set_expr is not None else [])
    if isinstance(e, M.IndexPlace):
        return [e.base, e.index]
    if isinstance(e, M.FieldPlace):
        return [e.base]
    if isinstance(e, M.TlsPlace) and e.thread is not None:
        return [e.thread]
    return []


# ------------------------------------------------------------------- rendering


def shown(t: Type, value: Any) -> str:
    """An encoded value in the spec's syntax."""
    if isinstance(t, EmptySetType):
        return "{}"
    if isinstance(t, NoneType) or value is None:
        return "none"
    if isinstance(t, IntType) and t.lo is None:
        return str(value)
    decoded = decode(t, value if isinstance(value, tuple) else (value,))
    return show_set(decoded) if isinstance(t, SetType) else show(decoded)


def render(e: M.TExpr) -> str:
    """An IR expression back in the spec's syntax (constants folded, as checked)."""
    return _render(e)[0]


# Binding strength of the operators, as in grammar.lark: the higher, the tighter.
_PREC = {"->": 1, "||": 2, "&&": 3, "!": 4, "==": 5, "!=": 5, "<": 5, "<=": 5, ">": 5,
         ">=": 5, "in": 5, "|": 6, "&": 6, "+": 7, "-": 7, "*": 8, "/": 8, "%": 8}
_ATOM = 10


def _render(e: M.TExpr) -> tuple[str, int]:
    """Text and binding strength, so operands get parentheses only where they need them."""
    e = _strip(e)
    if isinstance(e, M.Unary) and e.op == "!" and isinstance(_strip(e.operand), M.Binary) \
            and _strip(e.operand).op == "in":  # type: ignore[attr-defined]
        inner: M.Binary = _strip(e.operand)  # type: ignore[assignment]
        return f"{_operand(inner.left, 6)} not in {_operand(inner.right, 6)}", 5
    if isinstance(e, M.Unary):
        p = 4 if e.op == "!" else 9
        return f"{e.op}{_operand(e.operand, p)}", p
    if isinstance(e, M.Binary):
        p = _PREC[e.op]
        if e.op == "->":  # right-associative
            return f"{_operand(e.left, p + 1)} -> {_operand(e.right, p)}", p
        right = p + 1
        left = p + 1 if p == 5 else p  # comparisons do not chain
        return f"{_operand(e.left, left)} {e.op} {_operand(e.right, right)}", p
    if isinstance(e, M.Quant):
        head = f"{e.var.name} in {_render_domain(e.domain)}"
        if e.kind in ("count", "filter"):
            return f"{e.kind}({head} : {render(e.body)})", _ATOM
        return f"{e.kind} {head} : {render(e.body)}", 0
    if isinstance(e, M.Ite):
        return f"if {render(e.test)} then {render(e.then)} else {render(e.other)}", 0
    return _render_atom(e), _ATOM


def _render_atom(e: M.TExpr) -> str:
    if isinstance(e, M.Const):
        return shown(e.type, e.value)
    if isinstance(e, (M.GlobalPlace, M.LocalPlace, M.Bound)):
        return e.name
    if isinstance(e, M.TlsPlace):
        return e.name if e.thread is None else f"{e.name}@{_operand(e.thread, _ATOM)}"
    if isinstance(e, M.IndexPlace):
        return f"{_operand(e.base, _ATOM)}[{render(e.index)}]"
    if isinstance(e, M.FieldPlace):
        return f"{_operand(e.base, _ATOM)}.{e.name}"
    if isinstance(e, M.SelfTid):
        return "self"
    if isinstance(e, (M.Builtin, M.DefCall)):
        return f"{e.name}({', '.join(render(a) for a in e.args)})"
    if isinstance(e, M.SetOf):
        return "{" + ", ".join(render(i) for i in e.items) + "}"
    if isinstance(e, M.Compound):
        return "[" + ", ".join(render(i) for i in e.items) + "]"
    raise AssertionError(e)


def _operand(e: M.TExpr, strength: int) -> str:
    text, p = _render(e)
    return text if p >= strength else f"({text})"


def _render_domain(d: M.Domain) -> str:
    return render(d.set_expr) if d.set_expr is not None else str(d.type)


def _strip(e: M.TExpr) -> M.TExpr:
    """Skip the nodes that only check a value (unwrap of an optional, a def's result range)."""
    while isinstance(e, M.Unwrap) or (isinstance(e, M.Unary) and e.op == "range"):
        e = e.operand
    return e


def _elem_index(t: Type, x: Any, strict: bool) -> int | None:
    """Bit of a set element; outside an int element type: an error, or (for `in`) None."""
    if isinstance(t, IntType):
        if not t.lo <= x <= t.hi:  # type: ignore[operator]
            if strict:
                raise EvalError(f"set element {x} is outside {t.lo}..{t.hi}")
            return None
        return x - t.lo  # type: ignore[operator]
    return int(x)


_OPS = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
}
