"""The parts every memory model's rewrite shares: what a step does with atomic variables,
the interface of a model's lowering, sequential consistency as the plain lowering, and the
expression walk that finds loads."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from ..lang import syntax as S
from ..lang.errors import NOWHERE, Pos, SpecError, suggest

ORDERS = ("relaxed", "acquire", "release", "seq_cst")
STRENGTH = {None: 1, "relaxed": 0, "acquire": 1, "release": 1, "seq_cst": 2}
DEFAULT_BOUND = 2
Read = tuple[str, str | None]  # an atomic variable and the order of its load (None: plain)


@dataclass
class StepInfo:
    """What the step being rewritten does with atomic variables."""

    label: str | None  # None in a destructor
    rmw: frozenset[str]  # atomic variables the step reads, then writes
    in_thread: bool  # a step of a thread template (not of a handler or a destructor)
    entry: bool = False  # a handler's first step: it runs as the signal's delivery


class Lowering(Protocol):
    """One memory model: how an access, a fence and a step look as plain statements."""

    def declare(self, spec: S.Spec) -> S.Spec: ...
    def read(self, var: str, order: str | None, step: StepInfo,
             pos: Pos) -> tuple[list[S.Stmt], S.Expr]: ...
    def write(self, var: str, value: S.Expr, order: str | None, step: StepInfo,
              pos: Pos) -> list[S.Stmt]: ...
    def fence(self, pos: Pos) -> list[S.Stmt]: ...
    def step(self, body: tuple[S.Stmt, ...], step: StepInfo, pos: Pos) -> tuple[S.Stmt, ...]: ...
    def end(self, s: S.Stmt, step: StepInfo) -> list[S.Stmt]: ...
    def start(self, s: S.Stmt, step: StepInfo) -> list[S.Stmt]: ...
    def template(self, t: S.ThreadDecl) -> S.ThreadDecl: ...


class ScLowering:
    """Sequential consistency: loads and stores are plain reads and assignments."""

    def __init__(self, atomics: dict[str, S.VarDecl], bound: int) -> None:
        self.atomics = atomics

    def declare(self, spec: S.Spec) -> S.Spec:
        return spec

    def read(self, var: str, order: str | None, step: StepInfo,
             pos: Pos) -> tuple[list[S.Stmt], S.Expr]:
        return [], S.Name(pos, var)

    def write(self, var: str, value: S.Expr, order: str | None, step: StepInfo,
              pos: Pos) -> list[S.Stmt]:
        return [S.Assign(pos, S.Name(pos, var), value)]

    def fence(self, pos: Pos) -> list[S.Stmt]:
        return []

    def step(self, body: tuple[S.Stmt, ...], step: StepInfo, pos: Pos) -> tuple[S.Stmt, ...]:
        return body

    def end(self, s: S.Stmt, step: StepInfo) -> list[S.Stmt]:
        """`exit` or `free self`: the thread's state goes."""
        return [s]

    def start(self, s: S.Stmt, step: StepInfo) -> list[S.Stmt]:
        """`spawn` or `fork`: a new thread, which sees what its creator saw
        (pthread_create synchronises with the new thread's start)."""
        return [s]

    def template(self, t: S.ThreadDecl) -> S.ThreadDecl:
        return t


def map_expr(e: S.Expr, f: Callable[[S.Expr], S.Expr | None]) -> S.Expr:
    """`e` with every sub-expression x replaced by f(x) when that is not None (else rebuilt
    from its rewritten parts)."""
    got = f(e)
    if got is not None:
        return got
    changes = {}
    for fld in dataclasses.fields(e):
        value = getattr(e, fld.name)
        if isinstance(value, S.Expr):
            changes[fld.name] = map_expr(value, f)
        elif isinstance(value, tuple):
            changes[fld.name] = tuple(
                map_expr(v, f) if isinstance(v, S.Expr) else
                (v[0], map_expr(v[1], f)) if isinstance(v, tuple) else v for v in value)
    return replace(e, **changes)


def load_of(e: S.Expr, atomics: dict[str, S.VarDecl]) -> Read | None:
    """(variable, order) when `e` reads an atomic variable: `x` or `load(x, order)`."""
    if isinstance(e, S.Name) and e.id in atomics:
        return e.id, None
    if isinstance(e, S.Call) and e.func == "load":
        if not 1 <= len(e.args) <= 2 or not isinstance(e.args[0], S.Name) or \
                e.args[0].id not in atomics:
            raise SpecError("load takes an atomic variable and an order: load(x, acquire)", e.pos)
        order = order_of(e.args[1] if len(e.args) == 2 else None, ("relaxed", "acquire", "seq_cst"))
        return e.args[0].id, order
    return None


def order_of(e: S.Expr | str | None, allowed: tuple[str, ...]) -> str | None:
    name = e.id if isinstance(e, S.Name) else e
    if name is None:
        return None
    if name not in allowed:
        raise SpecError(f"'{name}' is not an order here; use one of {', '.join(allowed)}",
                        e.pos if isinstance(e, S.Name) else NOWHERE, suggest(name, allowed))
    return name


def fresh_names(spec: S.Spec, names: list[str]) -> None:
    """Refuse a spec that already declares a name the memory model's state needs."""
    taken = {v.name for v in spec.vars} | {t[0] for t in spec.thread_locals} | \
        {c[0] for c in spec.consts} | {d.name for d in spec.defs}
    for n in names:
        if n in taken:
            raise SpecError(f"'{n}' is a name the memory model declares; rename it", NOWHERE)


def name(pos: Pos, n: str) -> S.Name:
    return S.Name(pos, n)


def num(pos: Pos, v: int) -> S.IntLit:
    return S.IntLit(pos, v)


def binary(pos: Pos, op: str, a: S.Expr, b: S.Expr) -> S.Binary:
    return S.Binary(pos, op, a, b)


def assign(pos: Pos, target: str, value: S.Expr) -> S.Assign:
    return S.Assign(pos, S.Name(pos, target), value)


def all_stmts(stmts: tuple[S.Stmt, ...]) -> list[S.Stmt]:
    """Every statement of a block and of the blocks inside it, in program order."""
    out: list[S.Stmt] = []
    for s in stmts:
        out.append(s)
        if isinstance(s, S.If):
            for _, b in s.branches:
                out += all_stmts(b)
            out += all_stmts(s.otherwise)
        elif isinstance(s, S.Either):
            for b in s.blocks:
                out += all_stmts(b)
        elif isinstance(s, S.Choose):
            out += all_stmts(s.body)
    return out
