"""Encoded state slots back to readable values, for traces and JSON.

The search never calls this; only reports do, so clarity wins over speed.
"""

from __future__ import annotations

from typing import Any

from .model import PC_DONE, PC_EXITING, PC_FREED, PC_UNUSED, Local, Model
from .parameters import declared
from .typesys import (
    ArrayType,
    BigSetType,
    BoolType,
    EnumType,
    IntType,
    KeyedArrayType,
    MemberNumber,
    OptionalType,
    RecordType,
    SeqType,
    SetType,
    TidType,
    TupleType,
    Type,
    all_values,
)


def decode(t: Type, slots: tuple | list, off: int = 0) -> Any:
    """A JSON-ready value: enums as names, sets as sorted lists, records as dicts, a
    sequence as the list of its items."""
    if isinstance(t, SeqType):
        return decode(t.fields[1][1], slots, off + 1)[:slots[off]]
    if isinstance(t, TupleType):
        return [decode(ft, slots, off + t.field(n)[0]) for n, ft in t.fields]  # type: ignore
    if isinstance(t, BigSetType):
        return [decode(t.member, m if isinstance(m, tuple) else [m])
                for k, m in enumerate(t.members()) if slots[off + k]]
    if isinstance(t, MemberNumber) and t.of is not None:
        m = t.of.members()[slots[off]]
        return decode(t.of.member, m if isinstance(m, tuple) else [m])
    if isinstance(t, OptionalType):
        return None if slots[off] is None else decode(t.inner, slots, off)
    if isinstance(t, BoolType):
        return bool(slots[off])
    if isinstance(t, EnumType):
        return t.members[slots[off]]
    if isinstance(t, (IntType, TidType)):
        return slots[off]
    if isinstance(t, SetType):
        values = t.elem.values()
        return [decode(t.elem, [x]) for i, x in enumerate(values) if slots[off] >> i & 1]
    if isinstance(t, ArrayType):
        w = t.elem.width()
        keys = t.key.values()
        items = [decode(t.elem, slots, off + k * w) for k in range(len(keys))]
        if isinstance(t.key, (IntType, TidType)) and keys[0] == 0:
            return items
        return {str(decode(t.key, [k])): item for k, item in zip(keys, items)}
    if isinstance(t, RecordType):
        out = {}
        for name, ft in t.fields:
            out[name] = decode(ft, slots, off + t.field(name)[0])  # type: ignore[index]
        return out
    raise AssertionError(t)


