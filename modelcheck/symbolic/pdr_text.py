"""The invariant PDR found, said as the spec would say it where the language can.

Spacer's clauses are linear arithmetic over the pool's slots. A clause over globals and
thread-locals of int, bool, enum and tid types and over the threads' pcs reads back as a
`lemma` about the pool's own thread ids (`!(1 at q.t) || a + b - c >= 1`): pasted into the
spec it is searched and proved like any other lemma, for this pool. A clause that reads a
template's local (an evaluation error while the thread runs another template), a set's
bits, a thread running its destructors, or an enum compared by order has no such spelling
and is printed in SMT-LIB instead, its slots named as traces name them (`pc@1`, `own_s@0`).
"""

from __future__ import annotations

from typing import Any

import z3

from ..ir import model as M
from ..ir.typesys import BoolType, IntType, OptionalType, Type
from .lemma_atoms import Naming
from .pool_slots import NONE

COMPARE = {z3.Z3_OP_LE: "<=", z3.Z3_OP_GE: ">=", z3.Z3_OP_LT: "<", z3.Z3_OP_GT: ">",
           z3.Z3_OP_EQ: "==", z3.Z3_OP_DISTINCT: "!="}
FLIPPED = {"<=": ">=", ">=": "<=", "<": ">", ">": "<", "==": "==", "!=": "!="}
NEGATED = {"<=": ">", ">=": "<", "<": ">=", ">": "<=", "==": "!=", "!=": "=="}


class Unsaid(Exception):
    """A clause the spec's language cannot say."""


def clause_texts(m: M.Model, inv: z3.BoolRef, s: Any, name: str) -> tuple[list[str], str]:
    """(a `lemma` per clause of `inv` (over the slots of `s`), or its SMT-LIB as a comment;
    what the pc numbers in the comments stand for, empty without comments)."""
    said = Said(m, s)
    clauses = inv.children() if z3.is_and(inv) else [inv]
    scope = f" for {m.variant}" if len(m.variants) > 1 else ""
    out = []
    for n, clause in enumerate(clauses, 1):
        try:
            out.append(f"lemma PDR-{name}-{n}{scope}: {said.bool(clause)};")
        except Unsaid as e:
            smt = " ".join(z3.substitute(clause, *said.named).sexpr().split())
            out.append(f"// {smt}  ({e})")
    if not any(text.startswith("//") for text in out):
        return out, ""
    pcs = [f"{M.PC_UNUSED} unused", f"{M.PC_DONE} done", f"{M.PC_FREED} freed",
           f"{M.PC_EXITING} running destructors"]
    pcs += [f"{pc} {tpl.name}.{step.label}" for pc, (tpl, step) in sorted(m.steps_by_pc.items())]
    return out, "pc: " + ", ".join(pcs)


