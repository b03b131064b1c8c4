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
    ArrayType,
    BoolType,
    EmptySetType,
    EnumType,
    IntType,
    NoneType,
    OptionalType,
    RecordType,
    SetType,
    TidType,
    Type,
    comparable,
    is_int,
    strip_optional,
)
from ..lang import syntax as S
from ..lang.errors import NOWHERE, Pos, SpecError, suggest
from .coercion import join
from .resolution import Resolution
from .scope import CONST_SCOPE, Scope
from .tables import BUILTINS

OPTIONS = {"deadlock": BOOL, "signal_depth": INT}
DEADLOCK = "deadlock"
BOUNDS = "bounds"


def check(spec: S.Spec, variant: str | None = None,
          overrides: dict[str, str] | None = None, deadlock: bool = True) -> M.Model:
    """Check a parsed spec for one variant; `overrides` are the -D NAME=VALUE pairs and
    `deadlock=False` is --no-deadlock (as if the spec said `option deadlock = false;`)."""
    return _Checker(spec, variant, overrides or {}, deadlock).run()


class _Checker(Resolution):
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

    # ----------------------------------------------------------- expressions
    def domain(self, e: S.Expr, sc: Scope) -> M.Domain:
        if isinstance(e, S.BoolDomain):
            return M.Domain(BOOL)
        if isinstance(e, S.RangeDomain):
            lo, hi = self.const_int(e.lo), self.const_int(e.hi)
            return M.Domain(IntType(lo, hi) if lo <= hi else IntType(lo, lo - 1))
        if isinstance(e, S.Name) and e.id in self.type_decls and not self._is_value(e.id, sc):
            t = self.type(S.NamedTypeExpr(e.pos, e.id), "a domain")
            return M.Domain(t)
        te = self.plain(self.expr(e, sc), e.pos)
        if isinstance(te.type, SetType):
            return M.Domain(te.type.elem, te)
        raise SpecError(f"cannot range over {te.type}; use a set, a range 'a..b' or a type",
                        e.pos)

    def _is_value(self, name: str, sc: Scope) -> bool:
        return any(name in b for b in sc.bound) or name in self.names or (
            sc.template is not None and any(x.name == name for x in
                                            sc.template.params + sc.template.locals))

    def _e_IntLit(self, e: S.IntLit, sc: Scope, want: Type | None) -> M.TExpr:
        return M.Const(INT, e.value)

    def _e_BoolLit(self, e: S.BoolLit, sc: Scope, want: Type | None) -> M.TExpr:
        return M.Const(BOOL, e.value)

    def _e_NoneLit(self, e: S.NoneLit, sc: Scope, want: Type | None) -> M.TExpr:
        return M.Const(want if isinstance(want, OptionalType) else NoneType(), None)

    def _e_SelfRef(self, e: S.SelfRef, sc: Scope, want: Type | None) -> M.TExpr:
        if not sc.in_step:
            raise SpecError("'self' is only available inside a thread", e.pos)
        return M.SelfTid(self.tid)

    def _e_VariantRef(self, e: S.VariantRef, sc: Scope, want: Type | None) -> M.TExpr:
        return M.Const(self.variant_type, self.variant_names.index(self.variant))

    def _e_Name(self, e: S.Name, sc: Scope, want: Type | None) -> M.TExpr:
        for frame in reversed(sc.bound):
            if e.id in frame:
                return frame[e.id]
        if sc.template is not None:
            for loc in sc.template.params + sc.template.locals:
                if loc.name == e.id:
                    return M.LocalPlace(loc.type, loc.name, loc.slot)
        if e.id in self.names:
            kind, payload, _ = self.names[e.id]
            if kind == "const":
                return self.const(e.id)
            if kind == "member":
                return payload
            if kind == "variant":
                return M.Const(self.variant_type, payload)
            if kind == "tls":
                if not sc.in_step:
                    raise SpecError(f"'{e.id}' is thread-local; say whose copy: {e.id}@t", e.pos)
                return M.TlsPlace(payload[0], e.id, payload[1], None)
            if kind == "var":
                if not sc.state:
                    raise SpecError(f"'{e.id}' is a variable; a constant is needed here", e.pos)
                return M.GlobalPlace(payload[0], e.id, payload[1])
            if kind == "def":
                raise SpecError(f"'{e.id}' is a definition; call it as {e.id}(...)", e.pos)
        if e.id in self.type_decls or e.id in ("tid", "bool"):
            raise SpecError(f"'{e.id}' is a type, not a value", e.pos)
        candidates = list(self.names) + [n for b in sc.bound for n in b]
        if sc.template is not None:
            candidates += [x.name for x in sc.template.params + sc.template.locals]
        raise SpecError(f"unknown name '{e.id}'", e.pos, suggest(e.id, candidates))

    def _e_TlsOf(self, e: S.TlsOf, sc: Scope, want: Type | None) -> M.TExpr:
        if self.names.get(e.name, ("",))[0] != "tls":
            raise SpecError(f"'{e.name}' is not a thread-local variable", e.pos,
                            suggest(e.name, [n for n, k in self.names.items() if k[0] == "tls"]))
        if not sc.state:
            raise SpecError(f"'{e.name}@...' reads the state; a constant is needed here", e.pos)
        t, slot = self.names[e.name][1]
        return M.TlsPlace(t, e.name, slot, self.expect_type(e.thread, sc, self.tid))

    def _e_Call(self, e: S.Call, sc: Scope, want: Type | None) -> M.TExpr:
        if e.func in BUILTINS:
            if len(e.args) != BUILTINS[e.func]:
                raise SpecError(f"{e.func}() takes {BUILTINS[e.func]} argument(s), "
                                f"{len(e.args)} given", e.pos)
            if not sc.state:
                raise SpecError(f"{e.func}() reads the state; a constant is needed here", e.pos)
            if e.func == "size":
                arg = self.plain(self.expr(e.args[0], sc), e.args[0].pos)
                if not isinstance(arg.type, (SetType, EmptySetType)):
                    raise SpecError(f"size() needs a set, got {arg.type}", e.args[0].pos)
                return M.Builtin(INT, "size", (arg,))
            args = tuple(self.expect_type(a, sc, self.tid) for a in e.args)
            result: Type = {"parent": OptionalType(self.tid), "free_threads": INT}.get(e.func, BOOL)
            return M.Builtin(result, e.func, args)
        if e.func not in self.def_decls:
            if e.func in self.names:
                raise SpecError(f"'{e.func}' is not a definition and cannot be called", e.pos)
            raise SpecError(f"unknown function '{e.func}'", e.pos,
                            suggest(e.func, [*self.def_decls, *BUILTINS]))
        d = self.def_decls[e.func]
        if len(e.args) != len(d.params):
            raise SpecError(f"{e.func}() takes {len(d.params)} argument(s), {len(e.args)} given",
                            e.pos)
        defn = self.defn(e.func)
        args = tuple(self.expect_type(a, sc, p.type) for a, p in zip(e.args, defn.params))
        if not sc.state:
            raise SpecError(f"{e.func}() may read the state; a constant is needed here", e.pos)
        return M.DefCall(defn.body.type, e.func, args)

    def _e_SetLit(self, e: S.SetLit, sc: Scope, want: Type | None) -> M.TExpr:
        if not e.items:
            return M.Const(want if isinstance(want, SetType) else EmptySetType(), 0)
        elem = want.elem if isinstance(want, SetType) else None
        items = []
        for item in e.items:
            te = self.expr(item, sc, elem)
            if elem is None:
                elem = strip_optional(te.type)
                if isinstance(elem, IntType) and elem.lo is None:
                    raise SpecError("cannot tell the element type of this set literal; "
                                    "assign it to a typed variable", e.pos)
            items.append(self.coerce(te, elem, item.pos))
        assert elem is not None
        if not isinstance(elem, (BoolType, IntType, EnumType, TidType)):
            raise SpecError(f"sets hold bools, ints, enum members or tids, not {elem}", e.pos)
        t = SetType(elem)
        if all(isinstance(i, M.Const) for i in items):
            mask = 0
            for i in items:
                mask |= 1 << elem.values().index(i.value)  # type: ignore[attr-defined]
            return M.Const(t, mask)
        return M.SetOf(t, tuple(items))

    def _e_RecordLit(self, e: S.RecordLit, sc: Scope, want: Type | None) -> M.TExpr:
        if not isinstance(want, RecordType):
            raise SpecError("a record literal is only allowed where a record type is expected",
                            e.pos)
        given = dict(e.fields)
        if len(given) != len(e.fields):
            raise SpecError("a field is given twice", e.pos)
        for name in given:
            if want.field(name) is None:
                raise SpecError(f"record has no field '{name}'", e.pos,
                                suggest(name, [n for n, _ in want.fields]))
        missing = [n for n, _ in want.fields if n not in given]
        if missing:
            raise SpecError(f"missing field(s): {', '.join(missing)}", e.pos)
        items = tuple(self.expect_type(given[n], sc, t) for n, t in want.fields)
        return self._compound(want, items)

    def _e_ArrayLit(self, e: S.ArrayLit, sc: Scope, want: Type | None) -> M.TExpr:
        if not isinstance(want, ArrayType):
            raise SpecError("an array literal is only allowed where an array type is expected",
                            e.pos)
        n = len(want.key.values())
        if len(e.items) == 1 and n != 1:
            item = self.expect_type(e.items[0], sc, want.elem)
            return self._compound(want, (item,) * n)
        if len(e.items) != n:
            raise SpecError(f"array of {n} elements needs {n} values (or one for all), "
                            f"{len(e.items)} given", e.pos)
        if n > 1:
            self.singles_out(want.key, e.pos, "an array listed element by element")
        return self._compound(want, tuple(self.expect_type(i, sc, want.elem) for i in e.items))

    def _compound(self, t: Type, items: tuple[M.TExpr, ...]) -> M.TExpr:
        if all(isinstance(i, M.Const) for i in items):
            flat: list[Any] = []
            for i in items:
                flat.extend(i.value if isinstance(i.value, tuple) else (i.value,))  # type: ignore
            return M.Const(t, tuple(flat))
        return M.Compound(t, items)

    def _e_Binder(self, e: S.Binder, sc: Scope, want: Type | None) -> M.TExpr:
        dom = self.domain(e.domain, sc)
        var = self.bound(e.var, dom.type)
        body = self.expect_type(e.body, sc.push(e.var, var), BOOL)
        result: Type = {"count": INT, "filter": SetType(dom.type)}.get(e.kind, BOOL)
        return M.Quant(result, e.kind, var, dom, body)

    def _e_Cond(self, e: S.Cond, sc: Scope, want: Type | None) -> M.TExpr:
        test = self.expect_type(e.test, sc, BOOL)
        a = self.expr(e.then, sc, want)
        b = self.expr(e.other, sc, want or a.type)
        if want is not None and isinstance(strip_optional(want), TidType):
            # `if c then 1 else 2` where a tid is wanted: the literals are thread ids
            a, b = (self.coerce(x, want, p) if isinstance(x, M.Const) and is_int(x.type) else x
                    for x, p in ((a, e.then.pos), (b, e.other.pos)))
        t = join(a.type, b.type)
        if t is None:
            raise SpecError(f"the branches have different types: {a.type} and {b.type}", e.pos)
        if isinstance(test, M.Const):
            return a if test.value else b
        return M.Ite(t, test, self.coerce(a, t, e.then.pos), self.coerce(b, t, e.other.pos))

    def _e_Unary(self, e: S.Unary, sc: Scope, want: Type | None) -> M.TExpr:
        if e.op == "!":
            x = self.expect_type(e.operand, sc, BOOL)
            return M.Const(BOOL, not x.value) if isinstance(x, M.Const) else M.Unary(BOOL, "!", x)
        x = self.plain(self.expr(e.operand, sc), e.operand.pos)
        if not is_int(x.type):
            raise SpecError(f"'-' needs an int, got {x.type}", e.pos)
        return M.Const(INT, -x.value) if isinstance(x, M.Const) else M.Unary(INT, "-", x)

    def _e_Binary(self, e: S.Binary, sc: Scope, want: Type | None) -> M.TExpr:
        op = e.op
        if op in ("&&", "||", "->"):
            a = self.expect_type(e.left, sc, BOOL)
            b = self.expect_type(e.right, sc, BOOL)
            return _fold_logic(op, a, b)
        if op in ("==", "!="):
            a = self.expr(e.left, sc)
            b = self.expr(e.right, sc, a.type)
            if isinstance(a.type, (NoneType, EmptySetType)):
                a = self.expr(e.left, sc, b.type)
            a, b = self._coerce_pair(a, b, e.left.pos, e.right.pos)
            if not comparable(a.type, b.type):
                raise SpecError(f"cannot compare {a.type} with {b.type}", e.pos)
            return _fold(M.Binary(BOOL, op, a, b))
        if op == "in":
            s = self.plain(self.expr(e.right, sc), e.right.pos)
            if isinstance(s.type, EmptySetType):
                return M.Const(BOOL, False)
            if not isinstance(s.type, SetType):
                raise SpecError(f"'in' needs a set on the right, got {s.type}", e.right.pos)
            x = self.expect_type(e.left, sc, s.type.elem)
            return _fold(M.Binary(BOOL, "in", x, s))
        a = self.plain(self.expr(e.left, sc), e.left.pos)
        b = self.plain(self.expr(e.right, sc, a.type), e.right.pos)
        if isinstance(a.type, (SetType, EmptySetType)) and op in ("|", "&", "-"):
            t = join(a.type, b.type)
            if not isinstance(t, (SetType, EmptySetType)):
                raise SpecError(f"'{op}' needs two sets of the same element type, got "
                                f"{a.type} and {b.type}", e.pos)
            return _fold(M.Binary(t, op, self.coerce(a, t, e.left.pos),
                                  self.coerce(b, t, e.right.pos)))
        if op in ("<", "<=", ">", ">="):
            a, b = self._coerce_pair(a, b, e.left.pos, e.right.pos)
            ordered = (is_int(a.type) and is_int(b.type)) or \
                (isinstance(a.type, TidType) and isinstance(b.type, TidType))
            if self.is_symmetric(a.type) or self.is_symmetric(b.type):
                sym = a.type if self.is_symmetric(a.type) else b.type
                self.singles_out(sym, e.pos, f"'{op}' orders ids: it")
            ordered = ordered and (is_int(a.type) or a.type == b.type)
            if not ordered:
                raise SpecError(f"'{op}' compares two ints or two thread ids, got {a.type} and "
                                f"{b.type}", e.pos)
            return _fold(M.Binary(BOOL, op, a, b))
        if op in ("+", "-", "*", "/", "%"):
            if not (is_int(a.type) and is_int(b.type)):
                raise SpecError(f"'{op}' needs ints, got {a.type} and {b.type}", e.pos)
            if op in ("/", "%") and isinstance(b, M.Const) and b.value == 0:
                raise SpecError("division by zero", e.pos)
            return _fold(M.Binary(INT, op, a, b))
        raise SpecError(f"'{op}' cannot be applied to {a.type} and {b.type}", e.pos)

    def _coerce_pair(self, a: M.TExpr, b: M.TExpr, pa: Pos, pb: Pos) -> tuple[M.TExpr, M.TExpr]:
        """Let an int literal stand for a tid when compared with one."""
        ta, tb = strip_optional(a.type), strip_optional(b.type)
        if isinstance(ta, TidType) and isinstance(b, M.Const) and is_int(b.type):
            b = self.coerce(b, ta, pb)
        if isinstance(tb, TidType) and isinstance(a, M.Const) and is_int(a.type):
            a = self.coerce(a, tb, pa)
        if isinstance(a.type, (NoneType, EmptySetType)) and isinstance(a, M.Const):
            a = M.Const(b.type, a.value)
        if isinstance(b.type, (NoneType, EmptySetType)) and isinstance(b, M.Const):
            b = M.Const(a.type, b.value)
        return a, b

    def _e_Index(self, e: S.Index, sc: Scope, want: Type | None) -> M.TExpr:
        base = self.expr(e.base, sc)
        if not isinstance(base.type, ArrayType):
            raise SpecError(f"only arrays can be indexed; this is {base.type}", e.base.pos)
        key = base.type.key
        idx = self.plain(self.expr(e.index, sc, key), e.index.pos)
        if isinstance(key, IntType):
            if not is_int(idx.type):
                raise SpecError(f"index must be an int, got {idx.type}", e.index.pos)
            if isinstance(idx, M.Const) and not key.lo <= idx.value <= key.hi:  # type: ignore
                raise SpecError(f"index {idx.value} is outside {key}", e.index.pos)
        else:
            idx = self.coerce(idx, key, e.index.pos)
        return M.IndexPlace(base.type.elem, base, idx, e.pos)

    def _e_FieldOf(self, e: S.FieldOf, sc: Scope, want: Type | None) -> M.TExpr:
        base = self.plain(self.expr(e.base, sc), e.base.pos)
        if not isinstance(base.type, RecordType):
            raise SpecError(f"only records have fields; this is {base.type}", e.base.pos)
        found = base.type.field(e.name)
        if found is None:
            raise SpecError(f"record has no field '{e.name}'", e.pos,
                            suggest(e.name, [n for n, _ in base.type.fields]))
        return M.FieldPlace(found[1], base, e.name, found[0])

    def _e_RangeDomain(self, e: S.RangeDomain, sc: Scope, want: Type | None) -> M.TExpr:
        raise SpecError("a range 'a..b' is only allowed after 'in' in forall, exists, count, "
                        "filter and choose", e.pos)

    _e_BoolDomain = _e_RangeDomain


