"""Every node of a syntax tree, for the checks that look for a name before checking it
(a definition that calls itself, a start line ranging over a variable)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any


def nodes(tree: Any) -> Iterator[Any]:
    """`tree` and every syntax node below it, parents first."""
    if isinstance(tree, (tuple, list)):
        for x in tree:
            yield from nodes(x)
    elif dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        yield tree
        for f in dataclasses.fields(tree):
            yield from nodes(getattr(tree, f.name))
