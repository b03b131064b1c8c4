"""The litmus tests in specs/examples/mem_*.spec under each memory model.

Two independent checks. The weak outcome of each test (the one its `WEAK` invariant forbids)
is allowed or not as the literature says; and for SC and TSO the whole set of final
outcomes mcheck reaches is the set a direct enumeration of the x86-TSO abstract machine
(per-thread FIFO buffers, forwarding, flushes at any time, fences waiting for an empty
buffer) reaches, written here without any of mcheck's code.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.engine.search import search
from modelcheck.engine.verdict import Verdict
from modelcheck.ir.values import state_dict
from modelcheck.lang.source import load
from tests.conftest import ROOT
from tests.test_native import both, seen

EXAMPLES = ROOT / "specs" / "examples"
A, F = "allowed", "forbidden"

# The weak outcome under SC, x86-TSO, C11 release/acquire (RA, the model mcheck implements)
# and strong release/acquire (SRA, for contrast: it orders each location's stores as they
# run). TSO: Owens, Sarkar, Sewell, "A better x86 memory
# model: x86-TSO", TPHOLs 2009 (SB allowed, SB with mfence forbidden, MP, LB, IRIW, 2+2W
# forbidden). RA and SRA: Lahav, Giannarakis, Vafeiadis, "Taming release-acquire
# consistency", POPL 2016 (SB and IRIW allowed, MP with release/acquire forbidden, 2+2W
# allowed by RA and forbidden by SRA); relaxed MP, LB and seq_cst fences as in RC11 (Lahav
# et al., "Repairing sequential consistency in C/C++11", PLDI 2017). CoRR is coherence,
# forbidden by all.
LITERATURE: dict[str, tuple[str, str, str, str]] = {
    "mem_sb": (F, A, A, A),
    "mem_sb_fence": (F, F, F, F),
    "mem_sb_sc": (F, F, F, F),
    "mem_mp": (F, F, F, F),
    "mem_mp_relaxed": (F, F, A, A),
    "mem_lb": (F, F, F, F),
    "mem_iriw": (F, F, A, A),
    "mem_iriw_fence": (F, F, F, F),
    "mem_2_2w": (F, F, A, F),
    "mem_corr": (F, F, F, F),
}

# The same programs for the enumeration: per thread, ("st", var, value), ("ld", var,
# register) or ("fence",); the orders do not matter under TSO.
Op = tuple
PROGRAMS: dict[str, list[list[Op]]] = {
    "mem_sb": [[("st", "x", 1), ("ld", "y", "r0")], [("st", "y", 1), ("ld", "x", "r1")]],
    "mem_sb_fence": [[("st", "x", 1), ("fence",), ("ld", "y", "r0")],
                     [("st", "y", 1), ("fence",), ("ld", "x", "r1")]],
    "mem_mp": [[("st", "data", 1), ("st", "flag", 1)],
               [("ld", "flag", "r0"), ("ld", "data", "r1")]],
    "mem_lb": [[("ld", "x", "r0"), ("st", "y", 1)], [("ld", "y", "r1"), ("st", "x", 1)]],
    "mem_iriw": [[("st", "x", 1)], [("st", "y", 1)], [("ld", "x", "a0"), ("ld", "y", "a1")],
                 [("ld", "y", "b0"), ("ld", "x", "b1")]],
    "mem_2_2w": [[("st", "x", 1), ("st", "y", 2)], [("st", "y", 1), ("st", "x", 2)]],
    "mem_corr": [[("st", "x", 1)], [("ld", "x", "r0"), ("ld", "x", "r1")]],
}


def machine_outcomes(progs: list[list[Op]], buffered: bool) -> set[tuple]:
    """Final (register and memory) values the abstract machine can end with: x86-TSO when
    `buffered`, else SC (every store goes to memory at once)."""
    names = sorted({op[1] for p in progs for op in p if op[0] != "fence"} |
                   {op[2] for p in progs for op in p if op[0] == "ld"})
    start = (tuple(0 for _ in progs), tuple(() for _ in progs), tuple(0 for _ in names))
    seen, todo, finals = {start}, [start], set()
    while todo:
        pcs, bufs, vals = todo.pop()
        env = dict(zip(names, vals))
        if all(pc == len(p) for pc, p in zip(pcs, progs)) and not any(bufs):
            finals.add(vals)
        moves = []
        for i, p in enumerate(progs):
            if bufs[i]:  # the oldest buffered store reaches memory
                (var, value), rest = bufs[i][0], bufs[i][1:]
                moves.append((pcs, bufs[:i] + (rest,) + bufs[i + 1:], {**env, var: value}))
            if pcs[i] == len(p):
                continue
            op, nxt = p[pcs[i]], pcs[:i] + (pcs[i] + 1,) + pcs[i + 1:]
            if op[0] == "st" and buffered:
                moves.append((nxt, bufs[:i] + (bufs[i] + ((op[1], op[2]),),) + bufs[i + 1:], env))
            elif op[0] == "st":
                moves.append((nxt, bufs, {**env, op[1]: op[2]}))
            elif op[0] == "ld":
                mine = [v for var, v in bufs[i] if var == op[1]]
                moves.append((nxt, bufs, {**env, op[2]: mine[-1] if mine else env[op[1]]}))
            elif not bufs[i]:  # a fence waits for an empty buffer
                moves.append((nxt, bufs, env))
        for pcs2, bufs2, env2 in moves:
            state = (pcs2, bufs2, tuple(env2[n] for n in names))
            if state not in seen:
                seen.add(state)
                todo.append(state)
    return {tuple(zip(names, f)) for f in finals}


def mcheck_outcomes(name: str, variant: str, observed: list[str]) -> set[tuple]:
    """The observed variables in every reached state where every thread has finished."""
    ts = compile_variant(load(EXAMPLES / f"{name}.spec"), variant)
    out = set()
    for st in search(ts).store.states:
        d = state_dict(ts.model, st)
        if all(t["status"] == "done" for t in d["threads"]):
            out.add(tuple((n, d[n]) for n in sorted(observed)))
    return out


@cache
def verdict(name: str, variant: str) -> Verdict:
    v = run_variant(load(EXAMPLES / f"{name}.spec"), variant, RunConfig(engine="python"))[1]
    assert not v.incomplete and v.result in ("holds", "violated"), (v.result, v.incomplete)
    return v


def weak_allowed(name: str, variant: str) -> str:
    statuses = {p.name: p.status for p in verdict(name, variant).properties}
    assert statuses.get("STORE-BUFFER", "holds") == statuses.get("MEMORY-BOUND", "holds") == \
        "holds", "the memory bound is too small for this test"
    return A if statuses["WEAK"] == "violated" else F


def cells(v: Verdict) -> dict[str, str]:
    """Each property's verdict as the README's tables write it."""
    return {p.name: "holds" if p.status == "holds" else f"{p.status}, {p.trace_length}"
            for p in v.properties}


def readme_rows(heading: str, with_header: bool = False) -> list[list[str]]:
    """The first table after `heading` in specs/README.md, the rule (and the header unless
    asked for) left out."""
    text = (ROOT / "specs" / "README.md").read_text()
    rows = []
    for line in text[text.index(heading):].splitlines()[1:]:
        if line.startswith("|"):
            rows.append([c.strip().strip("`") for c in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[:1] + rows[2:] if with_header else rows[2:]


def test_every_litmus_spec_is_in_the_table() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("mem_*.spec") if p.stem in LITERATURE) == \
        sorted(LITERATURE)
    assert len(LITERATURE) >= 8


@pytest.mark.parametrize("name", sorted(LITERATURE))
def test_weak_outcome_is_the_literature_s(name: str) -> None:
    sc, tso, ra, _ = LITERATURE[name]
    got = tuple(weak_allowed(name, v) for v in ("sc", "tso", "ra"))
    assert got == (sc, tso, ra)
    for v in ("sc", "tso", "ra"):  # z3 replayed every weak execution on the model's encoding
        assert all(ce.certified for ce in verdict(name, v).counterexamples)


def test_release_acquire_differs_from_strong_release_acquire_only_on_2_2w() -> None:
    """The one test where a store placed before a store it has not seen matters."""
    assert [n for n, (_, _, ra, sra) in LITERATURE.items() if ra != sra] == ["mem_2_2w"]
    assert weak_allowed("mem_2_2w", "ra") == A


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_final_outcomes_are_the_abstract_machine_s(name: str) -> None:
    progs = PROGRAMS[name]
    observed = [n for n, _ in next(iter(machine_outcomes(progs, False)))]
    assert mcheck_outcomes(name, "sc", observed) == machine_outcomes(progs, False)
    assert mcheck_outcomes(name, "tso", observed) == machine_outcomes(progs, True)


def test_readme_litmus_table_is_what_mcheck_computes() -> None:
    rows = readme_rows("## Memory models")
    assert sorted(r[0] for r in rows) == sorted(LITERATURE)
    models = ("sc", "tso", "ra")
    for name, _, *cells, states in rows:
        shown = [re.sub(r" \(.*\)$", "", c) for c in cells]  # drop "(C11 RA: allowed)"
        assert shown == [weak_allowed(name, m) for m in models]
        assert states == " / ".join(str(verdict(name, m).stats.distinct_states) for m in models)


@pytest.mark.parametrize(("heading", "name"), [
    ("### bdwgc: GC_stop_count", "mem_bdwgc_stop_count"),
    ("### OSv: set_visibility", "mem_osv_set_visibility"),
    ("### bdwgc: two stoppers", "mem_bdwgc_two_stoppers"),
    ("### OSv: the `_loaded_objects_stack` race", "mem_osv_loaded_stack"),
    ("### SaBRe: start-up, the thread table", "mem_sabre_threads"),
    ("### rseq: ownership designs", "mem_rseq_owners"),
    ("### bdwgc: the handshake around blocking", "mem_bdwgc_handshake"),
    ("### pinspect: an LWP blocked", "mem_pinspect_blocked"),
    ("### OSv: two objects", "mem_osv_two_objects")])
def test_readme_protocol_tables_are_what_mcheck_computes(heading: str, name: str) -> None:
    """Every property column and the state count of each variant's row."""
    header, *rows = readme_rows(heading, with_header=True)
    assert [r[0] for r in rows] == load(EXAMPLES / f"{name}.spec").variants
    for row in rows:
        v = verdict(name, row[0])
        status = cells(v)
        for column, shown in zip(header[1:-2], row[1:-2]):
            assert shown == status[column], (row[0], column)
        assert row[-2] == str(v.stats.distinct_states)
        assert v.expectation == "met"


