"""What both z3 encodings do with a construct they cannot express: refuse it, by name.

An encoding that approximated a construct would prove things about some other
protocol, so neither does. Each encoder of the checked model is an
`ir.walk.Visitor` that declares the kinds of node it covers, which makes a node
added to the language a missing case that `Visitor.missing()` names before any
spec uses it. At run time, a node an encoder has no case for, or one it declines
(the unbounded encoding declines several), raises `Unsupported`: a `SpecError`
that the commands report with its message, where `Visitor` alone would raise
NotImplementedError.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, NoReturn

from ..ir.walk import Visitor
from ..lang.errors import SpecError


class Unsupported(SpecError):
    """A construct an encoding cannot express faithfully: refused, never approximated."""


class Encoder(Visitor, ABC):
    """A `Visitor` that refuses, with `Unsupported`, a node it has no case for.

    The case of each node class is looked up once per encoder and remembered: the
    fixed-pool encoding visits every node of a step again for each concrete state
    it is evaluated at, and the lookup would cost as much as the case itself.
    """

    def __init__(self) -> None:
        self._cases: dict[type, Callable[..., Any]] = {}

    def visit(self, node: Any, *args: Any) -> Any:
        try:
            case = self._cases[type(node)]
        except KeyError:
            case = getattr(self, "visit_" + type(node).__name__, self.refuse)
            self._cases[type(node)] = case
        return case(node, *args)

    def refuse(self, node: Any, *args: Any) -> NoReturn:
        """The case of a node this encoder declines (and of one it does not know)."""
        raise Unsupported(self.refusal(node, *args))

    @abstractmethod
    def refusal(self, node: Any, *args: Any) -> str:
        """What the error says of a node this encoder does not express."""
