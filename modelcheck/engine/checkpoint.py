"""Checkpoints of the level search: enough on disk to finish the run as if never stopped.

The level search is deterministic between levels: the fingerprint stores, each
share's frontier with its ranks, and the coordinator's counts and violations
decide everything that follows. So a checkpoint is taken at a level boundary, in
two steps that a crash at any moment leaves consistent:

1. every share writes its own file (`share-W-of-P-level-L.pkl`), so a share on
   another machine writes where it runs (a folder all of them see);
2. the coordinator writes `checkpoint.pkl`, which names the level, the share files
   and what the run is (`identity`), and only then removes the previous level's
   files.

Each file is written under a temporary name, flushed with fsync and renamed over
the old one, so a reader sees the old checkpoint or the new one, never half of
one. A checkpoint is resumed only by the run it belongs to: the identity (mcheck
version, spec text, variant, constants, options) must match, or it is refused.
Shares may be resumed as a different number of parts: each reads every share file
and keeps the fingerprints it owns now.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .outcome import Stats, Violation

MANIFEST = "checkpoint.pkl"
FORMAT = 1


class CheckpointRefused(Exception):
    """A checkpoint that cannot continue this run (another spec, version, ...) or is missing:
    the user's to sort out, reported as a usage error."""


@dataclass(frozen=True)
class Checkpointing:
    """Where and how often a search saves itself, and whether it starts from there."""

    folder: Path
    identity: dict[str, str]   # what must match to resume (`app` decides what a run is)
    every: float = 60.0        # seconds between two checkpoints (0: every level)
    resume: bool = False
    command: str = ""          # what the user types to resume, for the interrupted note


@dataclass
class Position:
    """What the coordinator knows between two levels; with the shares' files, a checkpoint."""

    stats: Stats
    violations: dict[str, Violation] = field(default_factory=dict)
    incomplete: list[str] = field(default_factory=list)
    level: int = 0
    total: int = 0       # states stored so far
    frontier: int = 0    # of them, in the level to expand next


@dataclass
class ShareState:
    """One share's part of a checkpoint: its store's runs and its frontier; a native share
    also saves the hash it owns its states by (`native`, in the order of `fps`)."""

    fps: np.ndarray
    parents: np.ndarray
    frontier: list[tuple]
    frontier_fps: np.ndarray
    ranks: np.ndarray
    native: np.ndarray | None = None


def share_file(me: int, parts: int, level: int) -> str:
    return f"share-{me}-of-{parts}-level-{level}.pkl"


def write_atomically(path: Path, value: Any) -> int:
    """Pickle `value` to `path` so that `path` is either its old content or all of the new;
    the bytes written."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        f.flush()
        os.fsync(f.fileno())
        size = f.tell()
    os.replace(tmp, path)
    _sync_folder(path.parent)
    return size


def _sync_folder(folder: Path) -> None:
    """The rename itself must reach the disk before the run goes on."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_share(folder: Path, me: int, parts: int, level: int, state: ShareState) -> int:
    return write_atomically(folder / share_file(me, parts, level), state)


def load_shares(folder: Path, files: list[str]) -> list[ShareState]:
    """Every share file of a checkpoint."""
    olds = []
    for name in files:
        with open(folder / name, "rb") as f:
            olds.append(pickle.load(f))
    return olds


def load_share(folder: Path, files: list[str], me: int, parts: int) -> ShareState:
    """The fingerprints (stored and in the frontier) that share `me` of `parts` owns, from the
    files of however many shares wrote them; the frontier in rank order."""
    olds = load_shares(folder, files)
    fps, parents, front_fps, ranks = (np.concatenate([getattr(s, a) for s in olds])
                                      for a in ("fps", "parents", "frontier_fps", "ranks"))
    frontier = [t for s in olds for t in s.frontier]
    mine = fps % parts == me
    ours = np.flatnonzero(front_fps % parts == me)
    ours = ours[np.argsort(ranks[ours], kind="stable")]
    return ShareState(fps[mine], parents[mine], [frontier[i] for i in ours.tolist()],
                      front_fps[ours], ranks[ours])


def save_manifest(c: Checkpointing, position: Position, parts: int) -> None:
    files = [share_file(w, parts, position.level) for w in range(parts)]
    write_atomically(c.folder / MANIFEST, {"format": FORMAT, "identity": c.identity,
                                           "files": files, "position": position})
    for old in c.folder.glob("share-*.pkl"):
        if old.name not in files:
            old.unlink()


def load_manifest(c: Checkpointing) -> tuple[Position, list[str]]:
    """The saved position and its share files, or CheckpointRefused saying why not."""
    try:
        with open(c.folder / MANIFEST, "rb") as f:
            saved = pickle.load(f)
    except FileNotFoundError:
        raise CheckpointRefused(f"no checkpoint in {c.folder}") from None
    except (OSError, pickle.UnpicklingError, EOFError) as e:
        raise CheckpointRefused(f"cannot read the checkpoint in {c.folder}: {e}") from None
    if saved.get("format") != FORMAT:
        raise CheckpointRefused(f"{c.folder} holds a checkpoint of another format")
    check_identity(c.folder, saved["identity"], c.identity)
    return saved["position"], saved["files"]


def saved_identity(folder: Path) -> dict[str, str] | None:
    """What run the checkpoint in `folder` belongs to, if it holds one."""
    try:
        with open(folder / MANIFEST, "rb") as f:
            return pickle.load(f)["identity"]  # type: ignore[no-any-return]
    except FileNotFoundError:
        return None


def check_identity(folder: Path, saved: dict[str, str], wanted: dict[str, str]) -> None:
    differ = sorted(k for k in saved.keys() | wanted.keys() if saved.get(k) != wanted.get(k))
    if differ:
        what = "; ".join(f"{k}: checkpoint {saved.get(k)!r}, this run {wanted.get(k)!r}"
                         for k in differ)
        raise CheckpointRefused(f"the checkpoint in {folder} belongs to another run ({what})")
