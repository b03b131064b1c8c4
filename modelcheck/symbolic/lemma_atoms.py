"""The atoms inferred lemmas are made of: one slot of the fixed pool's state compared with a
value or a thread id, read three ways (on explicit states, as z3 terms, as spec text).

A lemma is a clause of at most two literals over these atoms, quantified over one or two
distinct thread ids `a` and `b` (`lemma_mining`). The atoms are equalities because the
reachable states of a small pool take few values per slot, and an equality is what a CTI
gets wrong: a pc another thread cannot be at, a flag that cannot be set while it is.
Two slots of one type are also compared with each other (`own_s@a == own_s@b`,
`fs@a == own_c@a`): "two threads never share a block" is not a statement about values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..ir import model as M
from ..ir.typesys import (
    ArrayType,
    BoolType,
    OptionalType,
    RecordType,
    SetType,
    TidType,
    Type,
    strip_optional,
)
from ..ir.values import decode, show, show_set
from .pool_slots import Slots, SymState, literal

VARS = ("a", "b")


@dataclass(frozen=True)
class Atom:
    """`slot == value`. kind "g": global slot; "t": slot `slot` of thread `var`'s block;
    "ga": element `var` of the tid-indexed array leaf `Naming.indexed[slot]`; "id": thread
    `var` is id `value`; "gt"/"tt": a global / thread `var`'s slot holds the other
    quantified thread's id (`value` is that variable's index); "cmp": two places hold the
    same value, `slot` and `value` each a place (kind "g", "t" or "ga", var, slot) as the
    kinds above read them, `var` the first place's."""

    kind: str
    var: int
    slot: Any
    value: Any

    def vars(self) -> set[int]:
        if self.kind == "cmp":
            return {p[1] for p in (self.slot, self.value) if p[0] != "g"}
        other = {self.value} if self.kind in ("gt", "tt") else set()
        return ({self.var} if self.kind != "g" else set()) | other

    def swapped(self) -> Atom:
        """The atom with the quantified variables a and b exchanged."""
        if self.kind == "g":
            return self
        if self.kind == "cmp":
            return compare(_swap(self.slot), _swap(self.value))
        return Atom(self.kind, 1 - self.var, self.slot,
                    1 - self.value if self.kind in ("gt", "tt") else self.value)


def compare(p: tuple, q: tuple) -> Atom:
    """The atom `p == q`, its places in one order, so that renaming finds duplicates."""
    p, q = sorted((p, q))
    return Atom("cmp", p[1], p, q)


