"""Bounded recursive definitions, unrolled into one definition per depth.

A definition may call itself directly (`def f(n: 0..N): int = if n == 0 then 0 else
f(n - 1) + n;`). Its first parameter whose type is a range is its *measure*: every call
from outside must pass a value inside the range, and every recursive call a value below
the caller's and still inside it (both evaluation errors, located at the call, otherwise).
The depth is then at most the range's size, so the checker writes the definition out once
per depth (`f`, `f__rec1`, ..., each recursive call aimed at the next copy) and the last
copy, which no evaluation can reach past those checks, is the result type's default. Every
back end, both z3 encodings and the reports see ordinary non-recursive definitions: no
engine has a case for recursion, and z3 unrolls it to the bound for free.

Definitions that call each other (`even` calls `odd`, which calls `even`: a cycle of the
call graph) are one group, unrolled together under one shared measure: each has a first
range parameter, all of the same range, and every call within the group decreases it, so a
call at depth k goes to the callee's copy at depth k + 1. A recursive call passing the
measure through unchanged (`f(n)`, `f(n + 1)`) can never end and is refused before the
search.
"""

from __future__ import annotations

from typing import Any

from ..ir import model as M
from ..ir.recursion import COPY, RECURSIVE_CALL, copy_name
from ..ir.typesys import BOOL, IntType, NoneType, OptionalType, Type
from ..lang import syntax as S
from ..lang.errors import Pos, SpecError
from .resolution import Resolution
from .scope import Scope
from .syntax_walk import nodes

MAX_DEPTH = 1024  # copies of one definition; each is a function in the generated code


