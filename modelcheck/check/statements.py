"""Statements: the bodies of steps, destructors and the start lines.

Statements are checked where they stand: inside a thread's step (where `goto` finds the
thread's labels and `exit` ends the thread), a signal handler's step, a destructor, or a
start line building the initial state; each place allows a different set of them. This
part also folds what the variant makes constant (an `if` whose condition is known picks
its branch here, an `await true` vanishes), so that the back ends only see the statements
of the variant checked. The steps are checked after every thread and handler is placed,
because a step may spawn any thread and install any handler.
"""

from __future__ import annotations

from ..ir import model as M
from ..ir.initial import with_choices
from ..ir.parameters import parameters
from ..ir.typesys import BOOL, EmptySetType, NoneType, OptionalType, strip_optional
from ..lang import syntax as S
from ..lang import tla_syntax as T
from ..lang.errors import NOWHERE, Pos, SpecError, suggest
from . import thread_params
from .loops import Loops
from .patterns import bind
from .scope import CONST_SCOPE, Scope
from .sequences import stored
from .syntax_walk import nodes


class Statements(Loops):
    """Blocks of statements, checked in the scope of the thread, handler or destructor."""

    def bodies(self) -> None:
        """The steps of every thread, then of every signal handler."""
        for name, d in self.template_decls.items():
            self._template_body(d, self.templates[name])
        for h, hd in zip(self.handlers, self.spec.handlers):
            scope = Scope(template=h, in_step=True)
            for step, decl in zip(h.steps, hd.steps):
                step.body = self.block(decl.body, scope)

    def _template_body(self, d: S.ThreadDecl, t: M.Template) -> None:
        scope = Scope(template=t, in_step=True)
        for loc, decl in zip(t.locals, d.locals):
            if decl.choice:
                loc.init = self.bound(loc.name, loc.type)
                allowed = None if decl.init is None else \
                    self.initial_choices(loc.name, decl.init, loc.type)  # type: ignore[attr-defined]
                loc.choices = M.Domain(loc.type, allowed)
            else:
                assert decl.init is not None
                loc.init = self.expect_type(decl.init, scope, loc.type)
        for step, decl in zip(t.steps, d.steps):
            step.body = self.block(decl.body, scope)

    def destructors(self) -> list[M.Destructor]:
        return [M.Destructor(name, k, self.block(body, Scope(in_step=True)), pos)
                for k, (name, body, pos) in enumerate(self.spec.destructors)]

    def starts(self) -> list[M.Spawn]:
        """The start lines: spawns without a parent, in the initial state."""
        spec = self.spec
        self.initial = True  # start lines build the initial state: they may name ids
        starts = [self._spawn_call(name, args, pos, scope, None, parent=False)
                  for name, args, pos, scope in self.start_lines()]
        self.initial = False
        if not starts:
            raise SpecError("the spec starts no thread; add a line like 'start main();'")
        if len(starts) > self.pool:
            raise SpecError(f"{len(starts)} threads start but the pool has {self.pool} ids",
                            spec.threads[0][1] if spec.threads else NOWHERE)
        return starts

    def start_lines(self) -> list[tuple[str, tuple[S.Expr, ...], Pos, Scope]]:
        """The start lines, `start t(k) for k in D;` once for each value of D (a constant
        domain, so `-D N=...` sets the number of threads): each with the scope its
        arguments are checked in."""
        out = []
        for name, args, pos, loop in self.spec.starts:
            if loop is None:
                out.append((name, args, pos, CONST_SCOPE))
                continue
            var, domain = loop
            self._known_before_the_search(var, domain)
            for value in self.constant_values(domain):
                out.append((name, args, pos, CONST_SCOPE.push(var, value)))
        return out

    def _known_before_the_search(self, var: str, domain: S.Expr) -> None:
        """The pool is sized from the start lines before any variable is declared, so a
        domain reading the state would otherwise be an 'unknown name'."""
        state = {v.name for v in self.spec.vars}
        for n in nodes(domain):
            if isinstance(n, S.Name) and n.id in state:
                what = f"'{n.id}' is a variable"
            elif isinstance(n, S.Call) and n.func in self.def_decls:
                what = f"{n.func}() is a definition, which may read the state"
            else:
                continue
            raise SpecError(f"start ... for {var} in ...: {what}, but the threads a spec starts "
                            "must be known before the search (a type, a range of constants or a "
                            "constant set); start one for every value that may be in it and let "
                            "the others wait or exit", n.pos)

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
            value = stored(self.expect_type(s.value, sc, target.type))
            return [M.Assign(s.pos, target, value)]
        if isinstance(s, S.Spawn):
            spawn = self._spawn_call(s.template, s.args, s.pos, sc, s.target)
            if s.bind is not None:
                spawn = M.Spawn(s.pos, self.bound(s.bind, self.tid), s.template, spawn.args)
            return [with_choices(spawn, self.templates[s.template],
                                 lambda loc: self.bound(loc.name, loc.type))]
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
        if isinstance(s, T.For):
            return self.unrolled(s, sc)
        if isinstance(s, S.Choose):
            dom = self.domain(s.domain, sc)
            var = self.bound(s.var, dom.type)
            inner = bind(sc, s.var, self.member_binding(dom, var), s.pos)
            where = self.expect_type(s.where, inner, BOOL) if s.where is not None else None
            guard = self.domain_guard(s.domain, var, sc) or self.member_guard(dom, var)
            if guard is not None:
                where = guard if where is None else M.Binary(BOOL, "&&", guard, where)
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
        params = parameters(t)
        if len(args) != len(params):
            raise SpecError(f"thread '{name}' takes {len(params)} argument(s), "
                            f"{len(args)} given", pos)
        targs = tuple(x for a, p in zip(args, params)
                      for x in thread_params.arguments(self.expect_type(a, sc, p.type), p.type,
                                                       a.pos))
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