def _swap(place: tuple) -> tuple:
    kind, var, slot = place
    return place if kind == "g" else (kind, 1 - var, slot)


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

    def guard(self, atom: Atom, positive: bool) -> M.Template | None:
        """The thread template a negative literal `!(a at w.cs)` names: as the premise of an
        implication it keeps the rest from being read unless a runs w, where `a.x` is w's
        local (elsewhere the slot may hold anything, and `a.x` is an evaluation error)."""
        if atom.kind != "t" or atom.slot != 0 or positive or atom.value not in self.m.steps_by_pc:
            return None
        tpl = self.m.steps_by_pc[atom.value][0]
        return tpl if any(tpl is t for t in self.m.templates.values()) else None

    def local(self, var: int, slot: int, within: M.Template) -> tuple[str, Type] | None:
        """`a.x` (or `a.w.x` when another template has an x) for a block slot that is one of
        w's locals."""
        found = [x for x in within.params + within.locals if x.slot == slot]
        if not found:
            return None
        name = found[0].name
        shared = sum(any(x.name == name for x in t.params + t.locals)
                     for t in self.m.templates.values()) > 1
        return f"{VARS[var]}.{within.name + '.' if shared else ''}{name}", found[0].type

    def text(self, atom: Atom, positive: bool, within: M.Template | None = None
             ) -> tuple[str, bool]:
        """(the literal in spec syntax, whether the language can say it today); `within`:
        the template the literal's thread is known to run (see `guard`)."""
        a = VARS[atom.var]
        eq, ne = ("==", "!=") if positive else ("!=", "==")
        if atom.kind == "id":
            return f"{a} {eq} {atom.value}", True
        if atom.kind == "cmp":
            (p, _, ok), (q, _, ok2) = (self.place(*x, within) for x in (atom.slot, atom.value))
            return f"{p} {eq} {q}", ok and ok2
        if atom.kind in ("g", "gt"):
            name, t = self.globals[atom.slot]
            place, ok = name, True
        elif atom.kind == "ga":
            _, _, name, t = self.indexed[atom.slot]
            place, ok = name.format(a), True
        elif atom.slot == 0:
            return _status(a, atom.value, self.m, positive)
        elif atom.slot in self.block:
            place, t, ok = self.place("t", atom.var, atom.slot, within)
        else:
            return f"{a}.<runtime slot {atom.slot}> {eq} {atom.value}", False
        if atom.kind in ("gt", "tt"):
            return f"{place} {eq} {VARS[atom.value]}", ok
        if isinstance(t, BoolType):
            return (place if atom.value == positive else f"!{place}"), ok
        return f"{place} {eq} {self.value(t, atom.value)}", ok

    def place(self, kind: str, var: int, slot: int, within: M.Template | None = None
              ) -> tuple[str, Type, bool]:
        """A place of a comparison atom: (its spec text, type, whether lemmas can say it);
        `within` as in `text`."""
        a = VARS[var]
        if kind == "g":
            name, t = self.globals[slot]
            return name, t, True
        if kind == "ga":
            _, _, name, t = self.indexed[slot]
            return name.format(a), t, True
        name, t, ok = self.block[slot]
        local = None if ok or within is None else self.local(var, slot, within)
        if local is not None:
            return *local, True
        return (f"parent({a})" if name == "parent" else f"{name}@{a}" if ok else
                f"{a}.{name}"), t, ok

    def places(self) -> list[tuple[str, int]]:
        """Every place a comparison may read, as (kind, slot), for one thread: globals,
        tid-indexed array leaves and the block's named slots other than the pc."""
        return [("g", j) for j in range(len(self.globals))] + \
            [("ga", n) for n in range(len(self.indexed))] + \
            [("t", r) for r in sorted(self.block) if r != 0]

    def comparable(self, p: tuple[str, int], q: tuple[str, int]) -> bool:
        """Two places hold Int-encoded values of one type (`none` allowed in either), which
        is when `==` between them means something."""
        types = [self._types(*x) for x in (p, q)]
        return len(types[0] | types[1]) == 1 and all(
            not isinstance(t, (BoolType, SetType)) for t in types[0])

    def _types(self, kind: str, slot: int) -> set[Type]:
        j = slot if kind == "g" else self.indexed[slot][0] if kind == "ga" else \
            self.m.thread_base + slot
        if self.slots.kinds[j] != "i":
            return {BoolType(), SetType(BoolType())}  # never comparable
        return {strip_optional(t) for t in self.slots.types[j]} or \
            {strip_optional(self.block[slot][1])}

    def slot_of(self, atom: Atom, ids: tuple[int, ...]) -> int:
        """The state slot an atom reads, with the quantified threads at the ids given."""
        return self.place_slot((atom.kind, atom.var, atom.slot), ids)

    def place_slot(self, place: tuple, ids: tuple[int, ...]) -> int:
        kind, var, slot = place
        if kind in ("g", "gt"):
            return slot
        if kind == "ga":
            first, width, _, _ = self.indexed[slot]
            return first + ids[var] * width
        return self.slots.base(ids[var]) + slot

    def z3(self, atom: Atom, s: SymState, ids: tuple[int, ...]) -> Any:
        """The atom over s, with the quantified threads at the ids given (a Python bool
        when it folds, as `pool_folds` terms do)."""
        if atom.kind == "id":
            return ids[atom.var] == atom.value
        if atom.kind == "cmp":
            return s.eq(self.place_slot(atom.slot, ids), s[self.place_slot(atom.value, ids)])
        j = self.slot_of(atom, ids)
        value = ids[atom.value] if atom.kind in ("gt", "tt") else atom.value
        return s.eq(j, literal(self.slots.kinds[j], value))


def _status(a: str, pc: int, m: M.Model, positive: bool) -> tuple[str, bool]:
    """A pc literal: a status is a builtin, a step needs `a at tmpl.label`."""
    said = {M.PC_UNUSED: f"!alive({a}) && !done({a})", M.PC_DONE: f"done({a}) && !freed({a})",
            M.PC_FREED: f"freed({a})"}
    if pc in said:
        return (f"({said[pc]})" if positive else f"!({said[pc]})"), True
    if pc == M.PC_EXITING:
        where = "running its destructors"
        return (f"{a} {where}" if positive else f"!({a} {where})"), False
    tpl, step = m.steps_by_pc[pc]
    where = f"{tpl.name}.{step.label}"
    return (f"{a} at {where}" if positive else f"!({a} at {where})"), True


def _leaf_names(name: str, t: Type) -> list[tuple[str, Type]]:
    """The spec's name for each slot of a variable, in slot order."""
    if isinstance(t, ArrayType):
        keys = [show(decode(t.key, [k])) for k in t.key.values()]
        return [x for k in keys for x in _leaf_names(f"{name}[{k}]", t.elem)]
    if isinstance(t, RecordType):
        return [x for f, ft in t.fields for x in _leaf_names(f"{name}.{f}", ft)]
    return [(name, t)]
