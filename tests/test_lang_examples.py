"""The language examples in specs/examples/ (lang_*.spec) against their table in
specs/README.md, and each count against an enumeration that does not use mcheck."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from modelcheck.app.pipeline import run_variant
from modelcheck.engine.verdict import Verdict
from modelcheck.lang.source import load
from tests.conftest import ROOT, readme_table

EXAMPLES = ROOT / "specs" / "examples"
SECTION = "## Language examples: `specs/examples/lang_*.spec`"


def rows() -> list[dict[str, str]]:
    """The rows of the section's table, as {column: cell}."""
    return readme_table(SECTION)


def peterson(variant: str) -> tuple[int, int]:
    """States and transitions of Peterson's two threads, enumerated directly: pcs raise (0),
    yield (1), wait (2), cs (3), leave (4); thread 0's partner is 1 and the other way."""
    init = (0, 0, False, False, 0)
    seen, todo, transitions = {init}, [init], 0
    while todo:
        s = todo.pop()
        for me in (0, 1):
            pcs, flag, turn = list(s[:2]), list(s[2:4]), s[4]
            other, pc = 1 - me, pcs[me]
            if pc == 2 and flag[other] and (variant == "flag_only" or turn != me):
                continue
            if pc in (0, 4):
                flag[me] = pc == 0
            if pc == 1:
                turn = other
            pcs[me] = (pc + 1) % 5
            transitions += 1
            n = (pcs[0], pcs[1], flag[0], flag[1], turn)
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return len(seen), transitions


def tcommit(variant: str) -> tuple[int, int]:
    """TCommit's states and (manager, action) transitions with three managers, enumerated
    from its definition: prepare, commit when all are prepared or committed, abort when
    working or prepared and none has committed."""
    init = ("w", "w", "w")
    seen, todo, transitions = {init}, [init], 0
    while todo:
        s = todo.pop()
        for r in range(3):
            moves = []
            if s[r] == "w":
                moves.append("p")
            if s[r] == "p" and all(x in "pc" for x in s):
                moves.append("c")
            if s[r] in "wp" and "c" not in s:
                moves.append("a")
            for m in moves:
                transitions += 1
                n = s[:r] + (m,) + s[r + 1:]
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
    return len(seen), transitions


def ticket_lock(variant: str, top: int = 4) -> tuple[int, int, int]:
    """The ticket lock of lang_constraint.spec with two clients, enumerated by TLC's rule for
    a constraint: states (next, serving, and per client its pc and ticket), transitions,
    and how many states lie outside the constraint (`capped`: next <= top), which are
    kept but not expanded. Pcs: take (0), wait (1), cs (2), leave (3). `take` waits for
    next < top + 1 in `awaited`; in `unbounded` it fails from next == top + 1 (the range's
    end), a bounds violation and no transition."""
    init = (0, 0, 0, 0, 0, 0)
    seen, todo, transitions, outside = {init}, [init], 0, 0
    while todo:
        s = todo.pop()
        if variant == "capped" and s[0] > top:
            outside += 1
            continue
        for me in (0, 1):
            nxt, serving = s[0], s[1]
            pc, my = s[2 + 2 * me], s[3 + 2 * me]
            if pc == 0:
                if variant == "awaited" and nxt >= top + 1 or nxt + 1 > top + 1:
                    continue
                pc, my, nxt = 1, nxt, nxt + 1
            elif pc == 1:
                if serving != my:
                    continue
                pc = 2
            elif pc == 2:
                pc = 3
            else:
                pc, serving = 0, serving + 1
            transitions += 1
            t = list(s)
            t[0], t[1], t[2 + 2 * me], t[3 + 2 * me] = nxt, serving, pc, my
            n = tuple(t)
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return len(seen), transitions, outside


def explore(init: tuple, successors: Callable[[tuple], list[tuple]]) -> tuple[int, int]:
    """States and transitions reachable from `init`, each state's successors as listed."""
    seen, todo, transitions = {init}, [init], 0
    while todo:
        made = successors(todo.pop())
        transitions += len(made)
        for t in made:
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return len(seen), transitions


