"""What symmetry reduction saved: the unreduced state count, from orbit sizes.

The canonical form itself is the back end's (`backends.python.canon`); this stage
only counts, after the search, how many states the stored classes stand for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .store import StoredStates


class Orbits(Protocol):
    """The part of a canonicaliser the count needs."""

    tid: int | None
    creates_threads: bool

    def __call__(self, state: tuple) -> tuple: ...
    def orbit_size(self, state: tuple) -> int: ...


@dataclass(frozen=True)
class Reduction:
    """What symmetry saved, counted from orbit sizes instead of a second search."""

    states: int    # canonical states stored
    without: int   # states in their classes: what the unreduced search stores, or a bound
    exact: bool    # the initial states are closed under renaming, so `without` is exact


def reduction(canon: Orbits, stored: StoredStates, initial: list[tuple]) -> Reduction:
    """Sum of class sizes over the stored states.

    The reduced states are the classes of the reachable states, so their sizes
    add up to the number of states in the union of those classes. That union is
    the reachable set when every renaming of a reachable state is reachable,
    which holds when the initial states are closed under renaming (their
    classes hold no more states than there are initial states) and the ids that
    may be renamed never grow. A spawned thread's id joins the renamed ones
    after it was created in one particular place, so with symmetric thread ids
    and `spawn` or `fork` the sum only bounds the unreduced count from above.
    """
    first = {canon(s) for s in initial}
    exact = sum(canon.orbit_size(s) for s in first) == len(set(initial)) \
        and not (canon.tid is not None and canon.creates_threads)
    return Reduction(len(stored), sum(canon.orbit_size(s) for s in stored), exact)
