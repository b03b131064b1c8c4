"""A thread's parameters as the spec declares them, and as its block stores them.

A tuple or record parameter is stored as one scalar parameter per item (`l[0]`, `l[1]`,
in `Template.params`, which back ends fill and read slot by slot; `check/thread_params.py`);
names, spawns and the reports see the parameter as declared, one value of its type over
those consecutive slots: a template with such a parameter is a `SplitTemplate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Local, Template


@dataclass(eq=False)
class SplitTemplate(Template):
    """A template some of whose parameters are stored as several."""

    declared_params: list[Local] = field(default_factory=list)


def parameters(t: Template) -> list[Local]:
    """The parameters as declared."""
    return t.declared_params if isinstance(t, SplitTemplate) else t.params


def declared(t: Template) -> list[Local]:
    """The declared parameters, then the locals."""
    return [*parameters(t), *t.locals]
