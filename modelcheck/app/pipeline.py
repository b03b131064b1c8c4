"""The whole path from a spec file to verdicts, one function per stage.

text -> AST (parser) -> checked model (checker) -> transition system (codegen)
-> search -> counterexamples -> verdict. The command line and the tests both
enter here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from ..backends.python.system import TransitionSystem, build
from ..check.checker import check
from ..engine.lints import lints
from ..engine.liveness_run import check_run, message
from ..engine.outcome import Progress, Violation
from ..engine.run import Search, run_search
from ..engine.store import StoredStates
from ..engine.symmetry import reduction
from ..engine.trace import counterexample, lasso
from ..engine.verdict import Verdict, verdict
from ..lang.source import LoadedSpec, load_text, nesting_guard
from ..symbolic.certify import CertificationError
from ..symbolic.certify import certify as certify_traces
from ..symbolic.lints import z3_lints
from .checkpoints import checkpointing
from .config import DEFAULT, RunConfig


def compile_variant(spec: LoadedSpec, variant: str | None = None,
                    config: RunConfig = DEFAULT) -> TransitionSystem:
    with nesting_guard():
        return build(check(spec.ast, variant, config.overrides, config.deadlock),
                     config.symmetry)


def rebuild_variant(source: str, path: str, variant: str | None,
                    config: RunConfig) -> TransitionSystem:
    """`compile_variant` from the spec's text: how a share on another machine gets the
    transition system (generated code cannot be sent)."""
    return compile_variant(load_text(source, path), variant, config)


def run_variant(spec: LoadedSpec, variant: str | None = None, config: RunConfig = DEFAULT,
                progress: Callable[[Progress], None] | None = None
                ) -> tuple[TransitionSystem, Verdict]:
    """Search one variant; with `config.certify`, z3 checks every trace (or
    CertificationError). Fingerprints or several workers search level by level
    (`engine.levels`); the verdicts and traces are the same as the exact store's."""
    ts = compile_variant(spec, variant, config)
    outcome, engine = run_search(ts, config.engine, Search(
        config.limits, config.stop_at_first, config.store == "fingerprint", config.workers,
        progress, config.progress_every, config.cluster,
        partial(rebuild_variant, spec.source, spec.path, variant, config),
        checkpointing(spec, variant, config)))
    outcome.stats.store_bytes = outcome.store.nbytes()
    live = check_run(ts, outcome, config.liveness)
    rank = {p.name: k for k, p in enumerate(ts.model.properties)}
    ordered = sorted(outcome.violations.values(), key=lambda v: (v.depth, rank[v.prop]))
    traces = [counterexample(ts, outcome, v) for v in ordered]
    for name, found in (live.lassos if live else {}).items():
        why = message(found.instance)
        outcome.violations[name] = Violation(name, why, -1, len(found.path) - 1)
        traces.append(lasso(ts, name, why, found.states, found.movers, found.loop))
    if config.certify:
        try:
            certify_traces(ts.model, traces)
        except CertificationError as e:
            e.system = ts
            raise
    result = verdict(spec.path, ts.model, outcome, traces, live.undecided if live else {})
    result.engine = str(engine)
    result.liveness = live
    result.fingerprints = not isinstance(outcome.store, StoredStates)
    if ts.canon is not None and isinstance(outcome.store, StoredStates):
        # orbit sizes need the stored states, which a fingerprint store does not keep
        initial = [s for s in ts.init() if type(s) is tuple]
        result.symmetry = reduction(ts.canon, outcome.store, initial)
    holding = {p.name for p in result.properties if p.status == "holds"}
    result.lints = lints(ts, outcome, holding) + z3_lints(ts.model, holding)
    return ts, result
