"""Other threads' control state as expressions: where a thread waits, and its locals.

Invariants, definitions and guards often need to ask which step another thread stands at,
or what its locals hold (a PlusCal `pc[t]`, a local `x[t]`). Without this, a spec copies
every thread's pc into a shared array by hand, which costs states and clarity. `t at w.cs`
and `t at w` compare t's pc with the pcs the layout gave the steps; `t.x` (or `t.w.x` when
several templates declare an `x`) reads a slot of t's block, which holds `x` only while t
runs template w, so anywhere else the read is an evaluation error rather than a
meaningless slot.
"""

from __future__ import annotations

from ..ir import model as M
from ..ir.control import AtStep, LocalOf
from ..ir.parameters import declared
from ..ir.typesys import BOOL, TidType, is_int, strip_optional
from ..lang import syntax as S
from ..lang import tla_syntax as T
from ..lang.errors import Pos, SpecError, suggest
from . import thread_params
from .coercion import Coercion
from .scope import Scope


class Control(Coercion):
    """`t at w.cs`, `t at w`, `t.x` and `t.w.x`."""

    def _e_AtStep(self, e: T.AtStep, sc: Scope, want: object) -> M.TExpr:
        if not sc.state:
            raise SpecError("'at' reads the state; a constant is needed here", e.pos)
        thread = self.expect_type(e.thread, sc, self.tid)
        tmpl = self._template_named(e.template, e.pos)
        if e.label is None:
            return AtStep(BOOL, thread, tmpl.name, None, tmpl.steps[0].pc, tmpl.steps[-1].pc)
        step = next((s for s in tmpl.steps if s.label == e.label), None)
        if step is None:
            raise SpecError(f"{tmpl.name} has no step '{e.label}'", e.pos,
                            suggest(e.label, [s.label for s in tmpl.steps]))
        return AtStep(BOOL, thread, tmpl.name, step.label, step.pc, step.pc)

    def _template_named(self, name: str, pos: Pos) -> M.Template:
        found = self.templates.get(name) or next(
            (h for h in self.handlers if h.name == name), None)
        if found is None:
            names = [*self.templates, *(h.name for h in self.handlers)]
            raise SpecError(f"no thread template or handler is called '{name}'", pos,
                            suggest(name, names))
        return found

    def local_or_base(self, e: S.FieldOf, sc: Scope) -> tuple[M.TExpr, bool]:
        """(`t.x` or `t.w.x`, True) when what stands before the dot is a thread id: a
        `LocalOf`, or a tuple of them for a tuple parameter; otherwise (the checked base,
        whose field `e` names, False)."""
        if isinstance(e.base, S.FieldOf) and e.base.name in self.templates:
            owner = self.expr(e.base.base, sc)
            if _is_thread(owner):
                return self._local(self.coerce(owner, self.tid, e.base.base.pos),
                                   [self.templates[e.base.name]], e, sc), True
        base = self.expr(e.base, sc)
        if not _is_thread(base):
            return base, False
        return self._local(self.coerce(base, self.tid, e.base.pos),
                           list(self.templates.values()), e, sc), True

    def _local(self, thread: M.TExpr, among: list[M.Template], e: S.FieldOf,
               sc: Scope) -> M.TExpr:
        if not sc.state:
            raise SpecError(f"'.{e.name}' reads a thread's local; a constant is needed here",
                            e.pos)
        owners = [(t, x) for t in among for x in declared(t) if x.name == e.name]
        if not owners:
            hint = f"{e.name}@t reads a thread-local" if \
                self.names.get(e.name, ("",))[0] == "tls" else suggest(
                    e.name, [x.name for t in among for x in declared(t)])
            where = among[0].name if len(among) == 1 else "any thread template"
            raise SpecError(f"{where} has no parameter or local '{e.name}'", e.pos, hint)
        if len(owners) > 1:
            names = [t.name for t, _ in owners]
            raise SpecError(f"'{e.name}' is a local of {', '.join(names)}; say whose: "
                            f"t.{names[0]}.{e.name}", e.pos)
        tmpl, loc = owners[0]
        return thread_params.read(loc, lambda t, name, slot: LocalOf(
            t, thread, tmpl.name, name, slot, tmpl.steps[0].pc, tmpl.steps[-1].pc, pos=e.pos))


def _is_thread(te: M.TExpr) -> bool:
    """A thread id, or an int constant (which has no fields, so `0.k` can only be this)."""
    if isinstance(te, M.Const) and is_int(te.type):
        return True
    return type(strip_optional(te.type)) is TidType  # a symmetric type's ids run no code
