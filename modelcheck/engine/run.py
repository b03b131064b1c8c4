"""Which engine searches a variant, and the search itself.

`python` is the reference engine (`search.search`, or `levels.search_levels` for
fingerprints and worker processes); `native` compiles the model to C first
(`backends.c`, `native.native_search`). Workers, checkpoints and clusters are the level
search's shares, with either engine: native shares (`native_share.py`) expand in C.
`auto` uses native whenever it can: a model it
does not compile yet, a missing compiler or a search only Python can finish fall back
to Python, and the result says so. When the library is not in the cache yet, auto
starts with the Python search, starts the compiler only when that search is still
running after `HEAD_START`, and switches to the native search once the library is
ready: a small model never waits for (or pays for) a compiler, a large one loses well
under a second. Both engines give the same verdicts, counts and traces.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..backends.base import TransitionSystem
from ..backends.c import Compile, NativeUnavailable, Unsupported
from ..lang.errors import SpecError
from .checkpoint import Checkpointing
from .levels import search_levels
from .native import NativeFailed, native_search
from .native_library import NativeLibrary
from .outcome import Limits, Outcome, Progress
from .search import search
from .transport import Sharing

ENGINES = ("auto", "native", "python")
POLL = 0.05  # seconds between two looks at the compiler while Python searches
HEAD_START = 0.25  # seconds of Python search before the compiler starts


@dataclass(frozen=True)
class Engine:
    name: str     # the engine that ran: "native" or "python"
    note: str     # why, or what it cost

    def __str__(self) -> str:
        return f"{self.name} ({self.note})" if self.note else self.name


class NativeRefused(SpecError):
    """`--engine native` asked for what the native engine cannot do: reported like an error
    in the spec (located when a construct is the reason), exit 2."""


class _Ready(Exception):
    """The compiler finished while the Python search ran: switch engines."""


@dataclass(frozen=True)
class Search:
    """What a search is asked to do, whichever engine does it."""

    limits: Limits = Limits()
    stop_at_first: bool = False
    fingerprints: bool = False
    workers: int = 1
    progress: Callable[[Progress], None] | None = None
    progress_every: float = 5.0
    cluster: str | None = None    # `transport.Sharing.cluster`
    rebuild: Callable[[], TransitionSystem] | None = None  # for shares in other processes
    checkpoint: Checkpointing | None = None

    @property
    def by_levels(self) -> bool:
        """Only the level search does this job: checkpoints, clusters and workers are its
        shares."""
        return self.checkpoint is not None or self.cluster is not None or self.workers > 1

    def sharing(self, library: NativeLibrary | None = None) -> Sharing:
        """Native shares of a run on this machine that asks for the exact store keep their
        states (`packed_states.py`); a checkpoint holds fingerprints only."""
        keep = library is not None and not self.fingerprints and self.checkpoint is None \
            and self.cluster is None
        return Sharing(self.workers, self.cluster, self.rebuild, library, keep)


def run_search(ts: TransitionSystem, engine: str, job: Search) -> tuple[Outcome, Engine]:
    if engine == "python":
        return _python(ts, job), Engine("python", "as asked")
    if job.by_levels:
        return _native_levels(ts, engine, job)
    try:
        compile_ = _compile(ts)
    except NativeRefused as refused:
        if engine == "native":
            raise
        where = f" (line {refused.pos.line})" if refused.pos.line else ""
        return _python(ts, job), Engine("python", f"native: {refused.message}{where}")
    if engine == "auto" and not compile_.cached:
        try:
            outcome = _python(ts, job, compile_)
            return outcome, Engine("python", "done before the native verifier had "
                                   "compiled" if compile_.started else "done in under "
                                   f"{HEAD_START} s: not worth compiling")
        except _Ready:
            pass
    try:
        v = compile_.verifier()
        outcome = native_search(ts, v, job.limits, job.stop_at_first, job.fingerprints,
                                job.progress, job.progress_every)
    except (NativeUnavailable, NativeFailed) as e:
        if engine == "native":
            raise NativeRefused(str(e)) from None
        return _python(ts, job), Engine("python", f"native: {e}")
    cost = f"compiled in {v.seconds:.2f} s" if v.compiled else "from the cache"
    return outcome, Engine("native", cost)


def _native_levels(ts: TransitionSystem, engine: str, job: Search) -> tuple[Outcome, Engine]:
    """The level search with native shares (`native_share.py`): each share loads the
    compiled library and expands in C; the coordinator is the Python engine's."""
    try:
        v = _compile(ts).verifier()
        outcome = search_levels(ts, job.limits, job.stop_at_first, job.progress,
                                job.progress_every, job.sharing(NativeLibrary.of(v)),
                                job.checkpoint)
    except NativeRefused as refused:
        if engine == "native":
            raise
        where = f" (line {refused.pos.line})" if refused.pos.line else ""
        return _python(ts, job), Engine("python", f"native: {refused.message}{where}")
    except (NativeUnavailable, NativeFailed) as e:
        if engine == "native":
            raise NativeRefused(str(e)) from None
        return _python(ts, job), Engine("python", f"native: {e}")
    cost = f"compiled in {v.seconds:.2f} s" if v.compiled else "from the cache"
    return outcome, Engine("native", f"{cost}, level search")


def _compile(ts: TransitionSystem) -> Compile:
    """The native verifier on its way, or why there is none."""
    try:
        return Compile(ts.model)
    except Unsupported as e:
        raise NativeRefused(f"the native engine does not compile {e.message} yet",
                            e.pos) from None
    except NativeUnavailable as e:
        raise NativeRefused(str(e)) from None


def _python(ts: TransitionSystem, job: Search, racing: Compile | None = None) -> Outcome:
    """The Python search; with `racing`, start its compiler after `HEAD_START` and stop
    (`_Ready`) once it is done."""
    progress, every = job.progress, job.progress_every
    if racing is not None:
        began = time.monotonic()
        last = [began]

        def watch(p: Progress) -> None:
            if time.monotonic() - began >= HEAD_START:
                racing.start()
            if racing.ready():
                raise _Ready
            if job.progress is not None and time.monotonic() - last[0] >= job.progress_every:
                last[0] = time.monotonic()
                job.progress(p)

        progress, every = watch, min(POLL, job.progress_every)
    try:
        if job.fingerprints or job.by_levels:
            return search_levels(ts, job.limits, job.stop_at_first, progress, every,
                                 job.sharing(), job.checkpoint)
        return search(ts, job.limits, job.stop_at_first, progress, every)
    finally:
        if racing is not None and not racing.ready():
            racing.cancel()  # Python won: no compiler left running behind
