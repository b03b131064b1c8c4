"""The whole path from a spec file to verdicts, one function per stage.

text -> AST (parser) -> checked model (checker) -> transition system (codegen)
-> search -> counterexamples -> verdict. The command line and the tests both
enter here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import syntax
from .certify import CertificationError
from .certify import certify as certify_traces
from .checker import check, variants_of
from .errors import SpecError
from .levels import search_levels
from .lints import lints
from .parser import parse
from .search import Limits, Progress, search
from .store import StateStore
from .symmetry import reduction
from .system import TransitionSystem, build
from .trace import counterexample
from .verdict import Verdict, verdict


@dataclass
class LoadedSpec:
    path: str
    source: str
    ast: syntax.Spec

    @property
    def variants(self) -> list[str]:
        return variants_of(self.ast)


def load(path: str | Path) -> LoadedSpec:
    p = Path(path)
    try:
        source = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read spec: {e}") from None
    return load_text(source, str(path))


def load_text(source: str, path: str = "<string>") -> LoadedSpec:
    with _deep_nesting_is_an_error():
        return LoadedSpec(path, source, parse(source))


def compile_variant(spec: LoadedSpec, variant: str | None = None,
                    overrides: dict[str, str] | None = None,
                    deadlock: bool = True, symmetry: bool = True) -> TransitionSystem:
    with _deep_nesting_is_an_error():
        return build(check(spec.ast, variant, overrides, deadlock), symmetry)


@contextmanager
def _deep_nesting_is_an_error() -> Iterator[None]:
    """The front end recurses over the syntax tree; absurd nesting is the user's to fix."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20000))
    try:
        yield
    except (RecursionError, MemoryError):
        raise SpecError("expressions are nested too deeply to check") from None
    finally:
        sys.setrecursionlimit(old)


def run_variant(spec: LoadedSpec, variant: str | None = None,
                overrides: dict[str, str] | None = None, limits: Limits | None = None,
                stop_at_first: bool = False,
                progress: Callable[[Progress], None] | None = None,
                deadlock: bool = True, progress_every: float = 5.0,
                symmetry: bool = True, store: str = "exact",
                workers: int = 1, certify: bool = True) -> tuple[TransitionSystem, Verdict]:
    """Search one variant; with `certify`, z3 checks every trace (or CertificationError).

    `symmetry=False` is --no-symmetry: the spec's `symmetric` declarations are ignored.
    `store` "fingerprint" or several `workers` search level by level over fingerprints
    (`levels.py`); the verdicts and traces are the same as the exact store's."""
    ts = compile_variant(spec, variant, overrides, deadlock, symmetry)
    if store == "fingerprint" or workers > 1:
        outcome = search_levels(ts, limits, stop_at_first, progress, progress_every, workers)
    else:
        outcome = search(ts, limits or Limits(), stop_at_first, progress, progress_every)
    rank = {p.name: k for k, p in enumerate(ts.model.properties)}
    ordered = sorted(outcome.violations.values(), key=lambda v: (v.depth, rank[v.prop]))
    traces = [counterexample(ts, outcome, v) for v in ordered]
    if certify:
        try:
            certify_traces(ts.model, traces)
        except CertificationError as e:
            e.system = ts
            raise
    result = verdict(spec.path, ts.model, outcome, traces)
    if ts.canon is not None and isinstance(outcome.store, StateStore):
        # orbit sizes need the stored states, which a fingerprint store does not keep
        initial = [s for s in ts.init() if type(s) is tuple]
        result.symmetry = reduction(ts.canon, outcome.store.states, initial)
    result.lints = lints(ts, outcome, {p.name for p in result.properties if p.status == "holds"})
    return ts, result
