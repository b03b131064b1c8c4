"""The walk over every step, handler step and destructor that hands each access to an atomic
variable, each fence and each end of a thread to the memory model's lowering.

A statement's loads happen before the statement, once per variable (the lowering may need
statements to pick the value read, e.g. a `choose` of a message), whichever branch of an
`if` or short-circuit the statement then takes.
"""

from __future__ import annotations

from dataclasses import replace

from ..lang import syntax as S
from ..lang.errors import Pos, SpecError
from .memory_base import STRENGTH, Lowering, Read, StepInfo, all_stmts, load_of, map_expr, order_of


class Rewriter:
    """Rewrites the bodies of one spec for one lowering."""

    def __init__(self, lowering: Lowering, atomics: dict[str, S.VarDecl], spec: S.Spec) -> None:
        self.lw = lowering
        self.atomics = atomics
        self.impure_defs = {d.name for d in spec.defs if self._def_reads(d)}
        for d in spec.defs:
            if d.name == "load":
                raise SpecError("under a memory model 'load' is the atomic load; rename this "
                                "def", d.pos)

    def template(self, t: S.ThreadDecl) -> S.ThreadDecl:
        for name, pos in [(p.name, p.pos) for p in t.params] + [(x.name, x.pos) for x in t.locals]:
            self._not_atomic(name, pos)
        return self.lw.template(replace(t, steps=tuple(self._step(s, True) for s in t.steps)))

    def handler(self, h: S.HandlerDecl) -> S.HandlerDecl:
        return replace(h, steps=tuple(self._step(s, False, k == 0) for k, s in enumerate(h.steps)))

    def destructor(self, body: tuple[S.Stmt, ...], pos: Pos) -> tuple[S.Stmt, ...]:
        info = StepInfo(None, self._rmw(body), False)
        return self.lw.step(self.block(body, info), info, pos)

    def _step(self, st: S.StepDecl, in_thread: bool, entry: bool = False) -> S.StepDecl:
        info = StepInfo(st.label, self._rmw(st.body), in_thread, entry)
        return replace(st, body=self.lw.step(self.block(st.body, info), info, st.pos))

    # ------------------------------------------------------------- statements

    def block(self, stmts: tuple[S.Stmt, ...], info: StepInfo) -> tuple[S.Stmt, ...]:
        out: list[S.Stmt] = []
        for s in stmts:
            if _ends_thread(s):
                out.extend(self.lw.end(s, info))
                continue
            done = self._stmt(s, info)
            if isinstance(s, (S.Spawn, S.Fork)):  # after its arguments' loads
                done[-1:] = self.lw.start(done[-1], info)
            out.extend(done)
        return tuple(out)

    def _stmt(self, s: S.Stmt, info: StepInfo) -> list[S.Stmt]:
        if isinstance(s, S.Fence):
            return self.lw.fence(s.pos)
        for name in _binds(s):
            self._not_atomic(name, s.pos)
        prefix: list[S.Stmt] = []
        shown: dict[str, S.Expr] = {}
        for var, order in self._reads(_exprs(s)).items():
            pre, expr = self.lw.read(var, order, info, s.pos)
            prefix += pre
            shown[var] = expr

        def ex(e: S.Expr) -> S.Expr:
            return map_expr(e, lambda x: shown[r[0]] if (r := load_of(x, self.atomics)) else None)

        return prefix + self._rebuild(s, ex, info)

    def _rebuild(self, s: S.Stmt, ex, info: StepInfo) -> list[S.Stmt]:  # type: ignore[no-untyped-def]
        write = _written(s, self.atomics)
        if write is not None:
            var, value, order = write
            return self.lw.write(var, ex(value), order, info, s.pos)
        if isinstance(s, S.If):
            return [S.If(s.pos, tuple((ex(c), self.block(b, info)) for c, b in s.branches),
                         self.block(s.otherwise, info))]
        if isinstance(s, S.Either):
            return [S.Either(s.pos, tuple(self.block(b, info) for b in s.blocks), s.names)]
        if isinstance(s, S.Choose):
            return [S.Choose(s.pos, s.var, ex(s.domain), None if s.where is None else ex(s.where),
                             self.block(s.body, info))]
        changes = {k: ex(v) for k, v in vars(s).items() if isinstance(v, S.Expr)}
        if isinstance(s, S.Spawn):
            changes["args"] = tuple(ex(a) for a in s.args)  # type: ignore[assignment]
        return [replace(s, **changes)]

    # ---------------------------------------------------------------- reading

    def _reads(self, exprs: list[S.Expr]) -> dict[str, str | None]:
        """The atomic variables the expressions load, each with its strongest order."""
        found: dict[str, str | None] = {}

        def visit(e: S.Expr) -> S.Expr | None:
            if isinstance(e, S.Call) and e.func in self.impure_defs:
                raise SpecError(f"'{e.func}' reads an atomic variable, so a step cannot call it "
                                "under a memory model (only invariants may)", e.pos)
            if isinstance(e, S.Binder):
                self._not_atomic(e.var, e.pos)
            got: Read | None = load_of(e, self.atomics)
            if got is None:
                return None
            var, order = got
            if var not in found or STRENGTH[order] > STRENGTH[found[var]]:
                found[var] = order
            return e

        for e in exprs:
            map_expr(e, visit)
        return found

    def _rmw(self, body: tuple[S.Stmt, ...]) -> frozenset[str]:
        """The variables a step stores to after loading them (in the stored value, an `if`
        around the store, or earlier): a load then a store of x in one atomic step is a
        read-modify-write. A load after the step's own store is not."""
        reads: set[str] = set()
        rmw: set[str] = set()
        for s in all_stmts(body):  # in program order
            reads |= set(self._reads(_exprs(s)))
            w = _written(s, self.atomics)
            if w is not None and w[0] in reads:
                rmw.add(w[0])
        return frozenset(rmw)

    def _def_reads(self, d: S.DefDecl) -> bool:
        params = {p.name for p in d.params}
        hits: list[bool] = []
        map_expr(d.body, lambda e: hits.append(True) if isinstance(e, S.Name) and
                 e.id in self.atomics and e.id not in params else None)
        return bool(hits)

    def _not_atomic(self, name: str, pos: Pos) -> None:
        if name in self.atomics:
            raise SpecError(f"'{name}' hides the atomic variable of that name", pos)


