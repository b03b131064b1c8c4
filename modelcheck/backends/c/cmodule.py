"""One model's native verifier as a single C translation unit.

The generated part is only what depends on the model (as SPIN's generator writes only
the state vector and the transitions): its constants, how a state is packed, its
`def`s and invariants, one function per step per thread id, the signal-handler entries
and exit destructors of each thread id, and `expand`, which runs them in the Python
back end's order. The fixed runtime (`runtime/head.h` before it, `runtime/search.c`
and the rest after it) is the same for every model.
"""

from __future__ import annotations

from importlib.resources import files

from ...ir import model as M
from ...ir.walk import statements
from .ccanon import CanonC
from .cexpr import CExpr, Unsupported, Where
from .cfingerprint import fingerprint_source
from .cstmt import CStmt, Path
from .layout import Layout, layout, pack_source

NOWHERE_THREAD = Where(me="NONE", tb="0")  # invariants and defs run on no thread


def runtime(name: str) -> str:
    return (files(__package__) / "runtime" / name).read_text(encoding="utf-8")


def c_source(model: M.Model) -> tuple[str, Layout]:
    """The C source of the model's verifier, and the layout of its states."""
    lay = layout(model)
    gen = _Module(model, lay)
    return gen.source(), lay


class _Module:
    def __init__(self, model: M.Model, lay: Layout) -> None:
        self.m, self.lay = model, lay
        self.x = CExpr(model, list(model.symmetric))
        self.st = CStmt(model, self.x)

    def source(self) -> str:
        m = self.m
        names = [p.name for p in m.properties]
        defines = {
            "W": self.lay.width, "PACKED": self.lay.size, "NWORDS": self.lay.words,
            "POOL": m.pool, "TB": m.thread_base, "STRIDE": m.thread_stride,
            "NPC": max(m.steps_by_pc, default=0) + 1, "NPROPS": len(names),
            "NINV": len(m.invariants), "EVAL_PROP": names.index("runtime"),
            "DEADLOCK_PROP": names.index("deadlock") if "deadlock" in names else 0,
        }
        head = "".join(f"#define {k} {v}\n" for k, v in defines.items())
        return "\n".join([
            f"/* the native verifier of {m.name}, variant {m.variant} (generated) */",
            head, runtime("head.h"), pack_source(self.lay), fingerprint_source(self.lay),
            self.canon(), self.defs(), self.invariants(), self.within(), self.predicates(),
            self.threads(), runtime("search.c"), runtime("api.c"), runtime("edges.c"),
            runtime("share_store.c"), runtime("shard.c")])

    def canon(self) -> str:
        """The canonical form of a state under the spec's `symmetric` declarations (the
        search asks for it only when symmetry reduction is on); else the state itself."""
        if not self.m.symmetric:
            return ("static const int64_t *canon(const int64_t *v, int64_t *out) {\n"
                    "    (void)out;\n    return v;\n}\n")
        gen = CanonC(self.m, self.lay)
        return "\n".join([gen.head(), runtime("canon.c"), gen.functions()])

    # ------------------------------------------------------------ defs, invariants
    def defs(self) -> str:
        sigs = {d.name: f"static int64_t d_{d.name}(ctx_t *c, const int64_t *v"
                        + "".join(f", int64_t b{p.uid}" for p in d.params) + ", int *bad)"
                for d in self.m.defs.values()}
        out = [sig + ";" for sig in sigs.values()]
        for d in self.m.defs.values():
            body = self.x.ex(d.body, NOWHERE_THREAD)
            out.append(f"{sigs[d.name]} {{\n    (void)c;\n    return {body};\n"
                       "ERR: __attribute__((unused));\n    *bad = 1;\n    return 0;\n}")
        return "\n".join(out) + "\n"

    def invariants(self) -> str:
        out = []
        for k, inv in enumerate(self.m.invariants):
            try:
                body = self.x.ex(inv.expr, NOWHERE_THREAD)
            except Unsupported as e:
                raise Unsupported(e.message, inv.pos) from None
            out.append(f"static int inv{k}(ctx_t *c, const int64_t *v) {{\n    (void)c;\n"
                       f"    return ({body}) ? 1 : 0;\nERR: __attribute__((unused));\n"
                       "    return -1;\n}")
        cases = "".join(f"    case {k}: return inv{k}(c, v);\n"
                        for k in range(len(self.m.invariants)))
        props = [p.name for p in self.m.properties]
        ids = [props.index(inv.name) for inv in self.m.invariants] + [0]
        out.append(f"static const int INV_PROP[NINV + 1] = {{{', '.join(map(str, ids))}}};")
        out.append("static int invariant(ctx_t *c, int k, const int64_t *v) {\n"
                   f"    switch (k) {{\n{cases}    }}\n    (void)c; (void)v;\n    return 1;\n}}")
        return "\n".join(out) + "\n"

    def within(self) -> str:
        """The spec's `constraint`s: 1 where all hold, 0 where one is false, -1 where one
        cannot be evaluated (the search expands only states where it is 1)."""
        tests = []
        for con in self.m.constraints:
            try:
                tests.append(f"    if (!({self.x.ex(con.cond, NOWHERE_THREAD)})) return 0;\n")
            except Unsupported as e:
                raise Unsupported(e.message, con.pos) from None
        return ("static int within(ctx_t *c, const int64_t *v) {\n    (void)c; (void)v;\n"
                + "".join(tests) + "    return 1;\nERR: __attribute__((unused));\n"
                "    return -1;\n}\n")

    def predicates(self) -> str:
        """The liveness properties' state predicates, numbered instance by instance (P, then
        Q), for `mc_predicate`. One the C back end does not compile answers -2 and the
        liveness check evaluates it in Python: liveness never makes the native engine
        refuse a spec."""
        exprs = [e for live in (self.m.temporal.properties if self.m.temporal else [])
                 for e in live.exprs]
        out, cases = [], []
        for k, e in enumerate(exprs):
            try:
                body = self.x.ex(e, NOWHERE_THREAD)
            except Unsupported:
                continue
            out.append(f"static int live{k}(ctx_t *c, const int64_t *v) {{\n    (void)c;\n"
                       f"    return ({body}) ? 1 : 0;\nERR: __attribute__((unused));\n"
                       "    return -1;\n}")
            cases.append(f"    case {k}: return live{k}(c, v);\n")
        out.append("static int live_predicate(ctx_t *c, int k, const int64_t *v) {\n"
                   f"    switch (k) {{\n{''.join(cases)}    }}\n    (void)c; (void)v;\n"
                   "    return -2;\n}")
        return "\n".join(out) + "\n"

    # ---------------------------------------------------------------- threads
    def threads(self) -> str:
        """Every step once, with the running thread's id and block offset as arguments (in
        C they cost an addition; one copy per thread id would multiply compile time)."""
        m = self.m
        where = Where(me="me", tb="tb")
        out: list[str] = []
        cases: list[str] = []
        entries = [f"e_{h.index}(c, s, me, tb);" for h in m.handlers]
        for t in [*m.templates.values(), *m.handlers]:
            last = M.PC_RETURN if t.kind == "handler" else M.PC_DONE
            for i, step in enumerate(t.steps):
                nxt = t.steps[i + 1].pc if i + 1 < len(t.steps) else last
                path = Path(where, next_pc=nxt,
                            handler=t.index if t.kind == "handler" else None)
                out.append(self.function(f"s_{step.pc}", step.body, path))
                cases.append(self.case(step.pc, [f"s_{step.pc}(c, s, me, tb);", *entries],
                                       bool(m.handlers) or M.branches(step.body)))
        lay = m.layout
        for h in m.handlers:
            bit = f"{1 << h.index}LL"
            nxt = h.steps[1].pc if len(h.steps) > 1 else M.PC_RETURN
            guard = (f"if (!(s[tb + {lay.installed}] & {bit}) || (s[tb + {lay.masked}] & "
                     f"{bit}) || (s[tb + {lay.active}] & {bit}) || s[tb + {lay.depth}] >= "
                     f"{lay.max_depth}) return; c->entry = {h.steps[0].pc};")
            enter = (f"{{ int64_t d = v[tb + {lay.depth}]; v[tb + {lay.saved} + d] = v[tb]; "
                     f"v[tb + {lay.depth}] = d + 1; v[tb + {lay.active}] |= {bit}; }}")
            path = Path(where, next_pc=nxt, handler=h.index)
            out.append(self.function(f"e_{h.index}", h.steps[0].body, path, (guard, enter)))
        for d in m.destructors:
            bit = f"{1 << d.index}LL"
            guard = f"if (!(s[tb + {lay.dtors}] & {bit})) return;"
            out.append(self.function(f"x_{d.index}", d.body, Path(where, terminal="dtor"),
                                     (guard, f"v[tb + {lay.dtors}] &= ~{bit};")))
        if m.destructors:
            cases.append(self.case(M.PC_EXITING, [
                *(f"x_{d.index}(c, s, me, tb);" for d in m.destructors), *entries], True))
        out.append("static void expand(ctx_t *c, const int64_t *s) {\n"
                   "    for (int me = 0; me < POOL; me++) {\n"
                   "        int tb = TB + me * STRIDE;\n"
                   f"        if (s[tb] < {M.PC_EXITING}) continue;\n"
                   "        c->me = me; c->pc = (int)s[tb]; c->bad = 0; c->entry = 0;\n"
                   "        switch (s[tb]) {\n" + "\n".join("    " + x for x in cases)
                   + "\n        }\n    }\n}")
        return "\n".join(out) + "\n"

    def case(self, pc: int, calls: list[str], generator: bool) -> str:
        """What a thread at `pc` runs: its step, exit destructors, signal-handler entries.
        An evaluation error ends it, as it ends the Python back end's generator of them.
        Under `symmetric` declarations what is a generator there (`generator`) keeps its
        results only if none failed (`system._all_or_nothing`): they are held till done."""
        body = " ".join([calls[0], *(f"if (!c->bad) {call}" for call in calls[1:])])
        if generator and self.m.symmetric:
            body = f"c->hold = 1; {body} release(c);"
        return f"    case {pc}: {body} break;"

    def function(self, name: str, body: tuple[M.Stmt, ...], path: Path,
                 prologue: tuple[str, str] | None = None) -> str:
        """One step as a C function of the state: its successors go to `emit`."""
        forks = sum(isinstance(st, M.Fork) for st in statements(body))
        self.st.lines = []
        if prologue is None:
            self.st.body(list(body), 1, path)
        else:
            guard, enter = prologue
            self.st.out(1, guard)
            self.st.copy(1, "s")
            self.st.out(1, enter)
            self.st.body(list(body), 1, path, copy=False)
        return (f"static void {name}(ctx_t *c, const int64_t *s, int me, int tb) {{\n"
                "    int64_t *v = (int64_t *)s;\n"
                f"    int fkb[{forks + 1}], fks[{forks + 1}], nfk = 0;\n"
                "    (void)fkb; (void)fks; (void)nfk; (void)v; (void)me; (void)tb;\n"
                + "\n".join(self.st.lines) + "\n    return;\n"
                "ERR: __attribute__((unused));\n    happen(c, H_EVAL, 0);\n}")
