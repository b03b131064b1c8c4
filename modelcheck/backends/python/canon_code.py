"""Straight-line Python for renaming ids and computing their signatures, per model.

The slot layout is fixed once the model is checked: which slots hold ids of
which symmetric type, which are bitmasks of ids, which lie in arrays indexed by
ids. Generic code would rediscover that for every state; the search
canonicalises every successor, so instead the layout is turned into source once
(as `codegen` does for steps) and each state is renamed by one tuple display.

Two functions come out:

- `sigs(s)`: for each symmetric type, `(signature, id)` for every id that may
  move, in id order, and each thread's block layout (-1: unused thread). A
  signature is what no renaming changes about an id: the plain slots of its
  thread block and of its elements in top-level arrays indexed by the type,
  which top-level variables hold it, which top-level sets contain it.
- `rename(s, layouts, P0, Q0, P1, Q1, ...)`: the state with each id k of type
  x renamed to Px[k]; Qx is the inverse, which says where each element of an
  array indexed by the type (or each thread block) comes from.

A thread block's layout depends on the template whose locals are live in it
(its pc, or the interrupted pc under a signal handler), so blocks dispatch on a
small layout number per pc; templates with the same id slots share one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...ir import model as M
from ...ir.typesys import ArrayType, OptionalType, RecordType, SetType, TidType, Type


@dataclass
class Roles:
    """Where values of one symmetric type sit: ids, bitmasks of ids, arrays indexed by ids."""

    values: list[int] = field(default_factory=list)
    nullable: set[int] = field(default_factory=set)  # value slots that may hold none
    masks: list[int] = field(default_factory=list)
    groups: list[tuple[int, int, bool]] = field(default_factory=list)  # base, width, top-level


def walk(t: Type, off: int, sorts: list[TidType], roles: list[Roles], nested: bool) -> None:
    inner = t.inner if isinstance(t, OptionalType) else t
    if inner in sorts:
        r = roles[sorts.index(inner)]  # type: ignore[arg-type]
        r.values.append(off)
        if isinstance(t, OptionalType):
            r.nullable.add(off)
    elif isinstance(t, SetType) and t.elem in sorts:
        roles[sorts.index(t.elem)].masks.append(off)  # type: ignore[arg-type]
    elif isinstance(t, ArrayType):
        w = t.elem.width()
        if t.key in sorts:
            roles[sorts.index(t.key)].groups.append((off, w, not nested))  # type: ignore
        for k in range(len(t.key.values())):
            walk(t.elem, off + k * w, sorts, roles, nested or t.key in sorts)
    elif isinstance(t, RecordType):
        for name, ft in t.fields:
            walk(ft, off + t.field(name)[0], sorts, roles, nested)  # type: ignore[index]


@dataclass
class Layout:
    """What the generated code needs to know about one model's slots."""

    sizes: list[int]
    tid: int | None                  # which symmetric type is tid, if any
    tb: int
    stride: int
    pool: int
    saved: int | None                # slot of a handler's interrupted pc
    globals: list[Roles]             # per type, absolute positions below tb
    blocks: list[list[Roles]]        # per block layout, per type, positions in the block
    plain: list[list[int]]           # per block layout: positions holding no id
    owner: dict[int, int]            # pc -> block layout; handler pcs are absent
    top_values: list[list[int]]      # per type: top-level slots holding one id
    top_masks: list[list[int]]       # per type: top-level sets of ids
    elem_plain: list[list[list[int]]]  # per type, per id: plain slots of its array elements


