"""The back-end interface: what a search, a trace replay and a lint ask of a compiled model.

A back end turns the checked model of one (spec, variant) into functions over flat
state tuples (`ir.model.ThreadLayout` says what sits where). Everything after it —
the exact and level searches, counterexample replay, lints, the state graph — goes
through this interface and nothing else, so a second back end fills it and the rest
of the pipeline does not change.

`expand` is the one definition of "the successors of a state": every consumer that
needs them calls it, so the order of successors, what a failing step produces and
how symmetry applies cannot drift between consumers. Its order is canonical: threads
by id; within a thread, the results in the order its step yields them (`either`
branches in order, `choose` values in their domain's order, then signal-handler
entries, destructors by number). Searches that must agree on traces rely on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ..ir.model import Model
from ..ir.typesys import Type
from .runtime import EvalError, Failure


@dataclass(frozen=True)
class Happening:
    """A result of `expand` that is not a successor state."""

    position: int  # its index in what `expand` returned (`expand_keyed`: its key)
    thread: int
    pc: int
    what: Failure | EvalError | object  # object: runtime.BOUND


class Canon(Protocol):
    """A state's representative under symmetry reduction, and how many states it stands for."""

    tid: int | None
    creates_threads: bool

    def __call__(self, state: tuple) -> tuple: ...
    def orbit_size(self, state: tuple) -> int: ...


class TransitionSystem(Protocol):
    model: Model
    # the invariants by name, each a predicate on states that may raise EvalError
    invariants: list[tuple[str, Callable[[tuple], bool]]]
    # the type of every `choose`/`let`/quantifier variable by uid (to show choices)
    bound_types: dict[int, Type]
    # the stored form of a state under symmetry; None: states are stored as they are
    canon: Canon | None
    # per liveness instance of `model.temporal`, its state predicates (P, or P and Q)
    predicates: list[tuple[Callable[[tuple], bool], ...]]
    # by place in `model.temporal.fairness`, the `where` of an action's fairness: the
    # state the step starts from, then the values of the action's `reads` (EvalError)
    fair_conditions: dict[int, Callable[..., bool]]
    # the spec's `constraint` (TLC's CONSTRAINT), raising EvalError where it cannot be
    # evaluated; `expand` gives a state where it is false (or fails) no successor, and that
    # empty result is not None, so it is no deadlock. None: the spec has no constraint
    within: Callable[[tuple], bool] | None

    def init(self) -> Iterator[Any]:
        """The initial states, in order; also Failures and BOUND met while building them."""
        ...

    def labelled_init(self) -> Iterator[tuple[Any, tuple]]:
        """`init`, each result with the choices that built it."""
        ...

    def expand(self, s: tuple, fired: list[int]) -> list[Any]:
        """What the steps of s produce, in order: its successors in their stored form
        (tuples), and a `Happening` for everything else. Adds one to fired[pc] for each
        successor made by a thread at pc, so the transitions are `sum(fired)`."""
        ...

    def expand_new(self, s: tuple, fired: list[int], index: dict[tuple, int], n: int,
                   other: list[Happening]) -> list[tuple] | None:
        """`expand` for the exact search: each successor is entered in `index` (state ->
        number); the new ones are returned, numbered n, n + 1, ... in order, and the
        happenings appended to `other` (their positions are not counted: 0). None when s
        produces nothing at all."""
        ...

    def expand_keyed(self, s: tuple, fired: list[int], seen: dict[tuple, int], key: int,
                     other: list[Happening]) -> bool | None:
        """`expand` for the level search: each result's key is `key` + its position in
        `expand`'s list; each successor enters `seen` with its key unless already there,
        the happenings are appended to `other` with theirs. None when s produces nothing
        at all."""
        ...

    def successors(self, s: tuple) -> Iterator[tuple]:
        """The successor states of s as they are (not in stored form), in `expand`'s order."""
        ...

    def step(self, s: tuple, me: int) -> Iterable[Any]:
        """The results of thread me's step at s as `expand` sees them: states (as they are),
        Failures and BOUND; raises EvalError where the step cannot be evaluated."""
        ...

    def labelled_step(self, s: tuple, me: int) -> Iterator[tuple[Any, tuple]]:
        """Every result of thread me's step at s, with the choices that made it."""
        ...

    @property
    def pc_offsets(self) -> list[int]:
        """The slot of each thread id's pc."""
        ...

    def pc_counters(self) -> list[int]:
        """One zero per pc: what `expand` counts successors in."""
        ...
