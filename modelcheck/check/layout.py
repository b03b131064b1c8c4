"""Where every value lives in the flat state tuple.

A state is one tuple of slots: the shared variables first, then one block per thread id
holding its pc, its parent, the runtime slots of the features the spec uses (destructors,
signal handlers), its thread-locals, and its parameters and locals (ARCHITECTURE.md, "A
state is a flat tuple"). The back ends, the engine and the reports all read states through
this layout (`model.ThreadLayout`, the slots in `Var` and `Local`), so it is decided once,
here, before any statement is checked; each step's pc is given out here too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from ..ir import model as M
from ..ir.parameters import SplitTemplate
from ..ir.typesys import Type, strip_optional
from ..lang import syntax as S
from ..lang.errors import Pos, SpecError
from . import thread_params
from .resolution import Resolution


class Layout(Resolution):
    """The slots of the shared variables and of a thread's block, and the pcs of the steps."""

    def global_slots(self) -> tuple[list[Type], int]:
        """Declare the shared variables at their slots; their types, and where threads start."""
        offset = 0
        var_types: list[Type] = []
        for v in self.spec.vars:
            t = self.type(v.type)
            self.declare(v.name, "var", (t, offset), v.pos)
            var_types.append(t)
            offset += t.width()
        return var_types, offset

    def thread_layout(self, options: dict[str, Any]) -> M.ThreadLayout:
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

    def place_steps(self) -> None:
        """Give every step of the threads, then of the handlers, its pc; size a thread's block
        for the template with the most parameters and locals; number the destructors."""
        pcs = itertools.count(M.FIRST_PC)
        for t in self.spec.templates:
            self.templates[t.name] = self._template_shell(t, pcs)
        self.handlers = self._handlers(pcs)
        self.layout.stride = self.layout.locals_start + max(
            [len(t.params) + len(t.locals) for t in self.templates.values()] or [0])
        self.dtor_index = {name: k for k, (name, _, _) in enumerate(self.spec.destructors)}

    def _handlers(self, pcs: Iterator[int]) -> list[M.Template]:
        out = []
        for k, h in enumerate(self.spec.handlers):
            shell = self._template_shell(S.ThreadDecl(h.name, (), (), h.steps, h.pos), pcs)
            shell.kind, shell.index = "handler", k
            out.append(shell)
        return out

    def _template_shell(self, d: S.ThreadDecl, pcs: Iterator[int]) -> M.Template:
        slot = self.layout.locals_start
        params, declared = [], []
        seen: dict[str, Pos] = {}
        for p in d.params:
            if p.name in seen:
                raise SpecError(f"'{p.name}' is already declared at {seen[p.name]}", p.pos)
            seen[p.name] = p.pos
            t = self.type(p.type)
            declared.append(M.Local(p.name, t, slot, None, p.pos))
            params += thread_params.split(p.name, t, slot, p.pos)
            slot = self.layout.locals_start + len(params)
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
        if len(declared) != len(params):
            return SplitTemplate(d.name, params, locals_, steps, d.pos, declared_params=declared)
        return M.Template(d.name, params, locals_, steps, d.pos)
