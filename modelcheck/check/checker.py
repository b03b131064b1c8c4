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
    NoneType,
    OptionalType,
    SetType,
    TidType,
    Type,
    strip_optional,
)
from ..lang import syntax as S
from ..lang.errors import NOWHERE, Pos, SpecError, suggest
from .expressions import Expressions
from .scope import CONST_SCOPE, Scope

OPTIONS = {"deadlock": BOOL, "signal_depth": INT}
DEADLOCK = "deadlock"
BOUNDS = "bounds"


def check(spec: S.Spec, variant: str | None = None,
          overrides: dict[str, str] | None = None, deadlock: bool = True) -> M.Model:
    """Check a parsed spec for one variant; `overrides` are the -D NAME=VALUE pairs and
    `deadlock=False` is --no-deadlock (as if the spec said `option deadlock = false;`)."""
    return _Checker(spec, variant, overrides or {}, deadlock).run()


class _Checker(Expressions):
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
        for name, d in self.template_decls.items():
            self._template_body(d, self.templates[name])
        for h, hd in zip(self.handlers, spec.handlers):
            scope = Scope(template=h, in_step=True)
            for step, decl in zip(h.steps, hd.steps):
                step.body = self.block(decl.body, scope)
        tls_scope = Scope(in_step=True)
        thread_locals = [M.Local(name, self.layout.tls[name][1], self.layout.tls[name][0],
                                 self.expect_type(init, tls_scope, self.layout.tls[name][1]), pos)
                         for name, _, init, pos in spec.thread_locals]
        destructors = [M.Destructor(name, k, self.block(body, Scope(in_step=True)), pos)
                       for k, (name, body, pos) in enumerate(spec.destructors)]
        self.initial = True  # start lines build the initial state: they may name ids
        starts = [self._spawn_call(name, args, pos, CONST_SCOPE, None, parent=False)
                  for name, args, pos in spec.starts]
        self.initial = False
        if not starts:
            raise SpecError("the spec starts no thread; add a line like 'start main();'")
        if len(starts) > self.pool:
            raise SpecError(f"{len(starts)} threads start but the pool has {self.pool} ids",
                            spec.threads[0][1] if spec.threads else NOWHERE)

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

    def _template_body(self, d: S.ThreadDecl, t: M.Template) -> None:
        scope = Scope(template=t, in_step=True)
        for loc, decl in zip(t.locals, d.locals):
            loc.init = self.expect_type(decl.init, scope, loc.type)
        for step, decl in zip(t.steps, d.steps):
            step.body = self.block(decl.body, scope)

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

    # ------------------------------------------------------------ statements
    def block(self, stmts: tuple[S.Stmt, ...], sc: Scope) -> tuple[M.Stmt, ...]:
        out: list[M.Stmt] = []
        for i, s in enumerate(stmts):
            if i and _ends_step(stmts[i - 1]):
                raise SpecError("unreachable statement: the step already ended with "
                                + _ends_step(stmts[i - 1]), s.pos)
            out.extend(self.stmt(s, sc))
            if isinstance(s, S.Let):
                sc = sc.push(s.name, out[-1].var)  # type: ignore[attr-defined]
            elif isinstance(s, (S.Spawn, S.Fork)) and s.bind is not None:
                sc = sc.push(s.bind, out[-1].target)  # type: ignore[attr-defined, arg-type]
        return tuple(out)

    def stmt(self, s: S.Stmt, sc: Scope) -> list[M.Stmt]:
        if isinstance(s, S.Assign):
            target = self.expr(s.target, sc)
            if not M.is_place(target):
                raise SpecError("only variables, array elements and record fields can be "
                                "assigned", s.target.pos)
            return [M.Assign(s.pos, target, self.expect_type(s.value, sc, target.type))]
        if isinstance(s, S.Spawn):
            spawn = self._spawn_call(s.template, s.args, s.pos, sc, s.target)
            if s.bind is not None:
                spawn = M.Spawn(s.pos, self.bound(s.bind, self.tid), s.template, spawn.args)
            return [spawn]
        if isinstance(s, S.Let):
            value = self.expr(s.value, sc)
            if isinstance(value.type, (NoneType, EmptySetType)):
                raise SpecError("cannot tell the type of this value; declare a variable instead",
                                s.value.pos)
            return [M.Let(s.pos, self.bound(s.name, value.type), value)]
        if isinstance(s, S.If):
            return self._if(list(s.branches), s.otherwise, sc, s.pos)
        if isinstance(s, S.Await):
            cond = self.expect_type(s.cond, sc, BOOL)
            if isinstance(cond, M.Const) and cond.value:
                return []
            return [M.Await(s.pos, cond)]
        if isinstance(s, S.Assert):
            name = s.prop or f"assert@{s.pos.line}:{s.pos.col}"
            self.add_property(name, "assertion", s.pos, s.message or "")
            cond = self.expect_type(s.cond, sc, BOOL)
            return [M.Assert(s.pos, name, cond, s.message or "assertion failed")]
        if isinstance(s, S.Either):
            named = [n for n in s.names if n is not None]
            if len(set(named)) != len(named):
                raise SpecError("two branches of this either have the same name", s.pos)
            return [M.Either(s.pos, tuple(self.block(b, sc) for b in s.blocks), s.names)]
        if isinstance(s, S.Choose):
            dom = self.domain(s.domain, sc)
            var = self.bound(s.var, dom.type)
            inner = sc.push(s.var, var)
            where = self.expect_type(s.where, inner, BOOL) if s.where is not None else None
            return [M.Choose(s.pos, var, dom, where, self.block(s.body, inner))]
        if isinstance(s, S.Goto):
            self._need_thread_body(sc, "goto", s.pos)
            assert sc.template is not None
            for step in sc.template.steps:
                if step.label == s.label:
                    return [M.Goto(s.pos, s.label, step.pc)]
            raise SpecError(f"no step labelled '{s.label}' in thread '{sc.template.name}'",
                            s.pos, suggest(s.label, [x.label for x in sc.template.steps]))
        if isinstance(s, S.Exit):
            self._need_thread_body(sc, "exit", s.pos)
            return [M.Exit(s.pos)]
        if isinstance(s, S.Free):
            if isinstance(s.thread, S.SelfRef):
                self._need_thread_body(sc, "free self", s.pos)
                return [M.Exit(s.pos, free=True)]
            return [M.Free(s.pos, self.expect_type(s.thread, sc, self.tid))]
        if isinstance(s, S.Fork):
            if sc.template is None or sc.template.kind != "thread":
                raise SpecError("fork is only allowed in a thread's steps", s.pos)
            if s.bind is not None:
                return [M.Fork(s.pos, self.bound(s.bind, self.tid))]
            target = None
            if s.target is not None:
                target = self.expr(s.target, sc)
                if not M.is_place(target) or target.type != OptionalType(self.tid):
                    raise SpecError("fork stores the child's id in a variable of type tid? "
                                    "(the child's copy gets none)", s.target.pos)
            return [M.Fork(s.pos, target)]
        if isinstance(s, S.SigOp):
            if not sc.in_step:
                raise SpecError(f"{s.op} is only allowed in steps", s.pos)
            if s.op == "on_exit":
                if s.name not in self.dtor_index:
                    raise SpecError(f"unknown destructor '{s.name}'", s.pos,
                                    suggest(s.name, self.dtor_index))
                return [M.SigOp(s.pos, s.op, self.dtor_index[s.name])]
            names = [h.name for h in self.handlers]
            if s.name not in names:
                raise SpecError(f"unknown signal handler '{s.name}'", s.pos, suggest(s.name, names))
            return [M.SigOp(s.pos, s.op, names.index(s.name))]
        if isinstance(s, S.Skip):
            return []
        raise AssertionError(s)

    def _need_thread_body(self, sc: Scope, what: str, pos: Pos) -> None:
        if sc.template is None:
            raise SpecError(f"{what} is not allowed in a destructor or an initial value", pos)

    def _if(self, branches: list, otherwise: tuple, sc: Scope, pos: Pos) -> list[M.Stmt]:
        if not branches:
            return list(self.block(otherwise, sc))
        cond_ast, body = branches[0]
        cond = self.expect_type(cond_ast, sc, BOOL)
        if isinstance(cond, M.Const):
            return list(self.block(body, sc)) if cond.value else \
                self._if(branches[1:], otherwise, sc, pos)
        return [M.If(pos, cond, self.block(body, sc),
                     tuple(self._if(branches[1:], otherwise, sc, pos)))]

    def _spawn_call(self, name: str, args: tuple[S.Expr, ...], pos: Pos, sc: Scope,
                    target: S.Expr | None, parent: bool = True) -> M.Spawn:
        if name not in self.templates:
            raise SpecError(f"unknown thread '{name}'", pos, suggest(name, self.templates))
        t = self.templates[name]
        if len(args) != len(t.params):
            raise SpecError(f"thread '{name}' takes {len(t.params)} argument(s), "
                            f"{len(args)} given", pos)
        targs = tuple(self.expect_type(a, sc, p.type) for a, p in zip(args, t.params))
        tgt = None
        if target is not None:
            tgt = self.expr(target, sc)
            if not M.is_place(tgt):
                raise SpecError("spawn result can only be stored in a variable", target.pos)
            if strip_optional(tgt.type) != self.tid:
                raise SpecError(f"spawn gives a tid, but the target has type {tgt.type}",
                                target.pos)
        return M.Spawn(pos, tgt, name, targs, parent)

def _ends_step(s: S.Stmt) -> str:
    if isinstance(s, S.Goto):
        return "goto"
    if isinstance(s, S.Exit):
        return "exit"
    if isinstance(s, S.Free) and isinstance(s.thread, S.SelfRef):
        return "free self"
    return ""


