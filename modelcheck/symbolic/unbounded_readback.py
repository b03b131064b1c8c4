"""A z3 model of the unbounded encoding read back the way traces show states.

The ids z3 invents are elements of an uninterpreted sort with names like
`Tid!val!3`; a CTI or a BMC trace must show them as the explicit engine's
traces show threads. Started threads keep their numbers, the others are named
t1, t2, ..., and a state is laid out as `values.state_dict` lays out an
explicit one (variables, then threads), so the reports print both alike.
"""

from __future__ import annotations

import itertools
from typing import Any

import z3

from ..ir import model as M
from ..ir.typesys import BoolType, EnumType, OptionalType, SetType, TidType, Type
from ..ir.values import decode
from .pool_slots import leaves
from .unbounded import UnboundedEncoding
from .unbounded_compound import raw
from .unbounded_state import Opt, State, read_local, read_tls, small_set, tid_sort


def tid_names(enc: UnboundedEncoding, zm: z3.ModelRef) -> dict[str, str]:
    """Names for the ids of a z3 model: started threads by number, the others t1, t2, ..."""
    names: dict[str, str] = {}
    for k, c in enumerate(enc.starts):
        names[str(zm.eval(c, model_completion=True))] = str(k)
    extra = itertools.count(len(enc.starts))
    for u in zm.get_universe(tid_sort()) or []:
        if str(u) not in names:
            names[str(u)] = f"t{next(extra)}"
    return names


def readable(enc: UnboundedEncoding, zm: z3.ModelRef, s: State) -> dict[str, Any]:
    """A z3 model's state in the shape of `values.state_dict`: variables, then threads.

    Started threads keep their numbers; the other ids z3 invented are named t1, t2, ...
    in the order z3 lists them, and only ids that are in use are shown.
    """
    m = enc.m
    universe = zm.get_universe(tid_sort()) or []
    names = tid_names(enc, zm)

    def value(t: Type, x: Any) -> Any:
        if isinstance(x, list):  # slot by slot, laid out as the engines decode a state
            return decode(t, [raw(leaf, v, zm, lambda u: names.get(str(u), str(u)))
                              for leaf, v in zip(leaves(t), x)])
        if isinstance(x, Opt):
            if z3.is_true(zm.eval(x.none, model_completion=True)):
                return None
            return value(t.inner if isinstance(t, OptionalType) else t, x.val)
        v = zm.eval(x, model_completion=True)
        if isinstance(t, BoolType):
            return z3.is_true(v)
        if isinstance(t, TidType):
            return names.get(str(v), str(v))
        if isinstance(t, EnumType):
            return t.members[v.as_long()] if 0 <= v.as_long() < len(t.members) else v.as_long()
        if small_set(t):
            elem = t.elem  # type: ignore[attr-defined]
            return [elem.members[k] if isinstance(elem, EnumType) else k for k in elem.values()
                    if z3.is_true(zm.eval(x[k], model_completion=True))]
        if isinstance(t, SetType):
            return sorted(names[str(w)] for w in universe
                          if z3.is_true(zm.eval(x[w], model_completion=True)))
        return v.as_long()

    out: dict[str, Any] = {v.name: value(v.type, s.globals[v.name]) for v in m.vars}
    threads = []
    for u in universe:
        pc = zm.eval(s.pc[u], model_completion=True).as_long()
        if pc == M.PC_UNUSED:
            continue
        parent = Opt(s.parent.none[u], s.parent.val[u])
        entry: dict[str, Any] = {"id": names[str(u)],
                                 "parent": value(OptionalType(TidType(0)), parent)}
        if pc in (M.PC_DONE, M.PC_FREED):
            entry["status"] = "done" if pc == M.PC_DONE else "freed"
        elif pc == M.PC_EXITING:  # its locals are gone, its thread_locals still there
            entry["status"] = "exiting"
            entry["thread_locals"] = {tl.name: value(tl.type, read_tls(s, tl.name, u))
                                      for tl in m.thread_locals}
        elif pc in m.steps_by_pc:
            template, step = m.steps_by_pc[pc]
            entry.update(status="alive", thread=template.name, at=step.label)
            entry.update(_interrupted(m, zm, s, u))
            entry["locals"] = {loc.name: value(loc.type, read_local(s, template, loc, u))
                               for loc in template.params + template.locals}
            if m.thread_locals:
                entry["thread_locals"] = {tl.name: value(tl.type, read_tls(s, tl.name, u))
                                          for tl in m.thread_locals}
        else:
            entry["status"] = f"pc {pc}"
        threads.append(entry)
    out["threads"] = sorted(threads, key=lambda e: (len(e["id"]), e["id"]))
    return out


def _interrupted(m: M.Model, zm: z3.ModelRef, s: State, u: z3.ExprRef) -> dict[str, Any]:
    """The steps a thread running a handler was interrupted at, outermost first, as
    `values.state_dict` shows them (empty outside handlers)."""
    if "depth" not in s.sig:
        return {}
    depth = zm.eval(s.sig["depth"][u], model_completion=True).as_long()
    pcs = [zm.eval(s.sig[f"saved.{k}"][u], model_completion=True).as_long()
           for k in range(depth)]
    names = ["(running its destructors)" if pc == M.PC_EXITING else
             f"{m.steps_by_pc[pc][0].name}.{m.steps_by_pc[pc][1].label}"
             if pc in m.steps_by_pc else f"pc {pc}" for pc in pcs]
    return {"interrupted": names} if names else {}
