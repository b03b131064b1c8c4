"""A spec file read and parsed: the first stage's product, which every command starts from."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import syntax
from .errors import SpecError
from .parser import parse

MAX_BYTES = 1 << 20


@dataclass
class LoadedSpec:
    path: str
    source: str
    ast: syntax.Spec

    @property
    def variants(self) -> list[str]:
        return self.ast.variant_names


def load(path: str | Path) -> LoadedSpec:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise SpecError(f"the spec is {size:,} bytes; at most {MAX_BYTES:,} are read (a "
                            "model that large would not be searched in any useful time)")
        source = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read spec: {e}") from None
    return load_text(source, str(path))


def load_text(source: str, path: str = "<string>") -> LoadedSpec:
    with nesting_guard():
        return LoadedSpec(path, source, parse(source))


@contextmanager
def nesting_guard() -> Iterator[None]:
    """The front end recurses over the syntax tree; absurd nesting is the user's to fix."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20000))
    try:
        yield
    except (RecursionError, MemoryError):
        raise SpecError("expressions are nested too deeply to check") from None
    finally:
        sys.setrecursionlimit(old)
