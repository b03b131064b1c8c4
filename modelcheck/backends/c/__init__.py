"""The native back end: a model's own verifier, generated as C and compiled at check time.

`verifier(model)` returns a `Verifier` (the loaded library and the state layout) or
raises `Unsupported` (a construct it does not compile, located) or `NativeUnavailable`
(no compiler, or it failed). The search that drives it is `engine.native`; the Python
back end stays the reference, and still replays every trace the native search finds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...ir.model import Model
from .build import Build, NativeUnavailable, ffi
from .cexpr import Unsupported
from .cmodule import c_source
from .layout import Layout

__all__ = ["Compile", "NativeUnavailable", "Unsupported", "Verifier", "ffi", "verifier"]


@dataclass
class Verifier:
    lib: Any
    layout: Layout
    compiled: bool   # False when the library came from the cache
    seconds: float   # time spent compiling
    path: Path | None = None  # the library's file (shares on other machines get its bytes)


class Compile:
    """A model's verifier on its way: generated now (or `Unsupported`), compiled by a child
    process from `start` on unless the cache has it (`ready`), loaded by `verifier`."""

    def __init__(self, model: Model) -> None:
        source, self.layout = c_source(model)
        self.build = Build(source)

    @property
    def cached(self) -> bool:
        return self.build.cached

    @property
    def started(self) -> bool:
        """Whether the compiler was ever started (it may have been cancelled since)."""
        return self.build.began > 0

    def start(self) -> None:
        self.build.start()

    def ready(self) -> bool:
        return self.build.ready()

    def verifier(self) -> Verifier:
        lib = self.build.wait()
        return Verifier(lib.lib, self.layout, lib.compiled, lib.seconds, lib.path)

    def cancel(self) -> None:
        self.build.cancel()


def verifier(model: Model) -> Verifier:
    return Compile(model).verifier()
