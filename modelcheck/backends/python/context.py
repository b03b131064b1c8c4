"""What the parts of the code generator share while they write one module.

The expression compiler, the statement emitter and the module assembly are separate
parts, but they write into the same generated functions: a temporary one part makes
must not collide with another's, and `TransitionSystem.bound_types` needs the type of
every bound variable any of them names (traces decode choices with it). `Names` is that
shared naming; `Ctx` is what generated code can see at the point being emitted.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...ir import model as M
from ...ir.typesys import Type


@dataclass
class Ctx:
    """What generated code can see at the point being emitted."""

    loops: int = 0
    labelled: bool = False
    tb: str = "tb"   # Python name of the running thread's base offset
    me: str = "me"
    terminal: str = "step"  # "step": next pc; "init": plain yield; "dtor": after a destructor
    next_pc: int = M.PC_DONE
    handler: int | None = None  # the signal handler whose step this is
    forks: bool = False         # the step forks: track children in `_fk`
    straight: bool = False      # no either/choose: return the one result, not a generator

    @property
    def params(self) -> str:
        """A hot step is compiled once per thread id, with the id and the block's offset as
        constants; the labelled twin takes the id as an argument."""
        return "s, me" if self.me == "me" else "s"

    def end_path(self) -> str:
        return "continue" if self.loops else "return"

    def give(self, result: str, state: bool = False) -> str:
        """Hand one result back. A labelled step yields it with the choices taken. A straight
        step returns a successor state itself and any other result in a list (see
        `results`): the search takes the common case, one state, without creating a
        generator or a container."""
        if self.labelled:
            return f"yield ({result}, _ch)"
        if not self.straight:
            return f"yield {result}"
        return f"return {result}" if state else f"return [{result}]"


class Names:
    """Fresh temporaries and the Python names of bound variables, for one generated module."""

    def __init__(self) -> None:
        self.tmp = 0
        self.bound_types: dict[int, Type] = {}

    def fresh(self, base: str) -> str:
        self.tmp += 1
        return f"{base}{self.tmp}"

    def bind(self, var: M.Bound) -> str:
        """The Python local of a let, choose, quantifier or spawn/fork variable; its type
        is kept for decoding the choices of a trace."""
        self.bound_types[var.uid] = var.type
        return f"_b{var.uid}"
