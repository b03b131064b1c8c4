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

A recursive call passing the measure through unchanged (`f(n)`, `f(n + 1)`) can never end
and is refused before the search. Definitions calling each other stay refused
(`resolution.defn`): a measure is only checked along one definition's own calls.
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


def calls(e: Any, name: str) -> S.Call | None:
    """The first call of `name` in a syntax tree, or None."""
    return next((n for n in nodes(e) if isinstance(n, S.Call) and n.func == name), None)


class Recursion(Resolution):
    """`defn` for a definition that calls itself; the checks at its call sites."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a recursive definition being unrolled: its name -> (depth, the measure's variable)
        self.unrolling: dict[str, tuple[int, M.Bound]] = {}
        self.measures: dict[str, tuple[int, IntType]] = {}  # name -> (index, range)
        self.checking: list[str] = []  # the definitions whose bodies are being checked

    def defn(self, name: str) -> M.Def:
        if name in self.unrolling:  # its own calls are `recursive_call`s, never come here
            raise SpecError(f"definition '{name}' calls itself through another definition; "
                            "definitions that call each other cannot be recursive (one may "
                            "call itself directly)", self.def_decls[name].pos)
        d = self.def_decls.get(name)
        self.checking.append(name)
        try:
            if name in self.defs or d is None or calls(d.body, name) is None:
                return super().defn(name)
            return self._unroll(d)
        finally:
            self.checking.pop()

    def calls_itself(self, name: str) -> bool:
        """Whether a call of `name` here is a recursive definition's call of itself: in its
        own body (not in another definition's it calls) while it is unrolled."""
        return name in self.unrolling and self.checking[-1] == name

    def _unroll(self, d: S.DefDecl) -> M.Def:
        index, measure = self._measure(d)
        depth = measure.hi - measure.lo + 1  # type: ignore[operator]
        if depth > MAX_DEPTH:
            raise SpecError(f"recursive definition '{d.name}': its measure '{d.params[index].name}'"
                            f" ranges over {depth} values, more than the {MAX_DEPTH} copies it "
                            "would be unrolled into; narrow its range", d.params[index].pos)
        taken = [n for n in self.def_decls if n.startswith(d.name + COPY)]
        if taken:
            raise SpecError(f"definition '{taken[0]}' has the name a copy of the recursive "
                            f"definition '{d.name}' takes; rename it", self.def_decls[taken[0]].pos)
        self.measures[d.name] = (index, measure)
        self.resolving.add(d.name)
        for k in range(depth):
            params = [self.bound(p.name, self.type(p.type)) for p in d.params]
            sc = Scope()
            for p, b in zip(d.params, params):
                sc = sc.push(p.name, b)
            self.unrolling[d.name] = (k, params[index])
            body = self.expect_type(d.body, sc, self.type(d.result))
            rtype = self.type(d.result)
            if isinstance(rtype, IntType) and rtype.lo is not None \
                    and not isinstance(body, M.Const):
                body = M.Unary(rtype, "range", body, pos=d.body.pos)
            self.defs[copy_name(d.name, k)] = M.Def(copy_name(d.name, k), params, body)
        del self.unrolling[d.name]
        self.resolving.discard(d.name)
        last = [self.bound(p.name, self.type(p.type)) for p in d.params]
        self.defs[copy_name(d.name, depth)] = M.Def(copy_name(d.name, depth), last,
                                                    _default(self.type(d.result)))
        return self.defs[d.name]

    def _measure(self, d: S.DefDecl) -> tuple[int, IntType]:
        for k, p in enumerate(d.params):
            t = self.type(p.type)
            if isinstance(t, IntType) and t.lo is not None:
                return k, t
        raise SpecError(f"definition '{d.name}' calls itself, so it needs a parameter of a range "
                        "type (such as n: 0..N) that each recursive call decreases: that range "
                        "bounds the depth", d.pos)

    def recursive_call(self, e: S.Call, sc: Scope) -> M.TExpr:
        """A definition's call of itself while it is unrolled: aimed at the next copy, its
        measure checked to decrease and stay in range."""
        depth, current = self.unrolling[e.func]
        d = self.def_decls[e.func]
        if len(e.args) != len(d.params):
            raise SpecError(f"{e.func}() takes {len(d.params)} argument(s), {len(e.args)} given",
                            e.pos)
        index, measure = self.measures[e.func]
        _refuse_unchanged(e, d.params[index].name, index)
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


def _refuse_unchanged(e: S.Call, name: str, index: int) -> None:
    """`f(n)` or `f(n + k)` with k >= 0 calls f again with a measure no smaller: refused
    here rather than found as an evaluation error in the search."""
    arg: Any = e.args[index]
    grows = isinstance(arg, S.Binary) and arg.op == "+" and isinstance(arg.left, S.Name) \
        and arg.left.id == name and isinstance(arg.right, S.IntLit)
    if isinstance(arg, S.Name) and arg.id == name or grows:
        raise SpecError(f"definition '{e.func}' calls itself with '{name}' no smaller; a "
                        f"recursive call must decrease '{name}', or it never ends", e.pos)


def _default(t: Type) -> M.Const:
    """The value of the copy past the last depth: never read, since reaching it fails the
    measure's check first, but every engine needs a body."""
    if isinstance(t, OptionalType):
        return M.Const(t, None)
    slots = t.default()
    return M.Const(t, slots[0] if len(slots) == 1 else tuple(slots))
