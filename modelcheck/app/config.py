"""How one run checks a spec: built once from a command line, read by every stage.

`mcheck SPEC`, `mcheck ci` and the tests all describe a run with this one object,
so an option added to the checker (an engine, fairness, a checkpoint folder) is a
field here and a flag in `options.py`, not an argument threaded through each command.
The variant is not in it: one run configuration checks every variant it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.outcome import Limits


@dataclass(frozen=True)
class RunConfig:
    overrides: dict[str, str] = field(default_factory=dict)  # -D NAME=VALUE
    limits: Limits = Limits()
    stop_at_first: bool = False   # --first: stop at the first violation
    deadlock: bool = True         # --no-deadlock turns the deadlock property off
    symmetry: bool = True         # --no-symmetry ignores `symmetric` declarations
    store: str = "exact"          # "exact" or "fingerprint"
    workers: int = 1              # above 1: the level search in forked processes
    certify: bool = True          # z3 checks every counterexample
    progress_every: float = 5.0   # seconds between progress reports
    engine: str = "auto"          # "auto", "native" or "python" (`engine.run`)
    liveness: bool = True         # --no-liveness leaves liveness properties unknown
    checkpoint: str | None = None  # --checkpoint DIR: save the search there (`checkpoints.py`)
    every: float = 60.0           # --every SECONDS between two checkpoints
    resume: bool = False          # `mcheck resume DIR`: start from the checkpoint
    cluster: str | None = None    # --cluster ray | ray://ADDRESS: shares are Ray actors


DEFAULT = RunConfig()
