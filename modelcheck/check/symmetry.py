"""Symmetry declarations, and the one rule that keeps them sound.

`symmetric tid;` and `symmetric type T = 0..N;` let the search keep one state for all the
states equal up to renaming ids. That is sound only if no step or property tells one id
from another. Such a thing can be written in several places (an id as a literal, an
ordering of ids, an array listed element by element); each of them asks `singles_out`
here, so the rule, its exception for initial values and its message are written once.
"""

from __future__ import annotations

from ..ir.typesys import ScalarsetType, Type, strip_optional
from ..lang.errors import Pos, SpecError
from .tables import Tables


class Symmetry(Tables):
    """Which types are symmetric, and the refusal of what would break their symmetry."""

    def symmetric_decls(self) -> None:
        types = {(name, pos) for name, _, pos in self.spec.types}
        for name, pos in self.spec.symmetric:
            if (name, pos) in types:
                self.symmetric_types[name] = pos
                continue
            if name != "tid":
                raise SpecError(f"'symmetric {name};' names no symmetric type: write "
                                "'symmetric tid;' for threads or 'symmetric type Name = 0..N;'",
                                pos)
            if self.symmetric_tid:
                raise SpecError("'symmetric tid;' is declared twice", pos)
            self.symmetric_tid = True

    def is_symmetric(self, t: Type) -> bool:
        t = strip_optional(t)
        return isinstance(t, ScalarsetType) or (self.symmetric_tid and t == self.tid)

    def singles_out(self, t: Type, pos: Pos, what: str) -> None:
        """Refuse what would tell one id of a symmetric type from the others.

        A symmetric declaration lets the search keep one state per class of states
        equal up to renaming the ids; a step or property that names a particular
        id would make that merge claim "holds" for states it never looked at.
        Initial values and start lines may name ids: they only pick where the
        search starts, and every transition from there is still symmetric.
        """
        if self.initial or not self.is_symmetric(t):
            return
        ids = strip_optional(t)
        declared = f"'symmetric type {ids}'" if isinstance(ids, ScalarsetType) \
            else "'symmetric tid;'"
        raise SpecError(f"{what} singles out one {ids}, but {declared} declares "
                        "them interchangeable (only initial values and start lines may name "
                        "one)", pos)
