"""The level search on a Ray cluster of two nodes on this machine, with Python and native shares:
the same verdicts, counts and traces as one process, and a share killed mid-run changes nothing
(back to the checkpoint) or ends the run incomplete, never "holds".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
import ray
from ray.cluster_utils import Cluster

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, rebuild_variant
from modelcheck.backends.c import verifier
from modelcheck.engine.checkpoint import Checkpointing
from modelcheck.engine.levels import search_levels
from modelcheck.engine.native_library import NativeLibrary
from modelcheck.engine.outcome import Outcome, Progress
from modelcheck.engine.transport import Sharing
from modelcheck.lang.source import load, load_text
from tests.conftest import ROOT
from tests.test_checkpoint import verdict_json
from tests.test_engine import counters

OSV = str(ROOT / "specs" / "osv_visibility.spec")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 1,
                                                                "include_dashboard": False})
    nodes.add_node(num_cpus=1)
    ray.init(address=nodes.address, log_to_driver=False)
    yield nodes
    ray.shutdown()
    nodes.shutdown()


@pytest.mark.parametrize("engine", ["python", "native"])
def test_two_nodes_report_what_one_process_reports(cluster: Cluster, tmp_path: Path,
                                                   engine: str) -> None:
    """Four violations with their traces, each shown as one process shows it; native shares
    load the compiled library on each node and swap packed states."""
    argv = [OSV, "--variant", "fe37650"]
    one = verdict_json([*argv, "--engine", "python", "--store", "fingerprint"],
                       tmp_path / "one.json")
    split = verdict_json([*argv, "--engine", engine, "--cluster", "ray", "--workers", "3"],
                         tmp_path / "ray.json")
    assert split == one
    ran = json.loads((tmp_path / "ray.json").read_text())["engine"]
    assert ran.startswith(engine), ran
    assert len(one["counterexamples"]) == 4
    assert {n["NodeID"] for n in ray.nodes() if n["Alive"]}.__len__() == 2


def _search(src_spec: str, variant: str | None, parts: int, native: bool = False,
            **kw: object) -> Outcome:
    spec = load_text(src_spec) if "\n" in src_spec else load(src_spec)
    config = RunConfig()
    ts = compile_variant(spec, variant, config)
    rebuild = partial(rebuild_variant, spec.source, spec.path, variant, config)
    library = NativeLibrary.of(verifier(ts.model)) if native else None
    return search_levels(ts, sharing=Sharing(parts, "ray", rebuild, library),
                         **kw)  # type: ignore


def test_counts_by_hand(cluster: Cluster) -> None:
    o = _search(counters(3, 3), None, 2)
    assert o.complete and not o.violations
    assert (o.stats.distinct_states, o.stats.transitions, o.stats.depth) == \
        (4 ** 3, 3 * 3 * 4 ** 2, 9)
    assert o.stats.exchanged_bytes and o.stats.exchanged_bytes > 0


def _kill_a_share_at(level: int, killed: list[str]) -> Callable[[Progress], None]:
    def progress(p: Progress) -> None:
        if p.depth == level and not killed:
            name = sorted(a for a in ray.util.list_named_actors() if "-share-" in a)[0]
            ray.kill(ray.get_actor(name))
            killed.append(name)
    return progress


def test_a_killed_share_goes_back_to_the_checkpoint(cluster: Cluster, tmp_path: Path) -> None:
    """Native shares (what `--cluster` runs): the new actors load the library again and
    pack the checkpoint's frontier."""
    whole = search_levels(compile_variant(load(OSV), "fe37650"), sharing=Sharing(2))
    killed: list[str] = []
    again = _search(OSV, "fe37650", 2, native=True, progress=_kill_a_share_at(8, killed),
                    progress_every=0,
                    checkpoint=Checkpointing(tmp_path, {"run": "fe37650"}, every=0))
    assert killed
    assert (again.stats.distinct_states, again.stats.transitions, again.stats.depth) == \
        (whole.stats.distinct_states, whole.stats.transitions, whole.stats.depth)
    assert again.complete and len(whole.violations) == 4
    assert {k: (v.state, v.depth) for k, v in again.violations.items()} == \
        {k: (v.state, v.depth) for k, v in whole.violations.items()}


def test_a_killed_share_without_a_checkpoint_is_incomplete(cluster: Cluster) -> None:
    killed: list[str] = []
    o = _search(counters(3, 4), None, 2, progress=_kill_a_share_at(3, killed),
                progress_every=0)
    assert killed and not o.violations
    assert "a search share was lost" in o.incomplete[0]