def _written(s: S.Stmt, atomics: dict[str, S.VarDecl]) -> tuple[str, S.Expr, str | None] | None:
    """(variable, value, order) when `s` stores to an atomic variable."""
    if isinstance(s, S.Store):
        if not isinstance(s.target, S.Name) or s.target.id not in atomics:
            raise SpecError("store takes an atomic variable: store(x, value, release)", s.pos)
        return s.target.id, s.value, order_of(s.order, ("relaxed", "release", "seq_cst"))
    if isinstance(s, S.Assign):
        root = s.target
        while isinstance(root, (S.Index, S.FieldOf)):
            root = root.base
        if isinstance(root, S.Name) and root.id in atomics:
            if root is not s.target:
                raise SpecError("an atomic variable is assigned as a whole", s.target.pos)
            return root.id, s.value, None
    return None


def _exprs(s: S.Stmt) -> list[S.Expr]:
    """The expressions a statement evaluates itself (not those of its nested blocks)."""
    if isinstance(s, S.If):
        return [c for c, _ in s.branches]
    if isinstance(s, S.Spawn):
        return [*s.args, *([s.target] if s.target is not None else [])]
    if isinstance(s, (S.Assign, S.Store)) and isinstance(s.target, S.Name):
        return [s.value]  # the target is written, not read
    return [v for v in vars(s).values() if isinstance(v, S.Expr)]


def _binds(s: S.Stmt) -> list[str]:
    if isinstance(s, S.Let):
        return [s.name]
    if isinstance(s, S.Choose):
        return [s.var]
    if isinstance(s, (S.Spawn, S.Fork)) and s.bind is not None:
        return [s.bind]
    return []


def _ends_thread(s: S.Stmt) -> bool:
    return isinstance(s, S.Exit) or isinstance(s, S.Free) and isinstance(s.thread, S.SelfRef)
