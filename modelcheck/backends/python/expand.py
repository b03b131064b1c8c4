"""The Python back end's successor expansion, generated per model with the thread loop unrolled.

Every search calls it once per state, so it is the hottest Python code after the steps
themselves: each thread id's pc offset and step table are constants, and the common
result, one successor state from a straight step, is handled inline. One template
(`_source`) yields three functions that differ only in what they do with a successor:

- `expand(s, fired)`: every result in order, successors and `Happening`s (the
  back-end interface's definition, for every consumer);
- `expand_new(s, fired, index, n, other)`: enters each successor in the visited dict
  `index` and returns the new ones, numbered n, n + 1, ... (the exact search);
- `expand_keyed(s, fired, seen, key, other)`: enters each successor in `seen` with
  the key `key` + its position, keeping the first (the level search).

The last two hand their happenings to `other` and return None when the state has no
result at all (a deadlock if a thread is unfinished). Doing the dictionary work in
the same function as the expansion saves a call, a list and a second loop per state:
about a tenth of the exact search's time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...ir.model import PC_EXITING, Model
from ..base import Happening
from ..runtime import EvalError

# per flavour: its parameters, what it does with a successor r, with anything else a step
# produced (`pos`: the position of the result), what it returns, whether it counts
# positions in `pos` (else it only notes in `pos` that there was a result), and what it
# returns for a state outside the constraint (nothing, which is not None: no deadlock)
_FLAVOURS = {
    "expand": ("s, fired", "append(r)", "append(Happening(len(out), {me}, pc, r))", "out",
               False, "out"),
    "expand_new": ("s, fired, index, n, other",
                   "if index.setdefault(r, n) == n:\n    append(r)\n    n += 1",
                   "other.append(Happening(0, {me}, pc, r))", "out if pos else None", False,
                   "out"),
    "expand_keyed": ("s, fired, seen, pos, other", "seen.setdefault(r, pos)",
                     "other.append(Happening(pos, {me}, pc, r))",
                     "True if pos > first else None", True, "False"),
}


class Expanders:
    """The three flavours of one model's expansion (see the module's docstring)."""

    def __init__(self, model: Model, tables: list[dict[int, Callable[[tuple], Any]]],
                 canon: Callable[[tuple], tuple] | None,
                 within: Callable[[tuple], bool] | None) -> None:
        namespace: dict[str, Any] = {f"T{me}": t for me, t in enumerate(tables)}
        namespace.update(EvalError=EvalError, Happening=Happening, canon=canon, within=within)
        for name in _FLAVOURS:
            code = _source(model, name, canon is not None, within is not None)
            exec(compile(code, f"<{name} {model.name}>", "exec"), namespace)
        self.expand: Callable[[tuple, list[int]], list[Any]] = namespace["expand"]
        self.expand_new: Callable[..., list[tuple] | None] = namespace["expand_new"]
        self.expand_keyed: Callable[..., bool | None] = namespace["expand_keyed"]


def _source(model: Model, flavour: str, canonical: bool, constrained: bool) -> str:
    params, keep, happen, result, counted, outside = _FLAVOURS[flavour]
    mark = [] if "pos" not in result else ["pos += 1"] if counted else ["pos = True"]

    def successor(ind: str) -> list[str]:
        lines = ["fired[pc] += 1"] + (["r = canon(r)"] if canonical else [])
        return [ind + line for line in lines + keep.split("\n") + mark]

    def other(ind: str, me: int) -> list[str]:
        return [ind + line for line in [happen.format(me=me), *mark]]

    out = [f"def {flavour}({params}):", "    out = []", "    append = out.append"]
    if constrained:  # TLC's CONSTRAINT: a state where it is false (or fails) is a leaf
        out += ["    try:", "        if not within(s):", f"            return {outside}",
                "    except EvalError:", f"        return {outside}"]
    if counted:
        out.append("    first = pos")
    elif mark:
        out.append("    pos = 0")
    for me in range(model.pool):
        out += [f"    pc = s[{model.thread_base + me * model.thread_stride}]",
                f"    if pc >= {PC_EXITING}:",
                "        try:",
                f"            r = T{me}[pc](s)",
                "        except EvalError as e:",
                "            r = e",
                *other("            ", me),
                "        else:",
                "            if type(r) is tuple:",
                *successor("                "),
                "            elif r is not None:",
                "                try:",  # a generator: an EvalError ends it, results kept
                "                    for r in r:",
                "                        if type(r) is tuple:",
                *successor("                            "),
                "                        else:",
                *other("                            ", me),
                "                except EvalError as e:",
                "                    r = e",
                *other("                    ", me)]
    out.append(f"    return {result}")
    return "\n".join(out) + "\n"