def layout(model: M.Model) -> Layout:
    sorts = list(model.symmetric)
    sizes = [len(s.values()) for s in sorts]
    tid = next((k for k, s in enumerate(sorts) if type(s) is TidType), None)
    glob = [Roles() for _ in sorts]
    for var in model.vars:
        walk(var.type, var.offset, sorts, glob, False)
    role_slots = {p for r in glob for p in [*r.values, *r.masks]}
    in_groups = _group_slots(glob, sizes, top=True)
    nested = _group_slots(glob, sizes, top=False)
    elem_plain = [[[p for base, w, top in r.groups if top
                    for p in range(base + k * w, base + (k + 1) * w)
                    if p not in role_slots and p not in nested]
                   for k in range(size)] for r, size in zip(glob, sizes)]
    blocks: list[list[Roles]] = []
    plain: list[list[int]] = []
    owner: dict[int, int] = {}
    for pc, locs in _owners(model).items():
        roles = [Roles() for _ in sorts]
        if tid is not None:
            roles[tid].values.append(1)  # parent
            roles[tid].nullable.add(1)
        for loc in [*model.thread_locals, *locs]:
            walk(loc.type, loc.slot, sorts, roles, False)
        key = [(r.values, sorted(r.nullable), r.masks) for r in roles]
        same = next((n for n, b in enumerate(blocks)
                     if [(r.values, sorted(r.nullable), r.masks) for r in b] == key), None)
        if same is None:
            same = len(blocks)
            blocks.append(roles)
            used = {p for r in roles for p in [*r.values, *r.masks]}
            plain.append([p for p in range(model.thread_stride) if p not in used])
        owner[pc] = same
    owner[M.PC_UNUSED] = -1  # never used: no block layout, and the id does not move
    return Layout(sizes, tid, model.thread_base, model.thread_stride, model.pool,
                  model.layout.saved if model.handlers else None, glob, blocks, plain, owner,
                  [[p for p in r.values if p not in in_groups] for r in glob],
                  [[p for p in r.masks if p not in in_groups] for r in glob], elem_plain)


def _owners(model: M.Model) -> dict[int, list[M.Local]]:
    """Each pc that is not a handler's, with the locals live while a thread is there."""
    out: dict[int, list[M.Local]] = {pc: [] for pc in range(M.FIRST_PC)}
    for t in model.templates.values():
        for step in t.steps:
            out[step.pc] = [*t.params, *t.locals]
    return out


def _group_slots(roles: list[Roles], sizes: list[int], top: bool) -> set[int]:
    """Slots inside arrays indexed by a symmetric type (top=False: only nested ones)."""
    return {p for r, size in zip(roles, sizes) for b, w, is_top in r.groups if top or not is_top
            for p in range(b, b + size * w)}


# ---------------------------------------------------------------------- source
def _renamed(src: str, x: int, role: str, size: int) -> str:
    """The expression for a slot read at `src` after renaming ids of type x."""
    if role == "plain":
        return f"s[{src}]"
    if role == "value":
        return f"P{x}[s[{src}]]"
    if role == "nullable":
        return f"(None if s[{src}] is None else P{x}[s[{src}]])"
    bits = " | ".join(f"(m >> {k} & 1) << p{x}_{k}" for k in range(1, size))
    return f"(0 if not (m := s[{src}]) else (m & 1) << p{x}_0{' | ' + bits if bits else ''})"


def roles_at(roles: list[Roles]) -> dict[int, tuple[int, str]]:
    out: dict[int, tuple[int, str]] = {}
    for x, r in enumerate(roles):
        for p in r.values:
            out[p] = (x, "nullable" if p in r.nullable else "value")
        for p in r.masks:
            out[p] = (x, "mask")
    return out


def _display(items: list[tuple[int, str | None]], base: str) -> str:
    """A tuple display; runs of plain slots (None) become one starred slice."""
    parts: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if run:
            parts.append(f"*s[{base}{run[0]}:{base}{run[-1] + 1}]" if len(run) > 1
                         else f"s[{base}{run[0]}]")
            run.clear()

    for p, expr in items:
        if expr is None and (not run or run[-1] == p - 1):
            run.append(p)
            continue
        flush()
        if expr is None:
            run.append(p)
        else:
            parts.append(expr)
    flush()
    return ", ".join(parts)


@dataclass(frozen=True)
class Source:
    """Where a renamed state reads one top-level slot: `base`, moved by each array indexed
    by ids that holds the slot ((type, index, element width): by width times the old id
    the new index stands for); and the slot's role (type, "plain", "value", "nullable"
    or "mask")."""

    base: int
    moved: list[tuple[int, int, int]]
    role: tuple[int, str]