def show(value: Any) -> str:
    """A decoded value in the spec's own syntax."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(show(x) for x in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(x)}" for k, x in value.items()) + "}"
    return str(value)


def show_set(value: list) -> str:
    return "{" + ", ".join(show(x) for x in value) + "}"


def spell(t: Type, value: Any) -> str:
    """A decoded value of type t as the spec writes it, so that the text re-parses to the
    same value: sets (of anything) in braces, tuples in parentheses, records as `{f: v}`,
    sequences and arrays (in their index order) in brackets."""
    if value is None:
        return "none"
    if isinstance(t, OptionalType):
        return spell(t.inner, value)
    if isinstance(t, MemberNumber) and t.of is not None:
        return spell(t.of.member, value)
    if isinstance(t, (SetType, BigSetType)):
        elem = t.elem if isinstance(t, SetType) else t.member
        return "{" + ", ".join(spell(elem, x) for x in value) + "}"
    if isinstance(t, SeqType):
        return "[" + ", ".join(spell(t.elem, x) for x in value) + "]"
    if isinstance(t, TupleType):
        return "(" + ", ".join(spell(ft, x) for (_, ft), x in zip(t.fields, value)) + ")"
    if isinstance(t, ArrayType):
        items = value.values() if isinstance(value, dict) else value
        return "[" + ", ".join(spell(t.elem, x) for x in items) + "]"
    if isinstance(t, RecordType):
        return "{" + ", ".join(f"{n}: {spell(ft, value[n])}" for n, ft in t.fields) + "}"
    return show(value)


def state_dict(model: Model, state: tuple) -> dict[str, Any]:
    """Variables by name, then one entry per thread id that was ever used."""
    out: dict[str, Any] = {}
    for var in model.vars:
        out[var.name] = decode(var.type, state, var.offset)
    threads = []
    for tid in range(model.pool):
        base = model.thread_base + tid * model.thread_stride
        pc = state[base]
        if pc == PC_UNUSED:
            continue
        entry: dict[str, Any] = {"id": tid, "parent": state[base + 1]}
        if pc in (PC_DONE, PC_FREED, -1):
            entry["status"] = {PC_DONE: "done", PC_FREED: "freed", -1: "forking"}[pc]
            threads.append(entry)
            continue
        template, step = model.steps_by_pc[pc]
        entry.update(status="exiting" if pc == PC_EXITING else "alive")
        lay = model.layout
        if lay.saved is not None and state[base + lay.depth]:  # type: ignore[operator]
            interrupted = [model.steps_by_pc[state[base + lay.saved + k]]
                           for k in range(state[base + lay.depth])]  # type: ignore[operator]
            entry["interrupted"] = [f"{t.name}.{s.label}" for t, s in interrupted]
        entry.update(thread=template.name, at=step.label)
        entry["locals"] = {loc.name: decode(loc.type, state, base + loc.slot)
                           for loc in declared(template)}
        if model.thread_locals:
            entry["thread_locals"] = {tl.name: decode(tl.type, state, base + tl.slot)
                                      for tl in model.thread_locals}
        threads.append(entry)
    out["threads"] = threads
    return out


def flat_view(model: Model, state: tuple) -> dict[str, str]:
    """One line per variable, array element or thread field, for diffs between steps."""
    d = state_dict(model, state)
    out: dict[str, str] = {}
    for var in model.vars:
        _flatten(var.name, d[var.name], var.type, out)
    for th in d["threads"]:
        name = f"thread {th['id']}"
        if "thread" not in th:
            out[name] = th["status"]
            continue
        where = "running destructors" if th["status"] == "exiting" else \
            f"{th['thread']} at {th['at']}"
        if th.get("interrupted"):
            where += " (interrupted " + ", ".join(th["interrupted"]) + ")"
        out[name] = where + (f", parent {th['parent']}" if th["parent"] is not None else "")
        for loc, value in thread_vars(model, th):
            _flatten(f"{name}.{loc.name}", value, loc.type, out)
    return out


def thread_vars(model: Model, th: dict[str, Any]) -> list[tuple[Local, Any]]:
    """The typed locals and thread-locals of a running thread's `state_dict` entry.

    Reports that render values by type (diffs, ITF) need the declaration next to the value.
    """
    template = next((t for t in [*model.templates.values(), *model.handlers]
                     if t.name == th["thread"]), None)
    typed = [*(declared(template) if template else []), *model.thread_locals]
    return [(loc, th["thread_locals" if loc in model.thread_locals else "locals"][loc.name])
            for loc in typed]


def view_changes(prev: dict[str, str], cur: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, old, new) for each line of `flat_view` that a step changed.

    A line that appears (a thread starts) has old "-"; one that disappears has new "gone".
    """
    out = [(k, prev.get(k, "-"), val) for k, val in cur.items() if prev.get(k) != val]
    return out + [(k, prev[k], "gone") for k in prev if k not in cur]


def _flatten(name: str, value: Any, t: Type, out: dict[str, str]) -> None:
    if isinstance(t, (SeqType, TupleType, SetType, BigSetType)):
        out[name] = spell(t, value)
    elif isinstance(t, KeyedArrayType):  # an element per tuple, named by it
        for m, item in zip(all_values(t.index), value):
            key = spell(t.index, decode(t.index, m if isinstance(m, tuple) else [m]))
            _flatten(f"{name}[{key}]", item, t.elem, out)
    elif isinstance(t, ArrayType):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, item in items:
            _flatten(f"{name}[{k}]", item, t.elem, out)
    elif isinstance(t, RecordType):
        for fname, ft in t.fields:
            _flatten(f"{name}.{fname}", value[fname], ft, out)
    else:
        out[name] = spell(t, value)


__all__ = ["decode", "show", "spell", "state_dict", "flat_view", "thread_vars",
           "view_changes"]
