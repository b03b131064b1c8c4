"""The tables the parts of the type checker share, and the rules that guard them.

The checker is split by job (names, expressions, statements, slot layout, declarations),
but it is still one pass over one spec in which the jobs feed each other: a constant is
resolved when an expression first names it, a statement reads the handlers the layout
placed, an assertion adds a property that an `expect` line must name. The parts are mixin
classes over these tables, each building only on the parts it needs (`checker._Checker`
puts them together). A name enters the value namespace through `declare`, a property
through `add_property`, so that wherever it is declared, a second declaration gets the
same error.
"""

from __future__ import annotations

import itertools
from typing import Any

from ..ir import model as M
from ..ir.typesys import EnumType, TidType, Type
from ..lang import syntax as S
from ..lang.errors import Pos, SpecError, suggest

# the built-in functions, by their number of arguments; no definition may take their names
BUILTINS: dict[str, int] = {
    "alive": 1, "done": 1, "freed": 1, "parent": 1, "ancestor": 2, "free_threads": 0, "size": 1,
}


class Tables:
    """The declarations of one spec, checked lazily, and the run's decisions about them."""

    # set by the run once the constants are known: the pool, the slots, the handlers
    pool: int
    tid: TidType
    layout: M.ThreadLayout
    handlers: list[M.Template]
    dtor_index: dict[str, int]

    def __init__(self, spec: S.Spec, variant: str | None, overrides: dict[str, str],
                 deadlock: bool = True) -> None:
        self.spec = spec
        self.deadlock_flag = deadlock
        self.overrides = overrides
        self.uids = itertools.count()
        # binder domains over a large set (`big_sets`): id(domain) -> (set, pos, domain)
        self.big_domains: dict[int, tuple[Any, Pos, Any]] = {}
        self.names: dict[str, tuple[str, Any, Pos]] = {}   # value namespace
        self.type_decls: dict[str, tuple[S.TypeExpr | Type, Pos]] = {}
        self.const_values: dict[str, M.Const] = {}
        self.resolving: set[str] = set()
        self.def_decls: dict[str, S.DefDecl] = {}
        self.defs: dict[str, M.Def] = {}
        self.template_decls: dict[str, S.ThreadDecl] = {}
        self.templates: dict[str, M.Template] = {}
        self.properties: dict[str, M.Property] = {}
        self.symmetric_tid = False
        self.symmetric_types: dict[str, Pos] = {}
        self.initial = False  # checking an initial value: ids may be named there
        self.variant_names = spec.variant_names
        if variant is None:
            variant = self.variant_names[0]
        if variant not in self.variant_names:
            raise SpecError(f"unknown variant '{variant}'; the spec declares "
                            + ", ".join(self.variant_names),
                            hint=suggest(variant, self.variant_names))
        self.variant = variant
        self.variant_type = EnumType("variant", tuple(self.variant_names))

    def declare(self, name: str, kind: str, payload: Any, pos: Pos) -> None:
        if name in self.names:
            other = self.names[name][2]
            raise SpecError(f"'{name}' is already declared at {other}", pos)
        # A built-in function is only ever called, so a value may share its name (`var done`,
        # `const parent`); a definition, which is called too, may not.
        if name in ("tid", "bool", "self", "variant") or name in BUILTINS and kind == "def":
            raise SpecError(f"'{name}' is a built-in name and cannot be redeclared", pos)
        self.names[name] = (kind, payload, pos)

    def add_property(self, name: str, kind: str, pos: Pos, desc: str = "") -> None:
        old = self.properties.get(name)
        if old is not None:
            if old.kind != kind or kind != "assertion":
                raise SpecError(f"property '{name}' is already declared as {old.kind}"
                                + (f" at {old.pos}" if old.pos.line else ""), pos)
            return
        self.properties[name] = M.Property(name, kind, pos, desc)

    def bound(self, name: str, t: Type) -> M.Bound:
        return M.Bound(t, name, next(self.uids))