def fifo(variant: str, n: int = 3, cap: int = 2) -> tuple[int, int]:
    """lang_fifo.spec enumerated with Python tuples for the channel: (channel, received,
    whether each of sender and receiver is done, the sender's next message). A send to a
    full channel (overflow) and a head out of order (lossy) fail: no transition."""
    def successors(s: tuple) -> list[tuple]:
        chan, received, sent, taken, nxt = s
        made = []
        if not sent and (variant == "overflow" or len(chan) < cap):
            outs = [chan + (nxt,)] + ([chan] if variant == "lossy" else [])
            made += [(c, received, nxt + 1 == n, taken, nxt + 1) for c in outs if len(c) <= cap]
        if not taken and chan and chan[0] == received:
            made.append((chan[1:], received + 1, sent, received + 1 == n, nxt))
        return made
    return explore(((), 0, False, False, 0), successors)


def votes(variant: str, n: int = 3) -> tuple[int, int]:
    """lang_votes.spec with frozensets of (acceptor, value) pairs: (each acceptor's votes
    cast, the messages, the values decided). The learner decides v when over half of the
    messages vote for v; an acceptor votes once, or twice in `twice`."""
    def successors(s: tuple) -> list[tuple]:
        cast, msgs, decided = s
        made = []
        for a in range(n):
            if cast[a] < (2 if variant == "twice" else 1):
                done = cast[:a] + (cast[a] + 1,) + cast[a + 1:]
                made += [(done, msgs | {(a, v)}, decided) for v in (0, 1)]
        return made + [(cast, msgs, decided | {v}) for v in (0, 1)
                       if v not in decided and 2 * sum(1 for _, w in msgs if w == v) > n]
    return explore(((0,) * n, frozenset(), frozenset()), successors)


def links(variant: str, n: int = 3) -> tuple[int, int]:
    """lang_links.spec with Python tuples for the requests: (each node's pc: ask 0, link 1,
    done 2; the requests asked; the links made). A node links (a, me) for every request
    (a, me), when (me, a) was asked too unless `eager`."""
    def successors(s: tuple) -> list[tuple]:
        pcs, asked, linked = s
        made = []
        for me in range(n):
            after = pcs[:me] + (pcs[me] + 1,) + pcs[me + 1:]
            if pcs[me] == 0:
                made += [(after, asked | {(me, to)}, linked) for to in range(n) if to != me]
            elif pcs[me] == 1:
                made.append((after, asked, linked | {(a, b) for a, b in asked if b == me and (
                    variant == "eager" or (me, a) in asked)}))
        return made
    return explore(((0,) * n, frozenset(), frozenset()), successors)


def quorums(variant: str, n: int = 4) -> tuple[int, int]:
    """lang_quorums.spec with frozensets for the quorums: (each acceptor's vote or None, the
    quorums heard, the values learnt). The learner hears a quorum not heard yet whose
    acceptors all voted v and learns v; quorums are the majorities, or the pairs."""
    every = [frozenset(q) for k in range(n + 1) for q in itertools.combinations(range(n), k)]
    qs = [q for q in every if (2 * len(q) > n if variant == "majority" else len(q) == 2)]

    def successors(s: tuple) -> list[tuple]:
        votes, heard, learnt = s
        made = [(votes[:a] + (v,) + votes[a + 1:], heard, learnt)
                for a in range(n) if votes[a] is None for v in (0, 1)]
        return made + [(votes, heard | {q}, learnt | {v}) for q in qs if q not in heard
                       for v in (0, 1) if all(votes[a] == v for a in q)]
    return explore(((None,) * n, frozenset(), frozenset()), successors)


