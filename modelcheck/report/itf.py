"""Counterexamples in the Informal Trace Format (ITF), Apalache's JSON trace format.

ITF lets trace viewers and test generators built for Apalache and Quint read mcheck's
traces. The encoding is type-directed, so each value says what it is: integers and thread
ids are `{"#bigint": "n"}` (the form every ITF reader accepts), sets `{"#set": [...]}`,
arrays `{"#map": [[key, value], ...]}`, records JSON objects, enum members strings, and an
optional value is the tagged record `{"tag": "Some", "value": v}` or
`{"tag": "None", "value": {"#tup": []}}`, since ITF has no null. Threads are one more
variable, `threads` (a keyword, so it cannot clash with a spec variable): a map from each
thread id ever used to a record like the JSON report's thread entries. Each state's `#meta`
names the step that produced it. README.md ("ITF output") documents the choices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..backends.base import TransitionSystem
from ..engine.trace import Counterexample
from ..engine.verdict import Verdict
from ..ir.model import Model
from ..ir.typesys import (
    ArrayType,
    BigSetType,
    BoolType,
    EnumType,
    IntType,
    KeyedArrayType,
    OptionalType,
    RecordType,
    SeqType,
    SetType,
    TidType,
    TupleType,
    Type,
    all_values,
)
from ..ir.values import decode, state_dict, thread_vars

FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"
THREADS = "threads"


def itf_value(t: Type, value: Any) -> Any:
    """A decoded value (`values.decode`) in ITF's expression syntax."""
    if isinstance(t, OptionalType):
        if value is None:
            return {"tag": "None", "value": {"#tup": []}}
        return {"tag": "Some", "value": itf_value(t.inner, value)}
    if isinstance(t, (BoolType, EnumType)):
        return value
    if isinstance(t, (IntType, TidType)):
        return _bigint(value)
    if isinstance(t, SetType):
        return {"#set": [itf_value(t.elem, x) for x in value]}
    if isinstance(t, BigSetType):
        return {"#set": [itf_value(t.member, x) for x in value]}
    if isinstance(t, KeyedArrayType):
        keys = [decode(t.index, m if isinstance(m, tuple) else [m]) for m in all_values(t.index)]
        return {"#map": [[itf_value(t.index, k), itf_value(t.elem, item)]
                         for k, item in zip(keys, value)]}
    if isinstance(t, ArrayType):
        items = list(value.values()) if isinstance(value, dict) else list(value)
        keys = [decode(t.key, [k]) for k in t.key.values()]
        return {"#map": [[itf_value(t.key, k), itf_value(t.elem, item)]
                         for k, item in zip(keys, items)]}
    if isinstance(t, SeqType):  # ITF's sequences are lists
        return [itf_value(t.elem, x) for x in value]
    if isinstance(t, TupleType):
        return {"#tup": [itf_value(ft, x) for (_, ft), x in zip(t.fields, value)]}
    if isinstance(t, RecordType):
        return {name: itf_value(ft, value[name]) for name, ft in t.fields}
    raise AssertionError(t)


def _bigint(n: int) -> dict[str, str]:
    return {"#bigint": str(n)}


def itf_state(model: Model, state: tuple) -> dict[str, Any]:
    """Every variable of one state, plus the `threads` map."""
    d = state_dict(model, state)
    out: dict[str, Any] = {var.name: itf_value(var.type, d[var.name]) for var in model.vars}
    parent_type = OptionalType(TidType(model.pool))
    threads = []
    for th in d["threads"]:
        entry: dict[str, Any] = {"status": th["status"],
                                 "parent": itf_value(parent_type, th["parent"])}
        if "thread" in th:
            entry.update(thread=th["thread"], at=th["at"])
            typed = thread_vars(model, th)
            entry["locals"] = {loc.name: itf_value(loc.type, value) for loc, value in typed
                               if loc not in model.thread_locals}
            if model.thread_locals:
                entry["thread_locals"] = {loc.name: itf_value(loc.type, value)
                                          for loc, value in typed if loc in model.thread_locals}
            if "interrupted" in th:
                entry["interrupted"] = th["interrupted"]
        threads.append([_bigint(th["id"]), entry])
    out[THREADS] = {"#map": threads}
    return out


def itf_trace(ts: TransitionSystem, v: Verdict, ce: Counterexample) -> dict[str, Any]:
    """One counterexample as an ITF trace object; state k is the state after step k. A
    lasso ends before its last state (the state at `loop` again), which ITF's `loop`
    says; the move back to it is in the trace's `#meta` as `loop-step`."""
    model = ts.model
    states = []
    for n, st in enumerate(ce.steps):
        meta = {"index": n, "thread": st.thread, "action": st.action, "choices": st.choices,
                "failed": st.failed}
        states.append({"#meta": meta, **itf_state(model, st.state)})
    out: dict[str, Any] = {
        "#meta": {"format": "ITF", "format-description": FORMAT_DESCRIPTION,
                  "source": v.spec, "description": f"mcheck counterexample for {ce.prop}",
                  "variant": v.variant, "property": ce.prop, "kind": ce.kind,
                  "message": ce.message, "length": ce.length},
        "vars": [var.name for var in model.vars] + [THREADS],
        "states": states,
    }
    if ce.loop is not None:
        closing = states.pop()["#meta"]
        out["loop"] = ce.loop
        out["#meta"]["loop-step"] = {k: closing[k] for k in ("thread", "action", "choices")}
    return out


def itf_files(path: str | Path, checked: list[tuple[TransitionSystem, Verdict]]
              ) -> dict[Path, dict[str, Any]]:
    """Where each trace goes: one file per counterexample into a directory, else one file.

    A directory (an existing one, or a path ending in '/') receives
    `<spec>.<variant>.<property>.itf.json` for every violated property of every variant;
    any other path receives the first variant's shortest counterexample (the JSON report's
    `counterexample`). Nothing is written when no property is violated.
    """
    p = Path(path)
    if p.is_dir() or str(path).endswith(("/", "\\")):
        return {p / f"{Path(v.spec).stem}.{v.variant}.{ce.prop}.itf.json": itf_trace(ts, v, ce)
                for ts, v in checked for ce in v.counterexamples}
    for ts, v in checked:
        if v.counterexamples:
            return {p: itf_trace(ts, v, v.counterexamples[0])}
    return {}
