"""The transition system of one (spec, variant): compiled step functions and metadata.

This is what search engines consume. It hides the model behind a few callables
over flat state tuples, which is also the seam for later engines (parallel
workers, vectorised successors): anything that can produce successors of a
tuple can replace `steps`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from inspect import isgeneratorfunction
from typing import Any

from . import codegen
from .codegen import BOUND, Codegen, EvalError, Failure, results
from .errors import SpecError
from .model import FREE_BIT, PC_EXITING, Model
from .symmetry import Canonicaliser
from .typesys import Type


@dataclass
class TransitionSystem:
    model: Model
    source: str
    # per thread id, the step at each pc compiled for that id: `thread_steps[me][pc](s)`
    thread_steps: list[dict[int, Callable[[tuple], Any]]]
    labelled_steps: dict[int, Callable[[tuple, int], Iterator[Any]]]
    init: Callable[[], Iterator[Any]]
    labelled_init: Callable[[], Iterator[Any]]
    invariants: list[tuple[str, Callable[[tuple], bool]]]
    bound_types: dict[int, Type] = field(default_factory=dict)
    # the canonical representative of a state's symmetry class; None: no reduction
    canon: Canonicaliser | None = None

    @cached_property
    def steps(self) -> dict[int, Callable[[tuple, int], Any]]:
        """The step at each pc for a thread id given as an argument, for callers off the
        hot path."""
        tables = self.thread_steps
        return {pc: _for_any_thread(tables, pc) for pc in (tables[0] if tables else {})}

    @property
    def pc_offsets(self) -> list[int]:
        m = self.model
        return [m.thread_base + i * m.thread_stride for i in range(m.pool)]

    def pc_counters(self) -> list[int]:
        """One zero per pc: what `Stats.fired` counts successors in."""
        return [0] * (max(self.steps, default=0) + 1)

    def initial_states(self) -> Iterator[tuple]:
        return (r for r in self.init() if type(r) is tuple)

    def successors(self, s: tuple) -> Iterator[tuple]:
        """Every successor state of s, in the order the search meets them (failures and
        pool exhaustion left out): what a fingerprint store replays to rebuild a path."""
        for off, table in zip(self.pc_offsets, self.thread_steps):
            if s[off] < PC_EXITING:
                continue
            try:
                yield from (r for r in results(table[s[off]](s)) if type(r) is tuple)
            except EvalError:
                continue  # the search met the same error and went no further in this step


def build(model: Model, symmetry: bool = True) -> TransitionSystem:
    """`symmetry=False` (--no-symmetry) ignores the spec's `symmetric` declarations."""
    gen = Codegen(model)
    source = gen.module()
    unused_thread = [0, None] + [0] * (model.thread_stride - 2)
    default = [v for var in model.vars for v in var.type.default()] + unused_thread * model.pool
    namespace: dict[str, Any] = {
        "EvalError": EvalError, "Failure": Failure, "BOUND": BOUND, "ONCE": (0,),
        "STEPS": [{} for _ in range(model.pool)], "LSTEPS": {}, "INVARIANTS": [],
        "DEFAULT": tuple(default),
        "CLEARED": [0] * (model.thread_stride - 2), "FREE_BIT": FREE_BIT,
        "results": results,
    }
    try:
        code = compile(codegen.RUNTIME + source, f"<mcheck {model.name}/{model.variant}>", "exec")
    except (SyntaxError, RecursionError, MemoryError) as e:
        # Only absurd nesting gets here: the generator emits valid Python otherwise.
        why = e.msg if isinstance(e, SyntaxError) else type(e).__name__
        raise SpecError(f"the spec is nested too deeply to compile ({why})") from None
    exec(code, namespace)
    invariants = [(inv.name, fn) for inv, fn in zip(model.invariants, namespace["INVARIANTS"])]
    tables = namespace["STEPS"]
    if model.symmetric:  # with or without --no-symmetry: both searches see one system
        tables = [{pc: _all_or_nothing(fn) if isgeneratorfunction(fn) else fn
                   for pc, fn in t.items()} for t in tables]
    canon = Canonicaliser(model) if symmetry and model.symmetric else None
    return TransitionSystem(model, source, tables, namespace["LSTEPS"],
                            namespace["INIT"], namespace["LINIT"], invariants, gen.bound_types,
                            canon)


def _for_any_thread(tables: list[dict[int, Callable[[tuple], Any]]],
                    pc: int) -> Callable[[tuple, int], Any]:
    return lambda s, me: results(tables[me][pc](s))


def _all_or_nothing(step: Callable[[tuple], Any]) -> Callable[[tuple], Any]:
    """A step that cannot be evaluated in one branch yields no successor in any branch
    (a straight step has one branch: it needs no wrapping).

    Otherwise which branches come before the failing one would depend on the
    order of ids, which a renaming changes: the reduced and the unreduced search
    would cut off different successors. (A failing step makes the search
    incomplete either way.)
    """
    return lambda s: list(step(s))


__all__ = ["TransitionSystem", "build", "PC_EXITING", "BOUND", "Failure", "EvalError"]
