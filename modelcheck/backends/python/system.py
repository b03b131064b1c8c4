"""The Python back end's transition system: the checked model as compiled Python functions.

`codegen` writes one Python function per step per thread id; this module compiles
that source once and wraps the functions in the back-end interface
(`backends.base.TransitionSystem`); `expand.py` writes the loop over a state's
threads that every search and the state graph call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from inspect import isgeneratorfunction
from typing import Any

from ...ir.model import FREE_BIT, PC_EXITING, Model
from ...ir.typesys import Type
from ...lang.errors import NOWHERE, Pos, SpecError
from ..runtime import BOUND, EvalError, Failure, results
from .canon import Canonicaliser
from .codegen import Codegen
from .expand import Expanders
from .helpers import RUNTIME


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
    # per liveness instance (`model.temporal`), its predicates P (and Q) on states
    predicates: list[tuple[Callable[[tuple], bool], ...]] = field(default_factory=list)
    # the spec's `constraint`s as one predicate (may raise EvalError); None: none declared
    within: Callable[[tuple], bool] | None = None
    # by place in `model.temporal.fairness`, an action's `where` (state, then the choices)
    fair_conditions: dict[int, Callable[..., bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        m = self.model
        self._threads = [(me, m.thread_base + me * m.thread_stride, table)
                         for me, table in enumerate(self.thread_steps)]
        fns = Expanders(m, self.thread_steps, self.canon, self.within)
        self.expand, self.expand_new, self.expand_keyed = \
            fns.expand, fns.expand_new, fns.expand_keyed

    @property
    def pc_offsets(self) -> list[int]:
        return [off for _, off, _ in self._threads]

    def pc_counters(self) -> list[int]:
        return [0] * (max(self.labelled_steps, default=0) + 1)

    def initial_states(self) -> Iterator[tuple]:
        return (r for r in self.init() if type(r) is tuple)

    def successors(self, s: tuple) -> Iterator[tuple]:
        for _, off, table in self._threads:
            if s[off] < PC_EXITING:
                continue
            try:
                yield from (r for r in results(table[s[off]](s)) if type(r) is tuple)
            except EvalError:
                continue  # the search met the same error and went no further in this step

    def step(self, s: tuple, me: int) -> Iterable[Any]:
        return results(self.thread_steps[me][s[self._threads[me][1]]](s))

    def labelled_step(self, s: tuple, me: int) -> Iterator[tuple[Any, tuple]]:
        return self.labelled_steps[s[self._threads[me][1]]](s, me)


def build(model: Model, symmetry: bool = True) -> TransitionSystem:
    """`symmetry=False` (--no-symmetry) ignores the spec's `symmetric` declarations."""
    gen = Codegen(model)
    source = gen.module()
    unused_thread = [0, None] + [0] * (model.thread_stride - 2)
    default = [v for var in model.vars for v in var.type.default()] + unused_thread * model.pool
    namespace: dict[str, Any] = {
        "EvalError": EvalError, "Failure": Failure, "BOUND": BOUND, "ONCE": (0,),
        "STEPS": [{} for _ in range(model.pool)], "LSTEPS": {}, "INVARIANTS": [], "LIVE": [],
        "FAIR": {},
        "WITHIN": [None],
        "DEFAULT": tuple(default),
        "CLEARED": [0] * (model.thread_stride - 2), "FREE_BIT": FREE_BIT,
        "results": results,
    }
    try:
        code = compile(RUNTIME + source, f"<mcheck {model.name}/{model.variant}>", "exec")
    except (SyntaxError, RecursionError, MemoryError) as e:
        # Only absurd nesting gets here: the generator emits valid Python otherwise.
        if not isinstance(e, SyntaxError):
            raise SpecError(f"the spec is nested too deeply to compile ({type(e).__name__} "
                            "in Python's compiler)") from None
        what, pos = _function_at(model, source, (e.lineno or 0) - RUNTIME.count("\n"))
        why = _LIMITS.get(e.msg or "", e.msg)
        raise SpecError(f"{what} is nested too deeply to compile: {why}", pos,
                        "split it: a def, a let or a step of its own for a part") from None
    exec(code, namespace)
    invariants = [(inv.name, fn) for inv, fn in zip(model.invariants, namespace["INVARIANTS"])]
    tables = namespace["STEPS"]
    if model.symmetric:  # with or without --no-symmetry: both searches see one system
        tables = [{pc: _all_or_nothing(fn) if isgeneratorfunction(fn) else fn
                   for pc, fn in t.items()} for t in tables]
    canon = Canonicaliser(model) if symmetry and model.symmetric else None
    return TransitionSystem(model, source, tables, namespace["LSTEPS"],
                            _initial(namespace["INIT"]), _initial(namespace["LINIT"]),
                            invariants, gen.bound_types, canon, namespace["LIVE"],
                            namespace["WITHIN"][0], namespace["FAIR"])


# Python's compiler limits, which nesting in a spec can reach (CPython's MAXLEVEL,
# CO_MAXBLOCKS and MAXINDENT), and what in a spec takes one level of each
_LIMITS = {
    "too many nested parentheses": "Python allows 200 nested brackets, and each operator, "
                                   "call or index of an expression takes one",
    "too many statically nested blocks": "Python allows 20 nested blocks, and each either, "
                                         "choose or quantifier in it takes one",
    "too many levels of indentation": "Python allows 100 levels of indentation, and each "
                                      "nested if, either or choose takes one or two",
}


def _function_at(model: Model, source: str, line: int) -> tuple[str, Pos]:
    """What the generated function around `line` of `source` compiles, and its position
    (functions are named `_d_NAME` for defs, `_invK`, `_sME_PC` and `_lPC` for steps)."""
    name = next((text[4:text.index("(")] for text in reversed(source.splitlines()[:line])
                 if text.startswith("def ")), "")
    if name.startswith("_d_") and name[3:] in model.defs:
        return f"def {name[3:]}", model.defs[name[3:]].body.pos
    if m := re.fullmatch(r"_inv(\d+)", name):
        inv = model.invariants[int(m[1])]
        return f"invariant {inv.name}", inv.pos
    m = re.fullmatch(r"_(?:s\d+_|l)(\d+)", name)
    if m and int(m[1]) in model.steps_by_pc:
        template, step = model.steps_by_pc[int(m[1])]
        return f"step {template.name}.{step.label}", step.pos
    return "the spec", NOWHERE


def _initial(init: Callable[[], Any]) -> Callable[[], Iterator[Any]]:
    """Building the initial states evaluates only the `init` conditions at run time (initial
    values and start arguments are constants); one that cannot be evaluated for some
    combination of initial values is a mistake in the spec, not a result."""
    def checked() -> Iterator[Any]:
        try:
            yield from results(init())
        except EvalError as e:
            raise SpecError(f"an init condition cannot be evaluated for some initial values: "
                            f"{e}; guard it (e.g. 'x != none && ...')") from None
    return checked


def _all_or_nothing(step: Callable[[tuple], Any]) -> Callable[[tuple], Any]:
    """A step that cannot be evaluated in one branch yields no successor in any branch
    (a straight step has one branch: it needs no wrapping).

    Otherwise which branches come before the failing one would depend on the
    order of ids, which a renaming changes: the reduced and the unreduced search
    would cut off different successors. (A failing step makes the search
    incomplete either way.)
    """
    return lambda s: list(step(s))