class Said:
    """Reads z3 terms over one state's slots back as spec expressions."""

    def __init__(self, m: M.Model, s: Any):
        self.m = m
        self.naming = naming = Naming(m)
        self.slot: dict[str, tuple[str, Any]] = {}  # z3 name -> (spec text, type or "pc")
        names = []
        for j, x in enumerate(s.slots):
            if j < m.thread_base:
                text, t = naming.globals[j]
                self.slot[str(x)] = (text, t)
                names.append(text)
                continue
            k, r = divmod(j - m.thread_base, m.thread_stride)
            entry = naming.block.get(r)
            if r == 0:
                self.slot[str(x)] = (str(k), "pc")
                names.append(f"pc@{k}")
            elif entry is not None and (r == 1 or entry[2]):
                text = f"parent({k})" if r == 1 else f"{entry[0]}@{k}"
                self.slot[str(x)] = (text, entry[1])
                names.append(text)
            else:
                names.append(f"{entry[0]}@{k}" if entry else f"slot{r}@{k}")
        self.named = [(x, z3.Const(n, x.sort())) for x, n in zip(s.slots, names)]

    def bool(self, e: z3.ExprRef) -> str:
        if z3.is_true(e) or z3.is_false(e):
            return str(z3.is_true(e)).lower()
        if z3.is_not(e):
            inner = e.arg(0)
            if _comparison(inner) and self.numeric(inner):
                return self.compare(NEGATED[COMPARE[inner.decl().kind()]], *inner.children())
            text = self.bool(inner)
            return f"!{text}" if _grouped(text) or " " not in text else f"!({text})"
        if z3.is_and(e) or z3.is_or(e):
            glue = " && " if z3.is_and(e) else " || "
            return "(" + glue.join(self.bool(a) for a in e.children()) + ")"
        if z3.is_implies(e):
            return f"({self.bool(e.arg(0))} -> {self.bool(e.arg(1))})"
        if z3.is_const(e) and str(e) in self.slot:
            text, t = self.slot[str(e)]
            if isinstance(t, BoolType):
                return text
        if _comparison(e):
            return self.compare(COMPARE[e.decl().kind()], e.arg(0), e.arg(1))
        raise Unsaid(f"no spelling for {e.decl().name() if z3.is_app(e) else e}")

    def compare(self, op: str, a: z3.ExprRef, b: z3.ExprRef) -> str:
        if z3.is_bool(a):
            left, right = self.bool(a), self.bool(b)
            return f"({left} {'==' if op == '==' else '!='} {right})"
        if z3.is_int_value(a):
            op, a, b = FLIPPED[op], b, a
        kind = self.slot.get(str(a), (None, None))[1] if z3.is_const(a) else None
        if kind == "pc" and z3.is_int_value(b):
            return self.pcs(self.slot[str(a)][0], op, b.as_long())
        if kind is not None and type(kind) is not IntType and z3.is_int_value(b):
            return self.members(self.slot[str(a)][0], kind, op, b.as_long())
        return f"{self.arith(a)} {op} {self.arith(b)}"

    def numeric(self, e: z3.ExprRef) -> bool:
        """A comparison of int ranges, which negates by turning its operator round (a pc,
        enum or id compared becomes a list of values, which `!` reads better in front of)."""
        sides = [x for x in e.children() if z3.is_const(x) and str(x) in self.slot]
        return not z3.is_bool(e.arg(0)) and all(type(self.slot[str(x)][1]) is IntType
                                                 for x in sides)

    def members(self, text: str, t: Type, op: str, v: int) -> str:
        """`x op v` for a slot of an enum, id or optional type: the values that satisfy it."""
        every = ([NONE] if isinstance(t, OptionalType) else []) + \
            (t.inner if isinstance(t, OptionalType) else t).values()
        chosen = [x for x in every if _test(op, x, v)]
        if op in ("==", "!=") and v in every:
            return f"{text} {op} {self.value(t, v)}"
        if len(chosen) == len(every) or not chosen:
            return "true" if chosen else "false"
        return "(" + " || ".join(f"{text} == {self.value(t, x)}" for x in chosen) + ")"

    def arith(self, e: z3.ExprRef) -> str:
        if z3.is_int_value(e):
            return str(e.as_long())
        if z3.is_const(e) and str(e) in self.slot:
            text, t = self.slot[str(e)]
            if type(t) is IntType:  # not a member number, whose arithmetic means nothing
                return text
            raise Unsaid(f"{text} is not an int")
        if z3.is_add(e):
            terms = [self.signed(a) for a in e.children()]
            first = terms[0][1] if terms[0][0] > 0 else f"0 - {terms[0][1]}"
            return "(" + first + "".join(f" {'+' if sign > 0 else '-'} {text}"
                                         for sign, text in terms[1:]) + ")"
        if z3.is_mul(e) and e.num_args() == 2 and z3.is_int_value(e.arg(0)):
            return f"{e.arg(0).as_long()} * {self.arith(e.arg(1))}"
        raise Unsaid(f"no spelling for {e}")

    def signed(self, e: z3.ExprRef) -> tuple[int, str]:
        """A term of a sum as (sign, text without it): z3 writes `a - c` as `a + -1 * c`."""
        if z3.is_int_value(e) and e.as_long() < 0:
            return -1, str(-e.as_long())
        if z3.is_mul(e) and e.num_args() == 2 and z3.is_int_value(e.arg(0)) \
                and e.arg(0).as_long() < 0:
            coefficient, rest = -e.arg(0).as_long(), self.arith(e.arg(1))
            return -1, rest if coefficient == 1 else f"{coefficient} * {rest}"
        return 1, self.arith(e)

    def value(self, t: Type, v: int) -> str:
        if v == NONE:
            if not isinstance(t, OptionalType):
                raise Unsaid("none outside an optional")
            return "none"
        return self.naming.value(t.inner if isinstance(t, OptionalType) else t, v)

    def pcs(self, k: str, op: str, v: int) -> str:
        """`pc@k op v` as the statuses and steps whose pc satisfies it."""
        every = [M.PC_UNUSED, M.PC_DONE, M.PC_FREED] + sorted(self.m.steps_by_pc)
        if self.m.layout.dtors is not None:
            every.append(M.PC_EXITING)
        chosen = [pc for pc in every if _test(op, pc, v)]
        if len(chosen) == len(every):
            return "true"
        if not chosen:
            return "false"
        return "(" + " || ".join(self.status(k, pc) for pc in chosen) + ")"

    def status(self, k: str, pc: int) -> str:
        said = {M.PC_UNUSED: f"(!alive({k}) && !done({k}))",
                M.PC_DONE: f"(done({k}) && !freed({k}))", M.PC_FREED: f"freed({k})"}
        if pc in said:
            return said[pc]
        if pc == M.PC_EXITING:
            raise Unsaid("a thread running its destructors")
        tpl, step = self.m.steps_by_pc[pc]
        return f"{k} at {tpl.name}.{step.label}"


def _comparison(e: z3.ExprRef) -> bool:
    return z3.is_app(e) and e.decl().kind() in COMPARE and e.num_args() == 2


def _grouped(text: str) -> bool:
    """The text is one parenthesised group (so `!` needs no more parentheses)."""
    depth = 0
    for n, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and n < len(text) - 1:
            return False
    return text.startswith("(")


def _test(op: str, x: int, v: int) -> bool:
    return {"<=": x <= v, ">=": x >= v, "<": x < v, ">": x > v, "==": x == v, "!=": x != v}[op]
