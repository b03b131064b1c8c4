"""AST to checked model: name resolution, type checking, constant folding.

One pass over the declarations with lazy resolution of constants, type
aliases and definitions, so declarations may appear in any order. The variant
being checked is a constant here, so `if variant == x` branches are folded
away before any code is generated.
"""

from __future__ import annotations

import itertools
from typing import Any

from ..ir import model as M
from ..ir.typesys import (
    BOOL,
    INT,
    EmptySetType,
    EnumType,
    SetType,
    TidType,
    Type,
    strip_optional,
)
from ..lang import syntax as S
from ..lang.errors import NOWHERE, Pos, SpecError, suggest
from .scope import CONST_SCOPE, Scope
from .statements import Statements

OPTIONS = {"deadlock": BOOL, "signal_depth": INT}
DEADLOCK = "deadlock"
BOUNDS = "bounds"


def check(spec: S.Spec, variant: str | None = None,
          overrides: dict[str, str] | None = None, deadlock: bool = True) -> M.Model:
    """Check a parsed spec for one variant; `overrides` are the -D NAME=VALUE pairs and
    `deadlock=False` is --no-deadlock (as if the spec said `option deadlock = false;`)."""
    return _Checker(spec, variant, overrides or {}, deadlock).run()


class _Checker(Statements):
    # ------------------------------------------------------------ declarations
    def run(self) -> M.Model:
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

        self.pool = self._pool()
        self.tid = TidType(self.pool)
        self.type_decls["tid"] = (self.tid, NOWHERE)
        self.type_decls["bool"] = (BOOL, NOWHERE)

        offset = 0
        var_types: list[Type] = []
        for v in spec.vars:
            t = self.type(v.type)
            self.declare(v.name, "var", (t, offset), v.pos)
            var_types.append(t)
            offset += t.width()
        thread_base = offset

        options = self._options()
        self.layout = self._layout(options)
        pcs = itertools.count(M.FIRST_PC)
        for t in spec.templates:
            self.templates[t.name] = self._template_shell(t, pcs)
        self.handlers = self._handlers(pcs)
        self.layout.stride = stride = self.layout.locals_start + max(
            [len(t.params) + len(t.locals) for t in self.templates.values()] or [0])
        self.dtor_index = {name: k for k, (name, _, _) in enumerate(spec.destructors)}

        variables = []
        for v, t in zip(spec.vars, var_types):
            init = self._var_init(v, t)
            variables.append(M.Var(v.name, t, self.names[v.name][1][1], init, v.choice, v.pos))
        self.bodies()
        tls_scope = Scope(in_step=True)
        thread_locals = [M.Local(name, self.layout.tls[name][1], self.layout.tls[name][0],
                                 self.expect_type(init, tls_scope, self.layout.tls[name][1]), pos)
                         for name, _, init, pos in spec.thread_locals]
        destructors = self.destructors()
        starts = self.starts()

        invariants = []
        for name, expr, pos in spec.invariants:
            self.add_property(name, "invariant", pos)
            invariants.append(M.Invariant(name, self.expect_type(expr, Scope(), BOOL), pos))
        invariants += self._lemmas()
        for name in self.def_decls:
            self.defn(name)
        self.check_deadlock = self.deadlock_flag and options.get("deadlock", True)
        if self.check_deadlock:
            self.add_property(DEADLOCK, "deadlock", NOWHERE,
                               "some thread is unfinished but no step can run")
        self.add_property(BOUNDS, "bounds", NOWHERE,
                           "values stay in their declared ranges, indexes in bounds, no none used")
        expected = self._expects()
        steps_by_pc = {s.pc: (t, s) for t in [*self.templates.values(), *self.handlers]
                       for s in t.steps}
        if destructors:
            exiting = M.Template("exit", [], [], [], NOWHERE, kind="exit")
            steps_by_pc[M.PC_EXITING] = (exiting, M.Step("destructor", M.PC_EXITING, (), NOWHERE))
        return M.Model(
            name=spec.name or "spec", variant=self.variant, variants=self.variant_names,
            variant_type=self.variant_type,
            consts={n: c.value for n, c in self.const_values.items()},
            vars=variables, defs=self.defs, templates=self.templates, starts=starts,
            pool=self.pool, thread_base=thread_base, thread_stride=stride,
            invariants=invariants, properties=sorted(
                self.properties.values(), key=lambda p: (p.pos == NOWHERE, p.pos.line, p.pos.col)),
            expected_violations=expected, check_deadlock=self.check_deadlock,
            steps_by_pc=steps_by_pc, layout=self.layout, thread_locals=thread_locals,
            destructors=destructors, handlers=self.handlers, symmetric=self._symmetric_sorts())

    def _symmetric_sorts(self) -> list[TidType]:
        sorts: list[TidType] = [self.tid] if self.symmetric_tid else []
        return sorts + [self.type(S.NamedTypeExpr(pos, name))  # type: ignore[misc]
                        for name, pos in self.symmetric_types.items()]

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

    def _declare_type(self, name: str, t: S.TypeExpr | Type, pos: Pos) -> None:
        if name in self.type_decls or name in ("tid", "bool"):
            raise SpecError(f"type '{name}' is already declared", pos)
        self.type_decls[name] = (t, pos)

    def _pool(self) -> int:
        if len(self.spec.threads) > 1:
            raise SpecError("'threads' is declared twice", self.spec.threads[1][1])
        if not self.spec.threads:
            return max(1, len(self.spec.starts))
        expr, pos = self.spec.threads[0]
        n = self.const_int(expr)
        if not 1 <= n <= 64:
            raise SpecError(f"the thread pool must hold 1 to 64 ids, not {n}", pos)
        return n

    def _options(self) -> dict[str, Any]:
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
        if not 1 <= out.get("signal_depth", 1) <= 8:
            raise SpecError("option signal_depth must be 1 to 8")
        return out

    def _layout(self, options: dict[str, Any]) -> M.ThreadLayout:
        """Slots of a thread block; runtime slots only for the features the spec uses."""
        spec = self.spec
        layout = M.ThreadLayout()
        slot = 2
        seen: dict[str, Pos] = {}
        for kind, items in (("destructor", [(n, p) for n, _, p in spec.destructors]),
                            ("handler", [(h.name, h.pos) for h in spec.handlers])):
            for name, pos in items:
                if name in seen:
                    raise SpecError(f"'{name}' is already declared at {seen[name]}", pos)
                seen[name] = pos
            if len(items) > 60:
                raise SpecError(f"at most 60 {kind}s are supported", items[60][1])
        if spec.destructors:
            layout.dtors, slot = slot, slot + 1
        if spec.handlers:
            layout.installed, layout.masked, layout.active, layout.depth = range(slot, slot + 4)
            layout.max_depth = options.get("signal_depth", 1)
            layout.saved = slot + 4
            slot += 4 + layout.max_depth
        for name, texpr, _, pos in spec.thread_locals:
            t = self.type(texpr)
            if t.width() != 1:
                raise SpecError("thread-local variables must be scalars or sets", pos)
            if self.is_symmetric(t):
                raise SpecError(f"a thread-local of type {t} is refused under symmetry: a "
                                "finished thread's copy reads as 0, which is one particular "
                                f"{strip_optional(t)} (a set of them is fine)", pos)
            self.declare(name, "tls", (t, slot), pos)
            layout.tls[name] = (slot, t)
            slot += 1
        layout.locals_start = layout.stride = slot
        return layout

    def _handlers(self, pcs: Any) -> list[M.Template]:
        out = []
        for k, h in enumerate(self.spec.handlers):
            shell = self._template_shell(S.ThreadDecl(h.name, (), (), h.steps, h.pos), pcs)
            shell.kind, shell.index = "handler", k
            out.append(shell)
        return out

    def _expects(self) -> dict[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        for variant, props, pos in self.spec.expects:
            if variant not in self.variant_names:
                raise SpecError(f"unknown variant '{variant}' in expect", pos,
                                suggest(variant, self.variant_names))
            if variant in out:
                raise SpecError(f"variant '{variant}' already has an expect line", pos)
            if self.deadlock_flag is False:  # --no-deadlock: its expectation is moot
                props = tuple(p for p in props if p != DEADLOCK)
            for p in props:
                if p not in self.properties:
                    raise SpecError(f"unknown property '{p}' in expect", pos,
                                    suggest(p, self.properties))
            out[variant] = frozenset(props)
        return out

    # ------------------------------------------------------------ templates
    def _template_shell(self, d: S.ThreadDecl, pcs: Any) -> M.Template:
        slot = self.layout.locals_start
        params = []
        seen: dict[str, Pos] = {}
        for p in d.params:
            if p.name in seen:
                raise SpecError(f"'{p.name}' is already declared at {seen[p.name]}", p.pos)
            seen[p.name] = p.pos
            params.append(M.Local(p.name, self.type(p.type), slot, None, p.pos))
            slot += 1
        locals_ = []
        for loc in d.locals:
            if loc.name in seen:
                raise SpecError(f"'{loc.name}' is already declared at {seen[loc.name]}", loc.pos)
            seen[loc.name] = loc.pos
            t = self.type(loc.type)
            if t.width() != 1:
                raise SpecError("thread locals must be scalars or sets; keep arrays and records "
                                "in shared variables indexed by tid", loc.pos)
            locals_.append(M.Local(loc.name, t, slot, None, loc.pos))
            slot += 1
        steps = []
        labels: dict[str, Pos] = {}
        for s in d.steps:
            if s.label in labels:
                raise SpecError(f"label '{s.label}' is already used at {labels[s.label]}", s.pos)
            labels[s.label] = s.pos
            steps.append(M.Step(s.label, next(pcs), (), s.pos))
        return M.Template(d.name, params, locals_, steps, d.pos)

    def _var_init(self, v: S.VarDecl, t: Type) -> M.TExpr:
        self.initial = True
        try:
            return self._var_init_value(v, t)
        finally:
            self.initial = False

    def _var_init_value(self, v: S.VarDecl, t: Type) -> M.TExpr:
        scope = Scope(state=False)
        if v.choice:
            init = self.expr(v.init, scope, SetType(t) if t.width() == 1 else None)
            if not isinstance(init.type, (SetType, EmptySetType)):
                raise SpecError(f"'var {v.name}: T in S' needs a set S, got {init.type}",
                                v.init.pos)
            if isinstance(init.type, EmptySetType):
                raise SpecError(f"'{v.name}' has no allowed initial value", v.init.pos)
            return self.coerce(init, SetType(t), v.init.pos)
        return self.expect_type(v.init, scope, t)

