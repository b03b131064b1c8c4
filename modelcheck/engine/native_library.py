"""How a share on another machine gets the coordinator's compiled verifier.

A share loads the library the coordinator compiled, shipped as bytes (`NativeLibrary`)
into that machine's compile cache, or compiles the model itself if the bytes do not
load there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..backends.c import Compile, NativeUnavailable, Verifier
from ..ir.model import Model


@dataclass(frozen=True)
class NativeLibrary:
    """The coordinator's compiled verifier: its file name in the compile cache (a hash of
    the source and the compiler) and its bytes, for a machine whose cache lacks it."""

    name: str
    data: bytes

    @staticmethod
    def of(v: Verifier) -> NativeLibrary:
        assert v.path is not None
        return NativeLibrary(v.path.name, v.path.read_bytes())


def load(model: Model, library: NativeLibrary) -> Verifier:
    """The model's verifier in this process: from the cache, else the shipped bytes put
    there, else compiled here (the bytes may not load on another machine)."""
    c = Compile(model)
    path = c.build.path
    if c.cached or path.name != library.name:
        return c.verifier()
    _install(path, library.data)
    try:
        return c.verifier()
    except NativeUnavailable:
        path.unlink(missing_ok=True)
        return Compile(model).verifier()


def _install(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # atomic: another share on this machine may be loading it