def tickets(variant: str) -> tuple[int, int]:
    """lang_tickets.spec: (each client's pc: buy 0, done 1; the office's pc; the tickets
    sold; the total; settled). The office settles once two tickets are sold; in
    `skip_last` it counts only tickets up to 46, and the assertion fails (no transition)
    when it skipped one."""
    def successors(s: tuple) -> list[tuple]:
        pcs, office, sold, total, settled = s
        made = [(pcs[:c] + (1,) + pcs[c + 1:], office, sold | {t}, total, settled)
                for c in (0, 1) if pcs[c] == 0 for t in (0, 23, 46, 69) if t not in sold]
        counted = sum(t for t in sold if variant == "settle" or t <= 46)
        if office == 0 and len(sold) == 2 and counted == sum(sold):
            made.append((pcs, 1, frozenset(), total + counted, True))
        return made
    return explore(((0, 0), 0, frozenset(), 0, False), successors)


def dtv(variant: str) -> tuple[int, int]:
    """lang_dtv.spec: (the loader's pc, the modules loaded, each slot's generation, the
    generation; the creator's pc, i, g and table, or None once it has spawned; the child's
    parameters and table, or None before). A child's use of a module its table
    lacks fails the assertion: no transition."""
    late = variant == "snapshot_late"

    def successors(s: tuple) -> list[tuple]:
        pc, loaded, gens, gen, creator, child = s
        made = []
        if pc == "add":
            m = min(k for k in range(3) if k not in loaded)
            made.append(("bump", loaded | {m}, gens[:m] + (gen + 1,) + gens[m + 1:], gen,
                         creator, child))
        elif pc == "bump":
            made.append(("add" if len(loaded) < 3 else "done", loaded, gens, gen + 1,
                         creator, child))
        if creator is not None:
            at, i, g, table = creator
            if at == "snap":
                made.append((pc, loaded, gens, gen, ("walk", i, gen, table), child))
            elif at == "walk":
                if i in loaded and (late or gens[i] <= g):
                    table = table | {i}
                after = ("walk", i + 1, g, table) if i < 2 else ("create", i, g, table)
                made.append((pc, loaded, gens, gen, after, child))
            else:
                g = gen if late else g
                made.append((pc, loaded, gens, gen, None, (table, g, table, g)))
        if child is not None:
            table, tgen, mine, dgen = child
            for m in sorted(loaded):
                if gens[m] > gen:
                    continue
                now, ngen = mine, dgen
                if dgen < gen:
                    now, ngen = frozenset(k for k in loaded if gens[k] <= gen), gen
                if m in now:
                    made.append((pc, loaded, gens, gen, creator, (table, tgen, now, ngen)))
        return made

    return explore(("add", frozenset({0}), (0, 0, 0), 0,
                    ("walk" if late else "snap", 0, 0, frozenset()), None), successors)


ENUMERATIONS: dict[str, Callable[[str], tuple[int, int]]] = {
    "lang_links.spec": links, "lang_quorums.spec": quorums, "lang_tickets.spec": tickets,
    "lang_votes.spec": votes,
    "lang_fifo.spec": fifo,
    "lang_peterson.spec": peterson, "lang_tcommit.spec": tcommit,
    "lang_constraint.spec": lambda variant: ticket_lock(variant)[:2], "lang_dtv.spec": dtv}


def verdict_text(v: Verdict) -> str:
    broken = sorted(p.name for p in v.properties if p.status == "violated")
    return "holds" if not broken else "violates " + ", ".join(broken)


def test_every_example_is_in_the_table() -> None:
    assert {r["spec"] for r in rows()} == {p.name for p in EXAMPLES.glob("lang_*.spec")}


@pytest.mark.parametrize("row", rows(), ids=lambda r: f"{r['spec']}:{r['variant']}")
def test_row_matches_the_engine_and_the_enumeration(row: dict[str, str]) -> None:
    v = run_variant(load(EXAMPLES / row["spec"]), row["variant"])[1]
    counts = (v.stats.distinct_states, v.stats.transitions)
    assert counts == (int(row["states"]), int(row["transitions"]))
    assert counts == ENUMERATIONS[row["spec"]](row["variant"])
    assert verdict_text(v) == row["verdict"] and v.expectation == "met"