class Recursion(Resolution):
    """`defn` for a definition that calls itself; the checks at its call sites."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a recursive definition being unrolled: its name -> (depth, the measure's variable)
        self.unrolling: dict[str, tuple[int, M.Bound]] = {}
        self.measures: dict[str, tuple[int, IntType]] = {}  # name -> (index, range)
        self.checking: list[str] = []  # the definitions whose bodies are being checked

    def defn(self, name: str) -> M.Def:
        if name in self.unrolling:  # its group's calls are `recursive_call`s, never come here
            raise SpecError(f"definition '{name}' calls itself through another definition; "
                            "definitions that call each other cannot be recursive (one may "
                            "call itself directly)", self.def_decls[name].pos)
        d = self.def_decls.get(name)
        self.checking.append(name)
        try:
            group = [] if name in self.defs or d is None else self._group(name)
            if not group:
                return super().defn(name)
            return self._unroll([self.def_decls[g] for g in group], name)
        finally:
            self.checking.pop()

    def calls_itself(self, name: str) -> bool:
        """Whether a call of `name` here is a call within a recursive group being unrolled:
        in the body of one of its definitions (not of another definition it calls)."""
        return name in self.unrolling and self.checking[-1] in self.unrolling

    def _group(self, name: str) -> list[str]:
        """The definitions on a cycle of calls through `name`, in the spec's order; empty
        when it never calls itself."""
        callees = {n: {c.func for c in nodes(d.body) if isinstance(c, S.Call)}
                   for n, d in self.def_decls.items()}

        def reached(start: str) -> set[str]:
            seen, todo = set(), [start]
            while todo:
                for c in callees.get(todo.pop(), ()):
                    if c in self.def_decls and c not in seen:
                        seen.add(c)
                        todo.append(c)
            return seen
        if name not in reached(name):
            return []
        return [g for g in self.def_decls if g == name or
                (g in reached(name) and name in reached(g))]

    def _unroll(self, group: list[S.DefDecl], name: str) -> M.Def:
        measure = self._shared_measure(group)
        depth = measure.hi - measure.lo + 1  # type: ignore[operator]
        for d in group:
            index = self.measures[d.name][0]
            if depth > MAX_DEPTH:
                raise SpecError(f"recursive definition '{d.name}': its measure "
                                f"'{d.params[index].name}' ranges over {depth} values, more "
                                f"than the {MAX_DEPTH} copies it would be unrolled into; narrow "
                                "its range", d.params[index].pos)
            taken = [n for n in self.def_decls if n.startswith(d.name + COPY)]
            if taken:
                raise SpecError(f"definition '{taken[0]}' has the name a copy of the recursive "
                                f"definition '{d.name}' takes; rename it",
                                self.def_decls[taken[0]].pos)
        self.resolving.update(d.name for d in group)
        for k in range(depth):
            for d in group:
                self._copy(d, k, group)
        for d in group:
            del self.unrolling[d.name]
            self.resolving.discard(d.name)
            last = [self.bound(p.name, self.type(p.type)) for p in d.params]
            self.defs[copy_name(d.name, depth)] = M.Def(copy_name(d.name, depth), last,
                                                        _default(self.type(d.result)))
        return self.defs[name]

    def _copy(self, d: S.DefDecl, k: int, group: list[S.DefDecl]) -> None:
        """d's copy at depth k, its calls within the group aimed at depth k + 1."""
        params = [self.bound(p.name, self.type(p.type)) for p in d.params]
        sc = Scope()
        for p, b in zip(d.params, params):
            sc = sc.push(p.name, b)
        for g in group:
            self.unrolling[g.name] = (k, params[self.measures[d.name][0]])
        self.checking.append(d.name)
        try:
            body = self.expect_type(d.body, sc, self.type(d.result))
        finally:
            self.checking.pop()
        rtype = self.type(d.result)
        if isinstance(rtype, IntType) and rtype.lo is not None and not isinstance(body, M.Const):
            body = M.Unary(rtype, "range", body, pos=d.body.pos)
        self.defs[copy_name(d.name, k)] = M.Def(copy_name(d.name, k), params, body)

    def _shared_measure(self, group: list[S.DefDecl]) -> IntType:
        """Each definition's measure, which must be one range for the whole group."""
        first: tuple[str, IntType] | None = None
        for d in group:
            index, measure = self._measure(d, group)
            self.measures[d.name] = (index, measure)
            if first is not None and measure != first[1]:
                raise SpecError(f"definitions that call each other share one measure: "
                                f"'{d.params[index].name}' of {d.name} ranges over {measure}, "
                                f"{first[0]}'s over {first[1]}", d.params[index].pos)
            first = first or (d.name, measure)
        assert first is not None
        return first[1]

    def _measure(self, d: S.DefDecl, group: list[S.DefDecl]) -> tuple[int, IntType]:
        for k, p in enumerate(d.params):
            t = self.type(p.type)
            if isinstance(t, IntType) and t.lo is not None:
                return k, t
        how = "itself" if len(group) == 1 else \
            "itself through " + ", ".join(g.name for g in group if g is not d)
        raise SpecError(f"definition '{d.name}' calls {how}, so it needs a parameter of a "
                        "range type (such as n: 0..N) that each recursive call decreases: that "
                        "range bounds the depth", d.pos)

    def recursive_call(self, e: S.Call, sc: Scope) -> M.TExpr:
        """A definition's call of itself while it is unrolled: aimed at the next copy, its
        measure checked to decrease and stay in range."""
        depth, current = self.unrolling[e.func]
        d = self.def_decls[e.func]
        if len(e.args) != len(d.params):
            raise SpecError(f"{e.func}() takes {len(d.params)} argument(s), {len(e.args)} given",
                            e.pos)
        index, measure = self.measures[e.func]
        caller = self.def_decls[self.checking[-1]]
        _refuse_unchanged(e, caller.params[self.measures[caller.name][0]].name, index,
                          caller.name)
        args = [self.expect_type(a, sc, self.type(p.type)) for a, p in zip(e.args, d.params)]
        arg = args[index]
        ok = M.Binary(BOOL, "&&", M.Binary(BOOL, ">=", arg, M.Const(measure, measure.lo)),
                      M.Binary(BOOL, "<", arg, current))
        why = (f"{RECURSIVE_CALL} {e.func}(): '{d.params[index].name}' must decrease and stay "
               f"within {measure} (what bounds the recursion's depth)")
        none = M.Const(NoneType(), None)
        args[index] = M.Unwrap(measure, M.Ite(OptionalType(measure), ok, arg, none), why,
                               pos=e.args[index].pos)
        return M.DefCall(self.type(d.result), copy_name(e.func, depth + 1), tuple(args),
                         pos=e.pos)

    def measured(self, defn: M.Def, args: tuple[M.TExpr, ...], pos: Pos) -> M.DefCall:
        """A call from outside: a recursive definition's measure must start in its range."""
        if defn.name in self.measures:
            index, measure = self.measures[defn.name]
            arg = M.Unary(measure, "range", args[index], pos=args[index].pos)
            args = (*args[:index], arg, *args[index + 1:])
        return M.DefCall(defn.body.type, defn.name, args, pos=pos)


def _refuse_unchanged(e: S.Call, name: str, index: int, caller: str) -> None:
    """`f(n)` or `f(n + k)` with k >= 0 calls f (or another definition of its group) again
    with a measure no smaller: refused here rather than found as an evaluation error in
    the search."""
    arg: Any = e.args[index]
    grows = isinstance(arg, S.Binary) and arg.op == "+" and isinstance(arg.left, S.Name) \
        and arg.left.id == name and isinstance(arg.right, S.IntLit)
    if isinstance(arg, S.Name) and arg.id == name or grows:
        whom = "itself" if e.func == caller else f"'{e.func}'"
        raise SpecError(f"definition '{caller}' calls {whom} with '{name}' no smaller; a "
                        f"recursive call must decrease '{name}', or it never ends", e.pos)


def _default(t: Type) -> M.Const:
    """The value of the copy past the last depth: never read, since reaching it fails the
    measure's check first, but every engine needs a body."""
    if isinstance(t, OptionalType):
        return M.Const(t, None)
    slots = t.default()
    return M.Const(t, slots[0] if len(slots) == 1 else tuple(slots))
