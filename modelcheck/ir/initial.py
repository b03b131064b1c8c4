"""The initial states as one pseudo-step: statements every back end runs the same way.

A state is initial when it results from giving every shared variable one of its allowed
initial values, starting the threads of the `start` lines, and passing every `init P;`
condition. Written as statements (an assignment per fixed value, a `choose` per choice,
the spawns of the start lines, an `await` per condition) it is a step like any other:
the Python back end compiles it, the fixed-pool z3 encoding runs it symbolically, and
each of its results is a depth-0 state, so neither needs a case of its own for choices.
"""

from __future__ import annotations

from collections.abc import Callable

from . import model as M
from .typesys import ArrayType, EnumType, RecordType, Type

# Bound-variable numbers of the initial choices (a choice per slot), clear of the checker's.
INIT_UIDS = 1 << 30


def initial_statements(model: M.Model) -> list[M.Stmt]:
    body: list[M.Stmt] = []
    for var in model.vars:
        place = M.GlobalPlace(var.type, var.name, var.offset)
        if not var.choice:
            assert var.init is not None
            body.append(M.Assign(var.pos, place, var.init))
        elif var.init is not None:  # `in S`: a member of S
            b = M.Bound(var.type, var.name, INIT_UIDS + var.offset)
            body.append(M.Choose(var.pos, b, M.Domain(var.type, var.init), None,
                                 (M.Assign(var.pos, place, b),)))
        else:  # `in any`: every value, slot by slot
            body += _every_value(place, var.name, var.offset, var)
    starts = [with_choices(s, model.templates[s.template], _start_choice(model, k))
              for k, s in enumerate(model.starts)]
    return body + starts + list(model.initial_conditions)


def with_choices(spawn: M.Spawn, t: M.Template,
                 fresh: Callable[[M.Local], M.Bound]) -> M.Stmt:
    """A spawn of a thread whose locals start with a chosen value (`var x: T in S;`),
    inside one `choose` per such local: each choice is a result of the step (of the
    initial pseudo-step for a start line). The local's initial value is its own Bound,
    set from this spawn's choice just before the spawn: a choice variable of its own
    (`fresh`) keeps a later spawn of the same thread in the step from overwriting it
    while this choice's loop still runs."""
    picks = [(loc, fresh(loc)) for loc in t.locals if loc.choices is not None]
    if not picks:
        return spawn
    body: tuple[M.Stmt, ...] = (*(M.Let(spawn.pos, loc.init, b)  # type: ignore[arg-type]
                                  for loc, b in picks), spawn)
    for loc, b in reversed(picks):
        assert loc.choices is not None
        body = (M.Choose(spawn.pos, b, loc.choices, None, body),)
    return body[0]


def _start_choice(model: M.Model, k: int) -> Callable[[M.Local], M.Bound]:
    """The choice variables of start line k's locals, numbered after the shared slots'."""
    base = INIT_UIDS + model.width + k * model.thread_stride
    return lambda loc: M.Bound(loc.type, loc.name, base + loc.slot)


def _every_value(place: M.TExpr, text: str, slot: int, var: M.Var) -> list[M.Stmt]:
    """One `choose` over the whole type of each scalar part of `place`, in slot order; `text`
    names the part in the choices of a trace (`a[2]`, `r.f`)."""
    t: Type = place.type
    if isinstance(t, ArrayType):
        out: list[M.Stmt] = []
        w = t.elem.width()
        for k, key in enumerate(t.key.values()):
            part = M.IndexPlace(t.elem, place, M.Const(t.key, key), pos=var.pos)
            shown = t.key.members[key] if isinstance(t.key, EnumType) else key
            out += _every_value(part, f"{text}[{shown}]", slot + k * w, var)
        return out
    if isinstance(t, RecordType):
        out = []
        for name, ft in t.fields:
            off = t.field(name)[0]  # type: ignore[index]
            out += _every_value(M.FieldPlace(ft, place, name, off), f"{text}.{name}",
                                slot + off, var)
        return out
    b = M.Bound(t, text, INIT_UIDS + slot)
    return [M.Choose(var.pos, b, M.Domain(t), None, (M.Assign(var.pos, place, b),))]
