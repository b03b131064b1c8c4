"""What one symbolic execution of the fixed-pool encoding carries, path by path.

A step is executed the way `codegen` runs it, on one `Path` at a time: the
conditions under which the path is taken and the slot values it has computed.
Where the explicit step would branch, the path forks; where it would end (a
successor, a failure, no thread id left), the path becomes an `Outcome` of the
`Run`. Expressions, statements and thread operations all read and extend these,
so they live apart from each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import z3

from ..ir import model as M
from .pool_folds import and_, not_
from .pool_slots import Value


@dataclass
class Path:
    conds: tuple[z3.BoolRef, ...]
    v: list[Any]
    env: dict[int, Value]
    fk: tuple[tuple[int, int], ...] = ()

    def fork(self, *extra: z3.BoolRef) -> Path:
        return Path(self.conds + tuple(c for c in extra if c is not True),
                    list(self.v), dict(self.env), self.fk)

    @property
    def guard(self) -> z3.BoolRef:
        return and_(*self.conds)


@dataclass
class Outcome:
    kind: str                 # "next", "fail", "bound"
    guard: z3.BoolRef
    v: list[Any] | None = None
    prop: str = ""


@dataclass
class Ctx:
    me: int | None
    tb: int | None
    terminal: str = "step"     # "step", "init", "dtor"
    next_pc: int = M.PC_DONE
    handler: int | None = None


@dataclass
class Run:
    """The outcomes of one symbolic execution (a step, an entry, a destructor, init)."""

    outcomes: list[Outcome] = field(default_factory=list)

    def error(self, p: Path, err: z3.BoolRef, prop: str = "runtime") -> bool:
        """A failure where err holds; the path goes on where it does not. False: path is dead.
        An expression's error violates `runtime`; a stored value out of range `bounds`."""
        if err is False:
            return True
        self.outcomes.append(Outcome("fail", and_(p.guard, err), prop=prop))
        if err is True:
            return False
        p.conds = p.conds + (not_(err),)
        return True