def _ends_step(s: S.Stmt) -> str:
    if isinstance(s, S.Goto):
        return "goto"
    if isinstance(s, S.Exit):
        return "exit"
    if isinstance(s, S.Free) and isinstance(s.thread, S.SelfRef):
        return "free self"
    return ""


def _fold_logic(op: str, a: M.TExpr, b: M.TExpr) -> M.TExpr:
    if isinstance(a, M.Const):
        if op == "&&":
            return b if a.value else M.Const(BOOL, False)
        if op == "||":
            return M.Const(BOOL, True) if a.value else b
        return b if a.value else M.Const(BOOL, True)
    if isinstance(b, M.Const) and op != "->":
        if op == "&&":
            return a if b.value else M.Binary(BOOL, op, a, b)
        return a if not b.value else M.Binary(BOOL, op, a, b)
    return M.Binary(BOOL, op, a, b)


_ARITH = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
    "/": lambda x, y: int(x / y), "%": lambda x, y: x - int(x / y) * y,
    "==": lambda x, y: x == y, "!=": lambda x, y: x != y, "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y, ">": lambda x, y: x > y, ">=": lambda x, y: x >= y,
}


def _fold(e: M.Binary) -> M.TExpr:
    """Compute operators on two constants at check time (C semantics for / and %)."""
    a, b = e.left, e.right
    if isinstance(a, M.Const) and isinstance(b, M.Const) and e.op in _ARITH:
        if e.op in ("/", "%") and b.value == 0:
            return e
        return M.Const(e.type, _ARITH[e.op](a.value, b.value))
    return e


