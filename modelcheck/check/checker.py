"""AST to checked model: the type checker's parts, run in order for one variant.

The checker is one pass over the declarations with lazy resolution of constants, type
aliases and definitions, so declarations may appear in any order. The variant being
checked is a constant here, so `if variant == x` branches are folded away before any code
is generated. Its parts are mixins over the shared `tables.Tables`, one job each:

- `scope`: where an expression is checked (`Scope`)
- `symmetry`: symmetric types, and the refusal of what would tell their ids apart
- `coercion`: an expression fitted to the type its context wants
- `resolution`: constants, types and definitions resolved on first use
- `names`, `operators`, `expressions`: every kind of expression
- `statements`: step bodies, destructors and start lines
- `layout`: the slots of the state tuple and the pcs of the steps
- `declarations`: declaring names; the pool, options, initial values, invariants, expects
- `variants`: the spec as the checked variant sees it (`when variant in {...}`)
- `temporal`: liveness properties (one instance per value of their binder) and fairness

`_Checker.run` below is the order in which they run; it is the only place that knows it.
"""

from __future__ import annotations

from ..ir import model as M
from ..lang import syntax as S
from ..lang.errors import NOWHERE
from .declarations import BOUNDS, DEADLOCK, RUNTIME, Declarations
from .layout import Layout
from .memory import apply_memory_model
from .statements import Statements
from .temporal import TemporalChecks
from .variants import for_variant


def check(spec: S.Spec, variant: str | None = None,
          overrides: dict[str, str] | None = None, deadlock: bool = True) -> M.Model:
    """Check a parsed spec for one variant; `overrides` are the -D NAME=VALUE pairs and
    `deadlock=False` is --no-deadlock (as if the spec said `option deadlock = false;`)."""
    spec = apply_memory_model(spec, variant, overrides)
    return _Checker(spec, variant, overrides or {}, deadlock).run()


class _Checker(Declarations, Layout, Statements, TemporalChecks):
    """All the parts together, and the order in which a spec goes through them."""

    def run(self) -> M.Model:
        self.spec = spec = for_variant(self.spec, self.variant)
        self.declare_all()
        self.declare_pool()
        var_types, thread_base = self.global_slots()
        options = self.read_options()
        self.layout = self.thread_layout(options)
        self.place_steps()
        variables = self.variables(var_types)
        self.bodies()
        thread_locals = self.thread_locals()
        destructors = self.destructors()
        starts = self.starts()
        invariants = self.invariants()
        initial = self.initial_conditions(variables)
        constraints = self.constraints()
        temporal = self.temporal(options)
        for name in self.def_decls:
            self.defn(name)
        check_deadlock = self.deadlock_flag and options.get("deadlock", True)
        if check_deadlock:
            self.add_property(DEADLOCK, "deadlock", NOWHERE,
                              "some thread is unfinished but no step can run")
        self.add_property(BOUNDS, "bounds", NOWHERE,
                          "values stored stay in their declared ranges")
        self.add_property(RUNTIME, "runtime", NOWHERE,
                          "every expression can be evaluated: no division by zero, index out of "
                          "range or none used as a value")
        expected = self.expects()
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
            pool=self.pool, thread_base=thread_base, thread_stride=self.layout.stride,
            invariants=invariants, properties=sorted(
                self.properties.values(), key=lambda p: (p.pos == NOWHERE, p.pos.line, p.pos.col)),
            expected_violations=expected, check_deadlock=check_deadlock,
            steps_by_pc=steps_by_pc, layout=self.layout, thread_locals=thread_locals,
            destructors=destructors, handlers=self.handlers, symmetric=self.symmetric_sorts(),
            initial_conditions=initial, constraints=constraints, temporal=temporal)
