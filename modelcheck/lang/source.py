"""A spec file read and parsed: the first stage's product, which every command starts from."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import syntax
from .errors import Pos, SpecError
from .parser import parse

MAX_BYTES = 1 << 20
FRAMES = 20000  # the recursion limit while a spec is parsed and checked


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
        data = p.read_bytes()
    except OSError as e:
        raise SpecError(f"cannot read spec: {e}") from None
    try:
        source = data.decode("utf-8-sig")  # a byte-order mark is no error
    except UnicodeDecodeError as e:
        line_start = data.rfind(b"\n", 0, e.start) + 1
        where = Pos(data.count(b"\n", 0, e.start) + 1,
                    len(data[line_start:e.start].decode("utf-8", "replace")) + 1)
        raise SpecError(f"not UTF-8: byte 0x{data[e.start]:02x} cannot start or continue a "
                        "character", where) from None
    return load_text(source, str(path))


def load_text(source: str, path: str = "<string>") -> LoadedSpec:
    with nesting_guard():
        return LoadedSpec(path, source, parse(source))


@contextmanager
def nesting_guard() -> Iterator[None]:
    """The front end recurses over the syntax tree; absurd nesting is the user's to fix."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, FRAMES))
    try:
        yield
    except (RecursionError, MemoryError):
        raise SpecError(f"expressions are nested too deeply to check: the checker takes a few "
                        f"of its {FRAMES:,} stack frames for each level") from None
    finally:
        sys.setrecursionlimit(old)