def global_sources(lay: Layout) -> list[Source]:
    """Each top-level slot's `Source`, in slot order (the C back end reads them too)."""
    roles = roles_at(lay.globals)
    groups = [(b, w, x) for x, r in enumerate(lay.globals) for b, w, _ in r.groups]
    out = []
    for p in range(lay.tb):
        base, moved = p, []
        for b, w, x in groups:
            if b <= p < b + lay.sizes[x] * w:
                k = (p - b) // w
                base -= k * w
                moved.append((x, k, w))
        out.append(Source(base, moved, roles.get(p, (0, "plain"))))
    return out


def _global_items(lay: Layout) -> list[tuple[int, str | None]]:
    """Each top-level slot: None if it is copied as is, else its renamed expression."""
    items: list[tuple[int, str | None]] = []
    for p, src in enumerate(global_sources(lay)):
        x, role = src.role
        if not src.moved and role == "plain":
            items.append((p, None))
            continue
        at = " + ".join([str(src.base), *(f"q{y}_{k}*{w}" for y, k, w in src.moved)])
        items.append((p, _renamed(at, x, role, lay.sizes[x])))
    return items


def _dispatch(lay: Layout, layout_of: str, unused: str, per_layout: list[str]) -> list[str]:
    """An if-chain over block layouts: cheaper than a call per block for the few there are."""
    lines = [f"    if {layout_of} < 0: {unused}"]
    lines += [f"    elif {layout_of} == {L}: {stmt}" for L, stmt in enumerate(per_layout[:-1])]
    return [*lines, f"    else: {per_layout[-1]}"]


def _rename_lines(lay: Layout) -> list[str]:
    """Body lines returning s renamed, given O (block layouts) and Q0.. (new id -> old id).

    Array elements and thread blocks are gathered through Q; ids stored in slots are
    mapped through P, its inverse, built here with one store per id.
    """
    lines = []
    for x, size in enumerate(lay.sizes):
        qs = [f"q{x}_{k}" for k in range(size)]
        lines += [f"    {', '.join(qs)}, = Q{x}", f"    P{x} = [0] * {size}"]
        lines += [f"    P{x}[{q}] = {k}" for k, q in enumerate(qs)]
        lines.append(f"    {', '.join(f'p{x}_{k}' for k in range(size))}, = P{x}")
    renamed = []
    for roles in lay.blocks:
        at = roles_at(roles)
        items = [(p, None if p not in at else _renamed(f"b + {p}", *at[p], lay.sizes[at[p][0]]))
                 for p in range(lay.stride)]
        renamed.append(f"B = ({_display(items, 'b + ')},)")
    for j in range(lay.pool):
        i = f"q{lay.tid}_{j}" if lay.tid is not None else str(j)
        lines += [f"    b = {lay.tb} + {i} * {lay.stride}", f"    L = O[{i}]"]
        lines += _dispatch(lay, "L", f"B = s[b:b + {lay.stride}]", renamed)
        lines.append(f"    B{j} = B")
    parts = [_display(_global_items(lay), ""), *(f"*B{j}" for j in range(lay.pool))]
    lines.append(f"    return ({', '.join(p for p in parts if p)},)")
    return lines


def _pointee(lay: Layout, slot: int, x: int, role: str) -> list[str]:
    """What a thread's id slot says about it: the pc of the thread it names (-1: none),
    for other types whether it is none. Both survive renaming."""
    if x != lay.tid:
        return [f"s[{slot}] is None"] if role == "nullable" else []
    if role == "value":
        return [f"s[{lay.tb} + s[{slot}] * {lay.stride}]"]
    return [f"(-1 if (t := s[{slot}]) is None else s[{lay.tb} + t * {lay.stride}])"]


def _tuple(items: list[str]) -> str:
    """A tuple display of `items`, the empty one included (an id with no signature)."""
    return f"({', '.join(items)},)" if items else "()"


