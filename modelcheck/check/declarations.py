"""The spec's declarations, each checked and entered in the tables.

Every name is declared before anything is resolved, which is what lets declarations come
in any order; the constants are resolved next, since they size the thread pool and the
ranges of types. The declarations that need more than names (the pool, options, initial
values, invariants and lemmas, and `expect` lines, which may name any property of the
spec) are checked here too, each where the run (`checker._Checker.run`) has what it needs.
"""

from __future__ import annotations

from typing import Any

from ..ir import model as M
from ..ir.typesys import BOOL, INT, EmptySetType, EnumType, SetType, TidType, Type
from ..lang import syntax as S
from ..lang.errors import NOWHERE, Pos, SpecError, suggest
from .resolution import Resolution
from .scope import CONST_SCOPE, Scope

OPTIONS = {"deadlock": BOOL, "signal_depth": INT, "stutter": BOOL}
DEADLOCK = "deadlock"
BOUNDS = "bounds"
RUNTIME = "runtime"


class Declarations(Resolution):
    """Names, the pool, options, initial values, invariants, lemmas, expect lines."""

    def declare_all(self) -> None:
        """Declare every name of the spec, then resolve the constants."""
        spec = self.spec
        for name, pos in spec.variants:
            self.declare(name, "variant", self.variant_names.index(name), pos)
        for name, expr, pos in spec.consts:
            self.declare(name, "const", expr, pos)
        for name, texpr, pos in spec.types:
            self._declare_type(name, texpr, pos)
        self.symmetric_decls()
        for name, members, pos in spec.enums:
            if len({m for m, _ in members}) != len(members):
                dup = next(m for m, p in members if [x for x, _ in members].count(m) > 1)
                raise SpecError(f"enum member '{dup}' is listed twice", pos)
            etype = EnumType(name, tuple(m for m, _ in members))
            self._declare_type(name, etype, pos)
            for i, (m, mpos) in enumerate(members):
                self.declare(m, "member", M.Const(etype, i), mpos)
        for d in spec.defs:
            if d.name in self.def_decls:
                raise SpecError(f"'{d.name}' is already defined at {self.def_decls[d.name].pos}",
                                d.pos)
            self.declare(d.name, "def", d, d.pos)
            self.def_decls[d.name] = d
        for t in spec.templates:
            if t.name in self.template_decls:
                raise SpecError(f"thread '{t.name}' is already declared at "
                                f"{self.template_decls[t.name].pos}", t.pos)
            self.template_decls[t.name] = t
        for name in self.overrides:
            if name not in {c for c, _, _ in spec.consts}:
                raise SpecError(f"-D {name}: the spec has no constant '{name}'",
                                hint=suggest(name, [c for c, _, _ in spec.consts]))
        for name, _, _ in spec.consts:
            self.const(name)

    def _declare_type(self, name: str, t: S.TypeExpr | Type, pos: Pos) -> None:
        if name in self.type_decls or name in ("tid", "bool"):
            raise SpecError(f"type '{name}' is already declared", pos)
        self.type_decls[name] = (t, pos)

    def declare_pool(self) -> None:
        """The thread pool, and with it the type `tid` (and `bool`, declared beside it)."""
        self.pool = self._pool()
        self.tid = TidType(self.pool)
        self.type_decls["tid"] = (self.tid, NOWHERE)
        self.type_decls["bool"] = (BOOL, NOWHERE)

    def _pool(self) -> int:
        if len(self.spec.threads) > 1:
            raise SpecError("'threads' is declared twice", self.spec.threads[1][1])
        if not self.spec.threads:
            return max(1, len(self.start_lines()))  # type: ignore[attr-defined]
        expr, pos = self.spec.threads[0]
        n = self.const_int(expr)
        if not 1 <= n <= 64:
            raise SpecError(f"the thread pool must hold 1 to 64 ids, not {n}", pos)
        return n

    def read_options(self) -> dict[str, Any]:
        """The `option` lines' values, by option name (only the options set)."""
        out: dict[str, Any] = {}
        for name, expr, pos in self.spec.options:
            if name not in OPTIONS:
                raise SpecError(f"unknown option '{name}'", pos, suggest(name, OPTIONS))
            if name in out:
                raise SpecError(f"option '{name}' is set twice", pos)
            value = self.expect_type(expr, CONST_SCOPE, OPTIONS[name])
            if not isinstance(value, M.Const):
                raise SpecError(f"option '{name}' needs a constant", pos)
            out[name] = value.value
            if name == "signal_depth" and not 1 <= value.value <= 8:
                raise SpecError(f"option signal_depth must be 1 to 8, not {value.value}",
                                expr.pos)
        return out

    def variables(self, var_types: list[Type]) -> list[M.Var]:
        """The shared variables with their initial values (their slots are in the tables)."""
        variables = []
        for v, t in zip(self.spec.vars, var_types):
            init = self._var_init(v, t)
            variables.append(M.Var(v.name, t, self.names[v.name][1][1], init, v.choice, v.pos))
        return variables

    def _var_init(self, v: S.VarDecl, t: Type) -> M.TExpr | None:
        self.initial = True
        try:
            return self._var_init_value(v, t)
        finally:
            self.initial = False

    def _var_init_value(self, v: S.VarDecl, t: Type) -> M.TExpr | None:
        scope = Scope(state=False)
        if v.init is None:  # `in any`
            return None
        if v.choice:
            return self.initial_choices(v.name, v.init, t)
        return self.expect_type(v.init, scope, t)

    def initial_choices(self, name: str, allowed: S.Expr, t: Type) -> M.TExpr:
        """`var x: T in S`, shared or a thread's: S, a constant set of T's values."""
        if t.width() != 1:  # a set of T's values is no mask: say what does the same
            raise SpecError(f"'var {name}: T in S' takes a scalar T or a set of scalars; for "
                            f"{t}, write 'in any' and an 'init' line: 'init {name} == a || "
                            f"{name} == b;'", allowed.pos)
        init = self.expr(allowed, Scope(state=False), SetType(t) if t.width() == 1 else None)
        if not isinstance(init.type, (SetType, EmptySetType)):
            raise SpecError(f"'var {name}: T in S' needs a set S, got {init.type}", allowed.pos)
        if isinstance(init.type, EmptySetType):
            raise SpecError(f"'{name}' has no allowed initial value", allowed.pos)
        return self.coerce(init, SetType(t), allowed.pos)

    def thread_locals(self) -> list[M.Local]:
        """The thread-locals with their initial values, at the slots the layout gave them."""
        tls = self.layout.tls
        tls_scope = Scope(in_step=True)
        return [M.Local(name, tls[name][1], tls[name][0],
                        self.expect_type(init, tls_scope, tls[name][1]), pos)
                for name, _, init, pos in self.spec.thread_locals]

    def initial_conditions(self, variables: list[M.Var]) -> list[M.Await]:
        """`init P;`: which combinations of initial values are initial states. Like the
        initial values, a condition only says where the search starts, so it may name ids."""
        out = []
        for expr, pos in self.spec.inits:
            self.initial = True
            try:
                out.append(M.Await(pos, self.expect_type(expr, Scope(), BOOL)))
            finally:
                self.initial = False
        return out + self.padded(variables)  # a sequence `in any`: its items past len unused

    def padded(self, variables: list[M.Var]) -> list[M.Await]:
        return [M.Await(v.pos, self.unused_items(M.GlobalPlace(v.type, v.name, v.offset), v.pos))
                for v in variables if v.choice and v.init is None and self.holds_seq(v.type)]

    def constraints(self) -> list[M.Await]:
        """`constraint P;` (TLC's CONSTRAINT): states where P is false are checked but not
        expanded. Read on every state like an invariant, so checked like one."""
        checked = [M.Await(pos, self.expect_type(expr, Scope(), BOOL))
                   for expr, pos in self.spec.constraints]
        # one that folds to true (`variant != v || ...` in another variant) is no constraint
        return [c for c in checked if not (isinstance(c.cond, M.Const) and c.cond.value is True)]

    def invariants(self) -> list[M.Invariant]:
        """The invariants, then the lemmas of the variant checked."""
        invariants = []
        for name, expr, pos in self.spec.invariants:
            self.add_property(name, "invariant", pos)
            invariants.append(M.Invariant(name, self.expect_type(expr, Scope(), BOOL), pos))
        return invariants + self._lemmas()

    def _lemmas(self) -> list[M.Invariant]:
        """Lemmas of the variant being checked; each is type-checked in every variant."""
        out = []
        for lemma in self.spec.lemmas:
            for name, pos in lemma.variants:
                if name not in self.variant_names:
                    raise SpecError(f"unknown variant '{name}' in lemma {lemma.name}", pos,
                                    suggest(name, self.variant_names))
            expr = self.expect_type(lemma.expr, Scope(), BOOL)
            if lemma.variants and self.variant not in {n for n, _ in lemma.variants}:
                continue
            self.add_property(lemma.name, "lemma", lemma.pos,
                              "a helper invariant for mcheck prove")
            out.append(M.Invariant(lemma.name, expr, lemma.pos, lemma=True))
        return out

    def expects(self) -> dict[str, frozenset[str]]:
        """The properties each variant's `expect` line says are violated. Only the checked
        variant's line is held to the properties declared here: another variant may have
        its own (`when variant in {...}`), and its line is checked when it is."""
        out: dict[str, frozenset[str]] = {}
        for variant, props, pos in self.spec.expects:
            if variant not in self.variant_names:
                raise SpecError(f"unknown variant '{variant}' in expect", pos,
                                suggest(variant, self.variant_names))
            if variant in out:
                raise SpecError(f"variant '{variant}' already has an expect line", pos)
            if self.deadlock_flag is False:  # --no-deadlock: its expectation is moot
                props = tuple(p for p in props if p != DEADLOCK)
            for p in props if variant == self.variant else ():
                if p not in self.properties:
                    raise SpecError(f"unknown property '{p}' in expect", pos,
                                    suggest(p, self.properties))
            out[variant] = frozenset(props)
        return out

    def symmetric_sorts(self) -> list[TidType]:
        """The id types whose ids the search may permute: tid first, if symmetric."""
        sorts: list[TidType] = [self.tid] if self.symmetric_tid else []
        return sorts + [self.type(S.NamedTypeExpr(pos, name))  # type: ignore[misc]
                        for name, pos in self.symmetric_types.items()]
