"""Symmetry reduction in the native engine: the model's part of the canonical form, as C.

The native search stores each successor in the canonical form of the Python back end
(`backends/python/canon.py`), bit for bit: any other representative would make it meet
states in another order, and its traces would differ. So the slot roles come from the
same place (`canon_code.layout`) and the generated code mirrors `canon_code`'s:

- `canon_sigs`: each movable id's signature, the items `canon_code.sigs` puts in its
  tuple, in the same order, as `sig_t` numbers that order as Python orders the items
  (`none` lowest; a set of 64 values is unsigned, so `sig_t` is 128 bits when a
  signature may hold one);
- `canon_rename`: a state with its ids renamed (`canon_code.rename`);
- `state_less`: the order of two states, which picks the least of tied images.

`runtime/canon.c`, between the two parts, is what every model shares: ordering ids by
signature, refining tied thread ids, trying the arrangements of ids still tied.
"""

from __future__ import annotations

from ...ir import model as M
from ..python.canon_code import Layout as Roles
from ..python.canon_code import global_sources, layout, roles_at
from .layout import Layout

WIDE = 1 << 63  # a slot that may hold this or more is read as unsigned


class CanonC:
    """The generated part of one model's canonical form: `head` before `runtime/canon.c`
    (its sizes and tables), `functions` after it."""

    def __init__(self, model: M.Model, lay: Layout) -> None:
        self.m, self.lay = model, lay
        self.r: Roles = layout(model)
        self.wide = {k for k, f in enumerate(lay.fields) if f.slot.hi >= WIDE}

    # ------------------------------------------------------------------ head
    def head(self) -> str:
        r, tid = self.r, self.r.tid
        links = [roles[tid].values if tid is not None else [] for roles in r.blocks]
        owner = [r.owner.get(pc, -2) for pc in range(max(self.m.steps_by_pc, default=0) + 1)]
        sig_t = "__int128" if self._wide_sigs() else "int64_t"
        defines = {
            "NSORTS": len(r.sizes), "MAXN": max(r.sizes), "SIGLEN": max(1, self._siglen()),
            "TID_SORT": -1 if tid is None else tid, "NLAYOUTS": len(r.blocks),
            "MAXLINKS": max([1, *map(len, links)]),
            "SAVED": -1 if r.saved is None else r.saved,
        }
        rows = ", ".join("{" + (", ".join(map(str, row)) or "0") + "}" for row in links)
        counts = ", ".join(str(len(row)) for row in links)
        return "\n".join([
            "/* symmetry: the model's sizes and tables (generated; see runtime/canon.c) */",
            *(f"#define {k} {v}" for k, v in defines.items()),
            f"typedef {sig_t} sig_t;",
            f"static const int SIZES[NSORTS] = {{{', '.join(map(str, r.sizes))}}};",
            "/* per pc: whose locals a thread there has (-1 unused, -2 a handler's pc) */",
            f"static const int16_t OWNER[NPC] = {{{', '.join(map(str, owner))}}};",
            "/* per block layout: its slots holding a thread id (the parent first) */",
            f"static const int NLINK[NLAYOUTS] = {{{counts}}};",
            f"static const int LINK[NLAYOUTS][MAXLINKS] = {{{rows}}};",
        ]) + "\n"

    def _items(self, x: int, k: int) -> list[str]:
        """The items every id has, after its thread block's (`canon_code._sig_lines`)."""
        r = self.r
        return [self._plain(p) for p in r.elem_plain[x][k]] + \
            [f"v[{p}] == {k}" for p in r.top_values[x]] + \
            [f"((uint64_t)v[{p}] >> {k} & 1)" for p in r.top_masks[x]]

    def _block_items(self, L: int) -> list[str]:
        """A thread block's items in block layout L, its slots read at `b + p`."""
        r, tid = self.r, self.r.tid
        at = sorted(roles_at(r.blocks[L]).items())
        out = [self._plain(p, "b + ") for p in r.plain[L]]
        for p, (y, role) in at:
            slot = f"v[b + {p}]"
            if role == "mask":
                continue
            if y == tid:
                pc = f"v[TB + {slot} * STRIDE]"
                out.append(pc if role == "value" else f"({slot} == NONE ? -1 : {pc})")
            elif role == "nullable":
                out.append(f"{slot} == NONE")
        return out + [f"__builtin_popcountll((uint64_t)v[b + {p}])"
                      for p, (_, role) in at if role == "mask"]

    def _plain(self, p: int, base: str = "") -> str:
        at = p + (self.r.tb if base else 0)
        slot = f"v[{base}{p}]"
        if at not in self.wide:
            return slot
        if self.lay.fields[at].slot.none:
            return f"({slot} == NONE ? (sig_t)NONE : (sig_t)(uint64_t){slot})"
        return f"(sig_t)(uint64_t){slot}"  # NONE's bits are the set holding 63 alone

    def _siglen(self) -> int:
        r = self.r
        blocks = max((len(self._block_items(L)) for L in range(len(r.blocks))), default=0)
        return max(len(self._items(x, k)) + (blocks if x == r.tid else 0)
                   for x, size in enumerate(r.sizes) for k in range(size))

    def _wide_sigs(self) -> bool:
        r = self.r
        used = {p for x in range(len(r.sizes)) for ps in r.elem_plain[x] for p in ps}
        used |= {r.tb + p for plain in r.plain for p in plain}
        return bool(used & self.wide)

    # ------------------------------------------------------------- functions
    def functions(self) -> str:
        return "\n".join([self._sigs(), self._rename(), self._less()]) + "\n"

    def _sigs(self) -> str:
        r = self.r
        out = ["static int block_sig(const int64_t *v, int L, int b, sig_t *g) {",
               "    switch (L) {"]
        for L in range(len(r.blocks)):
            items = self._block_items(L)
            out.append(f"    case {L}:")
            out += [f"        g[{i}] = {e};" for i, e in enumerate(items)]
            out.append(f"        return {len(items)};")
        out += ["    }", "    (void)v; (void)b; (void)g;", "    return 0;", "}", "",
                "/* the movable ids of each symmetric type, with their signatures */",
                "static void canon_sigs(const int64_t *v, const int *O, sort_t *S) {",
                "    sig_t *g; int n;", "    (void)g; (void)n; (void)O;"]
        for x, size in enumerate(r.sizes):
            out.append(f"    S[{x}].n = 0;")
            for k in range(size):
                items = self._items(x, k)
                fill = [f"g[n++] = {e};" for e in items]
                start = f"n = block_sig(v, O[{k}], TB + {k} * STRIDE, g);" if x == r.tid \
                    else "n = 0;"
                body = (f"g = S[{x}].sig[S[{x}].n]; {start} {' '.join(fill)} "
                        f"S[{x}].len[S[{x}].n] = n; S[{x}].ids[S[{x}].n++] = {k};")
                out.append(f"    if (O[{k}] >= 0) {{ {body} }}" if x == r.tid
                           else f"    {body}")
        out.append("}")
        return "\n".join(out)

    def _rename(self) -> str:
        r = self.r
        out = ["/* v with each id k of type x renamed to the id j with Q[x][j] == k */",
               "static void canon_rename(const int64_t *v, const int *O, int Q[][MAXN], "
               "int64_t *out) {",
               "    int P[NSORTS][MAXN];",
               "    for (int x = 0; x < NSORTS; x++)",
               "        for (int k = 0; k < SIZES[x]; k++) P[x][Q[x][k]] = k;",
               "    memcpy(out, v, sizeof(int64_t) * TB);"]
        for p, src in enumerate(global_sources(r)):
            x, role = src.role
            if src.moved or role != "plain":
                at = " + ".join([str(src.base), *(f"Q[{y}][{k}] * {w}" for y, k, w in src.moved)])
                out.append(f"    out[{p}] = {_renamed(f'v[{at}]', x, role)};")
        block = "Q[TID_SORT][j]" if r.tid is not None else "j"
        out += ["    for (int j = 0; j < POOL; j++) {",
                f"        int i = {block};",
                "        const int64_t *f = v + TB + i * STRIDE;",
                "        int64_t *t = out + TB + j * STRIDE;",
                "        memcpy(t, f, sizeof(int64_t) * STRIDE);",
                "        switch (O[i]) {"]
        for L, roles in enumerate(r.blocks):
            moves = [f"t[{p}] = {_renamed(f'f[{p}]', x, role)};"
                     for p, (x, role) in sorted(roles_at(roles).items())]
            out.append(f"        case {L}: {' '.join(moves)} break;")
        out += ["        }", "    }", "    (void)P;", "}"]
        return "\n".join(out)

    def _less(self) -> str:
        """Whether state a comes before b in Python's order of tuples (none lowest); a
        wide slot is unsigned (WIDE 1), or unsigned but for none if it may hold none (2)."""
        wide = {k: 1 + self.lay.fields[k].slot.none for k in sorted(self.wide)}
        lines = ["static int state_less(const int64_t *a, const int64_t *b) {"]
        if wide:
            flags = ", ".join(f"[{k}] = {f}" for k, f in wide.items())
            lines.append(f"    static const uint8_t WIDE[W] = {{{flags}}};")
        lines += ["    for (int k = 0; k < W; k++) {",
                  "        if (a[k] == b[k]) continue;"]
        if wide:
            lines.append("        if (WIDE[k] == 1 || (WIDE[k] && a[k] != NONE && b[k] != NONE))"
                         " return (uint64_t)a[k] < (uint64_t)b[k];")
        lines += ["        return a[k] < b[k];", "    }", "    return 0;", "}"]
        return "\n".join(lines)


def _renamed(slot: str, x: int, role: str) -> str:
    """The C expression for `slot` after renaming ids of type x (`canon_code._renamed`)."""
    if role == "plain":
        return slot
    if role == "value":
        return f"P[{x}][{slot}]"
    if role == "nullable":
        return f"({slot} == NONE ? NONE : P[{x}][{slot}])"
    return f"remask({slot}, P[{x}], SIZES[{x}])"

