"""Where an expression is checked, and so what it may refer to.

The same expression means different things in different places: a constant's value may
not read the state, `self` exists only inside a thread's steps, a thread's locals only in
its own template, and bound variables (of `let`, quantifiers, `choose`) only below their
binder. Every check of an expression carries a `Scope` saying which of these hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import model as M


@dataclass
class Scope:
    """Where an expression is checked: what it may refer to."""

    state: bool = True          # may read variables
    template: M.Template | None = None
    in_step: bool = False       # `self` is available
    # bound names: a variable, or a value fixed while checking (`start t(k) for k in D`)
    bound: list[dict[str, M.TExpr]] = field(default_factory=list)

    def push(self, name: str, var: M.TExpr) -> Scope:
        return Scope(self.state, self.template, self.in_step, [*self.bound, {name: var}])


CONST_SCOPE = Scope(state=False)
