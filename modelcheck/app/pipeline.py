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
from ..engine.liveness_run import LivenessReport, check_run, message
from ..engine.outcome import Outcome, Progress, Violation
from ..engine.run import Search, run_search
from ..engine.store import StoredStates
from ..engine.symmetry import reduction
from ..engine.trace import Counterexample, counterexample, lasso
from ..engine.verdict import Verdict, verdict
from ..lang.errors import located
from ..lang.source import LoadedSpec, load_text, nesting_guard
from ..symbolic.certify import CertificationError
from ..symbolic.certify import certify as certify_traces
from ..symbolic.lints import z3_lints
from . import interrupts
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
    (`engine.levels`); the verdicts and traces are the same as the exact store's.

    Ctrl-C, SIGTERM or the time limit (`interrupts`) during the search or after it
    skip what is left (liveness, replay of further traces, certification, lints) and
    the verdict is "incomplete" with what was found; before the search there is nothing
    to report, so KeyboardInterrupt (TimeUp for the time limit) reaches the caller."""
    with interrupts.time_limit(config.limits.time_limit):
        ts = compile_variant(spec, variant, config)
        outcome, engine = run_search(ts, config.engine, Search(
            config.limits, config.stop_at_first, config.store == "fingerprint",
            config.workers, progress, config.progress_every, config.cluster,
            partial(rebuild_variant, spec.source, spec.path, variant, config),
            checkpointing(spec, variant, config)))
        outcome.stats.store_bytes = outcome.store.nbytes()
        traces: list[Counterexample] = []
        live: list[LivenessReport | None] = [None]
        try:
            _after_search(ts, outcome, config, traces, live)
        except KeyboardInterrupt:
            outcome.incomplete.append("interrupted")
        for ce in traces:
            if ce.kind == "runtime":  # every report shows where, with the spec's line
                ce.located = located(spec.path, spec.source, ce.pos,
                                     f"runtime error: {ce.message}")
        outcome.incomplete[:] = interrupts.explain(outcome.incomplete)
        report = live[0]
        result = verdict(spec.path, ts.model, outcome, traces,
                         report.undecided if report else {})
        result.engine = str(engine)
        result.liveness = report
        result.fingerprints = not isinstance(outcome.store, StoredStates)
        if outcome.complete:
            try:
                _read_off(ts, outcome, result)
            except KeyboardInterrupt:
                result.incomplete.append(interrupts.reason() + " while computing lints")
    return ts, result


def _after_search(ts: TransitionSystem, outcome: Outcome, config: RunConfig,
                  traces: list[Counterexample], live: list[LivenessReport | None]) -> None:
    """The liveness check (into `live`), each violation's trace into `traces` (shortest
    first, then the lassos) and their certificates; filled as it goes, so an interrupt
    keeps what was done. An interrupted search has no time for z3: its traces stay
    uncertified."""
    live[0] = report = check_run(ts, outcome, config.liveness, config.workers)
    rank = {p.name: k for k, p in enumerate(ts.model.properties)}
    ordered = sorted(outcome.violations.values(), key=lambda v: (v.depth, rank[v.prop]))
    for v in ordered:
        traces.append(counterexample(ts, outcome, v))
    for name, found in (report.lassos if report else {}).items():
        why = message(found.instance)
        outcome.violations[name] = Violation(name, why, -1, len(found.path) - 1)
        traces.append(lasso(ts, name, why, found.states, found.movers, found.loop))
    if config.certify and "interrupted" not in outcome.incomplete:
        try:
            certify_traces(ts.model, traces)
        except CertificationError as e:
            e.system = ts
            raise


def _read_off(ts: TransitionSystem, outcome: Outcome, result: Verdict) -> None:
    """What only a complete search can say: orbit counts and the lints (a step that
    never fired in part of the state space may well fire in the rest)."""
    if ts.canon is not None and isinstance(outcome.store, StoredStates):
        # orbit sizes need the stored states, which a fingerprint store does not keep
        initial = [s for s in ts.init() if type(s) is tuple]
        result.symmetry = reduction(ts.canon, outcome.store, initial)
    holding = {p.name for p in result.properties if p.status == "holds"}
    result.lints = lints(ts, outcome, holding) + z3_lints(ts.model, holding)