def _sig_lines(lay: Layout) -> list[str]:
    """Body lines leaving O0.. (each thread's block layout) and r0.. ((signature, id) pairs)."""
    lines = []
    for i in range(lay.pool):
        b = lay.tb + i * lay.stride
        if lay.saved is None:
            lines.append(f"    O{i} = OWNER[s[{b}]]")
        else:  # a handler's pc is not in OWNER: the interrupted pc says whose locals are live
            lines += [f"    O{i} = OWNER.get(s[{b}])",
                      f"    if O{i} is None: O{i} = OWNER[s[{b + lay.saved}]]"]
    for x, size in enumerate(lay.sizes):
        lines.append(f"    r{x} = []")
        for k in range(size):
            items = [f"s[{p}]" for p in lay.elem_plain[x][k]] + \
                [f"s[{p}] == {k}" for p in lay.top_values[x]] + \
                [f"s[{p}] >> {k} & 1" for p in lay.top_masks[x]]
            if x != lay.tid:
                lines.append(f"    r{x}.append(({_tuple(items)}, {k}))")
                continue
            b = lay.tb + k * lay.stride
            per_layout = []
            for L, roles in enumerate(lay.blocks):
                at = sorted(roles_at(roles).items())
                own = [_display([(b + p, None) for p in lay.plain[L]], "")] + \
                    [e for p, (y, role) in at if role != "mask"
                     for e in _pointee(lay, b + p, y, role)] + \
                    [f"s[{b + p}].bit_count()" for p, (_, role) in at if role == "mask"]
                per_layout.append(f"r{x}.append(({_tuple(own + items)}, {k}))")
            lines += _dispatch(lay, f"O{k}", "pass", per_layout)
    return lines


def source(lay: Layout) -> str:
    """`rename`, `sigs`, and `canon`: the canonical form when no signatures tie, else
    TIED(s, O, ranks) (the caller's search over the orders of tied ids)."""
    n = len(lay.sizes)
    owners = f"({', '.join(f'O{i}' for i in range(lay.pool))},)"
    ranks = ", ".join(f"r{x}" for x in range(n))
    lines = [f"def rename(s, O, {', '.join(f'Q{x}' for x in range(n))}):", *_rename_lines(lay)]
    lines += ["def sigs(s):", *_sig_lines(lay), f"    return {owners}, [{ranks}]"]
    lines += ["def canon(s):", *_sig_lines(lay)]
    for x in range(n):
        lines.append(f"    if len({{sig for sig, _ in r{x}}}) < len(r{x}): "
                     f"return TIED(s, {owners}, [{ranks}])")
    for x in range(n):
        lines += [f"    ids{x} = [k for _, k in r{x}]",
                  f"    try: r{x}.sort()",
                  f"    except TypeError: r{x}.sort(key=PAIR_KEY)",
                  f"    Q{x} = [k for _, k in r{x}]"]
    lines.append(f"    if {' and '.join(f'Q{x} == ids{x}' for x in range(n))}: return s")
    if lay.tid is not None:  # used thread ids are 0..u-1 unless start lines left gaps
        x = lay.tid
        lines += [f"    if not ids{x} or ids{x}[-1] == len(ids{x}) - 1: "
                  f"Q{x} += ALL{x}[len(Q{x}):]",
                  f"    else: Q{x} = FILL(ids{x}, Q{x}, {lay.sizes[x]})"]
    lines += [f"    O = {owners}", *_rename_lines(lay)]
    return "\n".join(lines) + "\n"


def fill_order(ids: list[int], order: list[int], size: int) -> list[int]:
    """New id -> old id when the movable ids are `ids` and the others stay put."""
    q = list(range(size))
    for new, old in zip(ids, order):
        q[new] = old
    return q


def compile_canon(model: M.Model, tied: Callable[[tuple], tuple],
                  pair_key: Callable[[tuple[tuple, int]], tuple]) -> tuple[Layout, dict[str, Any]]:
    """The layout and the namespace holding `rename`, `sigs` and `canon` for this model;
    `canon` calls `tied` when signatures tie and sorts by `pair_key` when none meets an int."""
    lay = layout(model)
    ns: dict[str, Any] = {"OWNER": lay.owner, "TIED": tied, "PAIR_KEY": pair_key,
                          "FILL": fill_order}
    if lay.tid is not None:
        ns[f"ALL{lay.tid}"] = list(range(lay.pool))
    exec(compile(source(lay), f"<mcheck canon {model.name}>", "exec"), ns)
    return lay, ns
