"""`--checkpoint DIR` and `mcheck resume DIR`: which run a checkpoint belongs to.

The engine saves and restores a search (`engine.checkpoint`); this module says what a
run is, so a checkpoint is only ever continued by the same one: the same mcheck, spec
text, variant, constants and the options that change what is searched (a state or
depth limit cuts a level, so it is part of the run; a time or memory limit is not).
The command line is kept beside the checkpoints, so `mcheck resume DIR` needs
nothing else; options given after DIR (`-q`, a report, a time limit) are added to it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .. import __version__
from ..engine.checkpoint import Checkpointing, CheckpointRefused, saved_identity
from ..lang.source import LoadedSpec
from .config import RunConfig

COMMAND = "command.json"


def checkpointing(spec: LoadedSpec, variant: str | None,
                  config: RunConfig) -> Checkpointing | None:
    """Where this variant's search saves itself, and whether it starts from there; a fresh
    run refuses a folder that holds a checkpoint already, so no one's work is overwritten."""
    if config.checkpoint is None:
        return None
    folder = Path(config.checkpoint) / f"{Path(spec.path).stem}-{variant or 'main'}"
    saved = saved_identity(folder) is not None
    if saved and not config.resume:
        raise CheckpointRefused(_taken(config.checkpoint))
    # resuming, a variant the run had not reached yet starts from its beginning
    return Checkpointing(folder, identity(spec, variant, config), config.every, saved,
                         f"mcheck resume {config.checkpoint}")


def _taken(folder: str) -> str:
    return (f"{folder} holds a checkpoint already: go on with 'mcheck resume {folder}' or "
            "choose another folder")


def identity(spec: LoadedSpec, variant: str | None, config: RunConfig) -> dict[str, str]:
    limits = config.limits
    return {
        "mcheck": __version__,
        "spec": Path(spec.path).name,
        "spec text": hashlib.sha256(spec.source.encode()).hexdigest()[:16],
        "variant": variant or "",
        "constants": " ".join(f"{k}={v}" for k, v in sorted(config.overrides.items())),
        "options": f"deadlock={config.deadlock} symmetry={config.symmetry} "
                   f"first={config.stop_at_first} max_states={limits.max_states} "
                   f"max_depth={limits.max_depth}",
    }


def keep_command(folder: str, argv: list[str]) -> None:
    """Remember the command line that saves into `folder`, for `mcheck resume`; the files it
    names (the spec, the folder) as absolute paths, so it works from anywhere. A folder
    that holds checkpoints already is refused, so the command of their run is kept."""
    path = Path(folder)
    if any(saved_identity(sub) is not None for sub in path.glob("*/")):
        raise CheckpointRefused(_taken(folder))
    path.mkdir(parents=True, exist_ok=True)
    argv = [str(Path(a).resolve()) if not a.startswith("-") and Path(a).exists() else a
            for a in argv]
    tmp = path / f".{COMMAND}.tmp"
    tmp.write_text(json.dumps({"argv": argv}), encoding="utf-8")
    os.replace(tmp, path / COMMAND)


def resumed_command(argv: list[str]) -> list[str]:
    """`resume DIR [OPTION...]` as the command line that started the run, with the extra
    options after it (the last of a repeated option wins)."""
    if not argv or argv[0].startswith("-"):
        raise CheckpointRefused("usage: mcheck resume DIR [OPTION...]")
    folder = Path(argv[0])
    try:
        saved = json.loads((folder / COMMAND).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointRefused(f"no checkpoint in {folder}") from None
    return [*saved["argv"], *argv[1:]]
