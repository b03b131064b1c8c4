"""The atoms inferred lemmas are made of: one slot of the fixed pool's state compared with a
value or a thread id, read three ways (on explicit states, as z3 terms, as spec text).

A lemma is a clause of at most two literals over these atoms, quantified over one or two
distinct thread ids `a` and `b` (`lemma_mining`). The atoms are equalities because the
reachable states of a small pool take few values per slot, and an equality is what a CTI
gets wrong: a pc another thread cannot be at, a flag that cannot be set while it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from ..ir import model as M
from ..ir.typesys import ArrayType, BoolType, OptionalType, RecordType, SetType, TidType, Type
from ..ir.values import decode, show, show_set
from .pool_folds import term
from .pool_slots import Slots, SymState, literal

VARS = ("a", "b")


@dataclass(frozen=True)
class Atom:
    """`slot == value`. kind "g": global slot; "t": slot `slot` of thread `var`'s block;
    "ga": element `var` of the tid-indexed array leaf `Naming.indexed[slot]`; "id": thread
    `var` is id `value`; "gt"/"tt": a global / thread `var`'s slot holds the other
    quantified thread's id (`value` is that variable's index)."""

    kind: str
    var: int
    slot: int
    value: Any

    def vars(self) -> set[int]:
        other = {self.value} if self.kind in ("gt", "tt") else set()
        return ({self.var} if self.kind != "g" else set()) | other


class Naming:
    """The spec's names for slots, so that lemmas print as the user would write them."""

    def __init__(self, model: M.Model):
        self.m = model
        self.slots = Slots(model)
        self.globals: list[tuple[str, Type]] = []
        # leaves of arrays indexed by thread id: (first slot, element width, name, type);
        # `name` holds `{}` where the index goes
        self.indexed: list[tuple[int, int, str, Type]] = []
        for var in model.vars:
            self.globals += _leaf_names(var.name, var.type)
            t = var.type
            if isinstance(t, ArrayType) and isinstance(t.key, TidType) \
                    and len(t.key.values()) == model.pool:
                leaves = _leaf_names("", t.elem)
                self.indexed += [(var.offset + k, len(leaves), var.name + "[{}]" + name, lt)
                                 for k, (name, lt) in enumerate(leaves)]
        self.block: dict[int, tuple[str, Type, bool]] = {1: ("parent", TidType(model.pool), True)}
        for name, (slot, t) in model.layout.tls.items():
            self.block[slot] = (name, t, True)
        for tpl in [*model.templates.values(), *model.handlers]:
            for loc in tpl.params + tpl.locals:
                self.block.setdefault(loc.slot, (loc.name, loc.type, False))

    def tid_slot(self, atom_kind: str, slot: int) -> bool:
        """The slot holds a thread id (so it can be compared with a quantified one)."""
        t = self.globals[slot][1] if atom_kind == "g" else \
            self.block.get(slot, ("", BoolType(), False))[1]
        t = t.inner if isinstance(t, OptionalType) else t
        return isinstance(t, TidType)

    def value(self, t: Type, v: Any) -> str:
        if isinstance(t, SetType):
            return show_set(decode(t, (v,), 0))
        return show(decode(t, (v,), 0))

    def text(self, atom: Atom, positive: bool) -> tuple[str, bool]:
        """(the literal in spec syntax, whether the language can say it today)."""
        a = VARS[atom.var]
        eq, ne = ("==", "!=") if positive else ("!=", "==")
        if atom.kind == "id":
            return f"{a} {eq} {atom.value}", True
        if atom.kind in ("g", "gt"):
            name, t = self.globals[atom.slot]
            place, ok = name, True
        elif atom.kind == "ga":
            _, _, name, t = self.indexed[atom.slot]
            place, ok = name.format(a), True
        elif atom.slot == 0:
            return _status(a, atom.value, self.m, positive)
        elif atom.slot in self.block:
            name, t, ok = self.block[atom.slot]
            place = f"parent({a})" if name == "parent" else f"{name}@{a}" if ok else f"{a}.{name}"
        else:
            return f"{a}.<runtime slot {atom.slot}> {eq} {atom.value}", False
        if atom.kind in ("gt", "tt"):
            return f"{place} {eq} {VARS[atom.value]}", ok
        if isinstance(t, BoolType):
            return (place if atom.value == positive else f"!{place}"), ok
        return f"{place} {eq} {self.value(t, atom.value)}", ok

    def slot_of(self, atom: Atom, ids: tuple[int, ...]) -> int:
        """The state slot an atom reads, with the quantified threads at the ids given."""
        if atom.kind in ("g", "gt"):
            return atom.slot
        if atom.kind == "ga":
            first, width, _, _ = self.indexed[atom.slot]
            return first + ids[atom.var] * width
        return self.slots.base(ids[atom.var]) + atom.slot

    def z3(self, atom: Atom, s: SymState, ids: tuple[int, ...]) -> z3.BoolRef:
        """The atom over s, with the quantified threads at the ids given."""
        if atom.kind == "id":
            return z3.BoolVal(ids[atom.var] == atom.value)
        j = self.slot_of(atom, ids)
        value = ids[atom.value] if atom.kind in ("gt", "tt") else atom.value
        return term(s.eq(j, literal(self.slots.kinds[j], value)))


def _status(a: str, pc: int, m: M.Model, positive: bool) -> tuple[str, bool]:
    """A pc literal: a status is a builtin, a step needs `a at tmpl.label`."""
    said = {M.PC_UNUSED: f"!alive({a}) && !done({a})", M.PC_DONE: f"done({a}) && !freed({a})",
            M.PC_FREED: f"freed({a})"}
    if pc in said:
        return (f"({said[pc]})" if positive else f"!({said[pc]})"), True
    if pc == M.PC_EXITING:
        where = "running its destructors"
    else:
        tpl, step = m.steps_by_pc[pc]
        where = f"{tpl.name}.{step.label}"
    return (f"{a} at {where}" if positive else f"!({a} at {where})"), False


def _leaf_names(name: str, t: Type) -> list[tuple[str, Type]]:
    """The spec's name for each slot of a variable, in slot order."""
    if isinstance(t, ArrayType):
        keys = [show(decode(t.key, [k])) for k in t.key.values()]
        return [x for k in keys for x in _leaf_names(f"{name}[{k}]", t.elem)]
    if isinstance(t, RecordType):
        return [x for f, ft in t.fields for x in _leaf_names(f"{name}.{f}", ft)]
    return [(name, t)]
