"""Checkpoint and resume: a run stopped anywhere (SIGKILL, a lost worker) and resumed reports
exactly what an uninterrupted run reports, and a checkpoint continues only its own run.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from modelcheck.app.cli import main
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant
from modelcheck.engine.checkpoint import MANIFEST, Checkpointing, CheckpointRefused
from modelcheck.engine.levels import search_levels
from modelcheck.engine.outcome import Limits, Outcome, Progress
from modelcheck.engine.transport import Sharing
from modelcheck.lang.source import load, load_text
from tests.conftest import ROOT
from tests.test_engine import counters

STOP_WORLD = str(ROOT / "specs" / "stop_world.spec")


def verdict_json(argv: list[str], out: Path) -> dict:
    """What `mcheck` reports in JSON, less the timings (which differ from run to run) and the
    store's bytes (a native share's table is sized by powers of two, a Python one's by
    the states it holds)."""
    main([*argv, "-q", "--no-report", "--json", str(out)])
    data = json.loads(out.read_text())
    return _without(data, ("seconds", "states_per_second", "engine", "spec", "path",
                           "store_bytes"))


def _without(data: object, keys: tuple[str, ...]) -> object:
    if isinstance(data, dict):
        return {k: _without(v, keys) for k, v in data.items() if k not in keys}
    if isinstance(data, list):
        return [_without(v, keys) for v in data]
    return data


@pytest.mark.parametrize("engine, window", [
    (["--engine", "python"], 0.6),
    (["--engine", "native", "--workers", "2", "--no-certify"], 0.3)])
def test_resume_after_sigkill_is_the_uninterrupted_run(tmp_path: Path, engine: list[str],
                                                       window: float) -> None:
    """stop_world master: 89,001 states, 78 levels, four violations with traces of 43 to 60
    steps, a checkpoint every level. The whole run (Python, or the native engine's threads)
    is killed at a random moment of the `window` seconds after its first checkpoint. (Not
    L-HANG: numbering the fingerprints for liveness would add 7 s a run.)"""
    argv = [STOP_WORLD, "--variant", "master", *engine, "--no-liveness"]
    whole = verdict_json([*argv, "--store", "fingerprint"], tmp_path / "whole.json")
    folder = tmp_path / "ck"
    run = subprocess.Popen([sys.executable, "-m", "modelcheck", *argv, "--checkpoint",
                            str(folder), "--every", "0", "-q", "--no-report"],
                           stdout=subprocess.DEVNULL)
    manifest = folder / "stop_world-master" / MANIFEST
    while not manifest.exists() and run.poll() is None:
        time.sleep(0.005)
    time.sleep(random.uniform(0, window))
    run.send_signal(signal.SIGKILL)
    run.wait()
    resumed = verdict_json(["resume", str(folder)], tmp_path / "resumed.json")
    assert resumed == whole
    assert resumed["result"] == "violated" and len(resumed["counterexamples"]) == 4
    assert resumed["stats"]["distinct_states"] == 89_001


def test_resume_with_another_number_of_workers(tmp_path: Path) -> None:
    """Each share takes from every share file the fingerprints it owns now."""
    spec = load_text(counters(3, 3))
    ts = compile_variant(spec)
    saving = Checkpointing(tmp_path, {"run": "counters"}, every=0)
    first = search_levels(ts, sharing=Sharing(2), checkpoint=saving)
    again = search_levels(ts, sharing=Sharing(3), checkpoint=Checkpointing(
        tmp_path, {"run": "counters"}, resume=True))
    for o in (first, again):
        assert (o.stats.distinct_states, o.stats.transitions, o.stats.depth) == \
            (4 ** 3, 3 * 3 * 4 ** 2, 9)
        assert o.complete


def _stop_after(level: int) -> Callable[[Progress], None]:
    def progress(p: Progress) -> None:
        if p.depth >= level:
            raise KeyboardInterrupt
    return progress


def test_interrupted_run_names_its_checkpoint_and_resumes(tmp_path: Path) -> None:
    ts = compile_variant(load_text(counters(3, 4)))
    c = Checkpointing(tmp_path, {"run": "x"}, every=0, command="mcheck resume here")
    cut = search_levels(ts, progress=_stop_after(5), progress_every=0, checkpoint=c)
    assert cut.incomplete == ["interrupted; mcheck resume here goes on from the checkpoint "
                              "of level 5"]
    done = search_levels(ts, checkpoint=Checkpointing(tmp_path, {"run": "x"}, resume=True))
    assert done.complete and done.stats.distinct_states == 5 ** 3
    assert done.stats.transitions == 3 * 4 * 5 ** 2


def _counts(o: Outcome) -> tuple:
    return (o.stats.distinct_states, o.stats.transitions, o.stats.depth,
            sorted((v.prop, v.depth) for v in o.violations.values()), o.incomplete)


@pytest.mark.parametrize("which", [0, 1])
def test_a_killed_worker_sends_the_run_back_to_its_checkpoint(tmp_path: Path,
                                                              which: int) -> None:
    """Whichever worker dies, the coordinator notices at once (the other one may be waiting
    for its messages)."""
    ts = compile_variant(load(ROOT / "specs" / "osv_visibility.spec"), "fe37650")
    whole = search_levels(ts, sharing=Sharing(2))
    killed: list[int] = []

    def kill_one(p: Progress) -> None:
        if p.depth >= 8 and not killed:
            killed.append(sorted(p.pid for p in mp.active_children())[which])
            os.kill(killed[0], signal.SIGKILL)

    c = Checkpointing(tmp_path, {"run": "pinspect"}, every=0)
    again = search_levels(ts, progress=kill_one, progress_every=0, sharing=Sharing(2),
                          checkpoint=c)
    assert killed
    assert _counts(again) == _counts(whole)
    assert whole.violations  # fe37650 violates a property: the traces' ends are compared
    assert {k: v.state for k, v in again.violations.items()} == \
        {k: v.state for k, v in whole.violations.items()}


def test_a_killed_worker_without_a_checkpoint_is_incomplete_not_holds() -> None:
    ts = compile_variant(load_text(counters(3, 4)))

    def kill_one(p: Progress) -> None:
        if p.depth == 4:
            os.kill(mp.active_children()[0].pid, signal.SIGKILL)

    o = search_levels(ts, progress=kill_one, progress_every=0, sharing=Sharing(2))
    assert not o.complete and not o.violations
    assert "a search share was lost" in o.incomplete[0]


def test_a_checkpoint_continues_only_its_own_run(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "c.spec"
    spec.write_text(counters(2, 2))
    folder = tmp_path / "ck"
    assert main([str(spec), "--checkpoint", str(folder), "-q", "--no-report"]) == 0
    again = main([str(spec), "--checkpoint", str(folder), "-q", "--no-report"])
    assert again == 2 and "holds a checkpoint already" in capsys.readouterr().err
    assert main(["resume", str(folder), "-q"]) == 0
    spec.write_text(counters(2, 3))  # the spec changed since
    assert main(["resume", str(folder), "-q"]) == 2
    err = capsys.readouterr().err
    assert "belongs to another run" in err and "spec text" in err
    assert main(["resume", str(tmp_path / "nothing")]) == 2
    assert "no checkpoint in" in capsys.readouterr().err


def test_constants_are_part_of_the_run(tmp_path: Path) -> None:
    from modelcheck.app.checkpoints import identity
    spec = load_text(counters(2, 2))
    ts = compile_variant(spec)
    search_levels(ts, checkpoint=Checkpointing(tmp_path, identity(spec, None, RunConfig())))
    other = identity(spec, None, RunConfig(overrides={"N": "3"}))
    with pytest.raises(CheckpointRefused, match="constants"):
        search_levels(ts, checkpoint=Checkpointing(tmp_path, other, resume=True))


def test_native_engine_checkpoints_and_resumes(tmp_path: Path) -> None:
    """The native level search saves as the Python one does; resuming its last checkpoint
    (level 16, the end) reports the whole run again, as one Python process reports it."""
    argv = [str(ROOT / "specs" / "osv_visibility.spec"), "--variant", "fe37650"]
    python = verdict_json([*argv, "--engine", "python", "--store", "fingerprint"],
                          tmp_path / "python.json")
    folder = str(tmp_path / "ck")
    saved = verdict_json([*argv, "--engine", "native", "--checkpoint", folder, "--every", "0"],
                         tmp_path / "native.json")
    resumed = verdict_json(["resume", folder], tmp_path / "resumed.json")
    assert saved == resumed == python
    assert len(python["counterexamples"]) == 4
    engine = json.loads((tmp_path / "resumed.json").read_text())["engine"]
    assert engine.startswith("native") and "level search" in engine


def test_mcheck_ci_resumes_every_variant(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    osv = str(ROOT / "specs" / "osv_visibility.spec")
    folder = str(tmp_path / "ck")
    reports = ["--reports", str(tmp_path / "reports"), "-q"]
    assert main(["ci", osv, *reports]) == 0
    table = _untimed(capsys.readouterr().out)
    assert main(["ci", osv, "--checkpoint", folder, *reports]) == 0
    capsys.readouterr()
    shutil.rmtree(Path(folder) / "osv_visibility-levels")  # as if stopped before it
    assert main(["resume", folder]) == 0
    assert _untimed(capsys.readouterr().out) == table
    assert sorted(p.name for p in Path(folder).iterdir() if p.is_dir()) == \
        ["osv_visibility-fe37650", "osv_visibility-levels", "osv_visibility-orig"]


def _untimed(table: str) -> list[list[str]]:
    """`mcheck ci`'s table without its seconds column."""
    return [[w for w in line.split() if not w.replace(".", "").isdigit()]
            for line in table.splitlines()[:5]]


def test_a_run_cut_by_its_time_limit_resumes_to_the_whole_result(tmp_path: Path) -> None:
    """The shares are told the time left (their clocks may differ from the coordinator's);
    a level they cut short is never saved, so the resumed run counts every state once."""
    ts = compile_variant(load_text(counters(3, 4)))
    c = Checkpointing(tmp_path, {"run": "x"}, every=0)
    cut = search_levels(ts, Limits(time_limit=0.0), sharing=Sharing(2), checkpoint=c)
    assert cut.incomplete == ["time limit of 0 s reached"]
    done = search_levels(ts, sharing=Sharing(2), checkpoint=Checkpointing(
        tmp_path, {"run": "x"}, resume=True))
    assert done.complete
    assert (done.stats.distinct_states, done.stats.transitions) == (5 ** 3, 3 * 4 * 5 ** 2)