def test_readme_three_pinspect_stoppers_are_what_mcheck_computes() -> None:
    rows = readme_rows("Several simultaneous stoppers in pinspect")
    assert len(rows) == 3
    for label, b1, b2, states in rows:
        variant = label.split(",")[0]
        v = run_variant(load(ROOT / "specs" / "stop_world.spec"), variant,
                        RunConfig(overrides={"INSPECTS": "3"}))[1]
        status = cells(v)
        assert (b1, b2, states) == (status["B1"], status["B2"], str(v.stats.distinct_states))


@pytest.mark.parametrize(("name", "variant"), [
    ("mem_sb", "tso"), ("mem_sb", "ra"), ("mem_iriw", "ra"), ("mem_mp_relaxed", "tso"),
    ("mem_bdwgc_stop_count", "relaxed_ra"), ("mem_bdwgc_stop_count", "master_tso"),
    ("mem_sabre_threads", "table_c19ab74"), ("mem_bdwgc_handshake", "flag_resent"),
    ("mem_rseq_owners", "counter_unblocked"), ("mem_pinspect_blocked", "wait_parked"),
    ("mem_osv_two_objects", "levels")])
def test_native_engine_agrees(name: str, variant: str) -> None:
    """Store buffers and message histories are plain statements, so the native engine must
    find the same states, transitions, verdicts and traces as the Python one."""
    python, native = both(load(EXAMPLES / f"{name}.spec"), variant)
    assert seen(native) == seen(python)
