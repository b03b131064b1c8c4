"""specs/README.md's verdict tables must say exactly what the engine says.

Each `## ... (`file.spec`)` section has a table whose header names properties
(and a "states" column); every row is a variant. The test runs each variant
and compares every cell, so a changed spec or engine cannot leave a stale table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modelcheck.app.pipeline import run_variant
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.source import load
from tests.test_spec_stop_world import checked

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "specs" / "README.md"
NOT_PROPERTIES = {"variant", "states", "source"}


def tables() -> list[tuple[str, str, dict[str, str]]]:
    """(spec file, variant, {column: cell}) for every table row in specs/README.md."""
    rows = []
    spec = None
    header: list[str] | None = None
    for line in README.read_text().splitlines():
        m = re.match(r"## .*\(`([\w.]+\.spec)`\)", line)
        if m:
            spec, header = m.group(1), None
            continue
        if spec is None:
            continue
        if not line.startswith("|"):
            if header is not None:
                spec = None  # only the first table of a section is the verdict table
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not set(cells[0]) <= set("-: "):
            rows.append((spec, cells[0].strip("`"), dict(zip(header, cells))))
    return rows


def cell(v: Verdict, prop: str) -> str:
    """A property's verdict; "n/a" for one this variant does not have (MEMORY-BOUND exists
    only under a weak memory model)."""
    p = next((p for p in v.properties if p.name == prop), None)
    if p is None:
        return "n/a"
    return "holds" if p.status == "holds" else f"{p.status}, {p.trace_length}"


_cache: dict[tuple[str, str], Verdict] = {}


def verdict(spec: str, variant: str) -> Verdict:
    if spec == "stop_world.spec":  # its own tests' runs: one search (and liveness pass) a session
        return checked(variant)[1]
    if (spec, variant) not in _cache:
        _cache[(spec, variant)] = run_variant(load(ROOT / "specs" / spec), variant)[1]
    return _cache[(spec, variant)]


ROWS = tables()


def test_every_spec_has_a_table() -> None:
    documented = {spec for spec, _, _ in ROWS}
    assert documented == {p.name for p in (ROOT / "specs").glob("*.spec")}


@pytest.mark.parametrize("spec,variant,row", ROWS, ids=[f"{s}:{v}" for s, v, _ in ROWS])
def test_table_row_matches_engine(spec: str, variant: str, row: dict[str, str]) -> None:
    v = verdict(spec, variant)
    assert v.result != "incomplete"
    for column, text in row.items():
        if column in NOT_PROPERTIES:
            continue
        shown = re.sub(r"\s*\(.*\)$", "", text.replace("*", ""))  # drop "(fork child)" notes
        assert shown == cell(v, column), f"{spec} {variant} {column}"
    assert row["states"].replace(",", "") == str(v.stats.distinct_states)
    documented = set(row) - NOT_PROPERTIES
    checked = {p.name for p in v.properties if p.kind in ("invariant", "assertion")}
    assert checked <= documented, f"properties missing from the table: {checked - documented}"
