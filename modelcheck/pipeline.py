"""The whole path from a spec file to verdicts, one function per stage.

text -> AST (parser) -> checked model (checker) -> transition system (codegen)
-> search -> counterexamples -> verdict. The command line and the tests both
enter here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import syntax
from .checker import check, variants_of
from .errors import SpecError
from .parser import parse
from .search import Limits, Progress, search
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
    return LoadedSpec(str(path), source, parse(source))


def load_text(source: str, path: str = "<string>") -> LoadedSpec:
    return LoadedSpec(path, source, parse(source))


def compile_variant(spec: LoadedSpec, variant: str | None = None,
                    overrides: dict[str, str] | None = None) -> TransitionSystem:
    return build(check(spec.ast, variant, overrides))


def run_variant(spec: LoadedSpec, variant: str | None = None,
                overrides: dict[str, str] | None = None, limits: Limits = Limits(),
                stop_at_first: bool = False,
                progress: Callable[[Progress], None] | None = None) -> tuple[TransitionSystem,
                                                                              Verdict]:
    ts = compile_variant(spec, variant, overrides)
    outcome = search(ts, limits, stop_at_first, progress)
    rank = {p.name: k for k, p in enumerate(ts.model.properties)}
    ordered = sorted(outcome.violations.values(), key=lambda v: (v.depth, rank[v.prop]))
    traces = [counterexample(ts, outcome, v) for v in ordered]
    return ts, verdict(spec.path, ts.model, outcome, traces)
