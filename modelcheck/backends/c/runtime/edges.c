/* mcheck native engine: the explored graph's edges, for the liveness check.
 *
 * The search keeps one parent per state; a cycle search needs every edge. `mc_edges`
 * re-expands stored states (by position, as `mc_states` reads them) and gives, for each,
 * its successors' positions with the thread that moved and the pc of the step it took,
 * in `expand`'s order, so the Python side (engine/native_graph.py) fills the same graph
 * engine/graph.py builds from Python steps, at C speed. The rules are graph.py's: a step
 * that cannot be evaluated keeps the edges it made before (as the search keeps those
 * states); a state with no successor repeats (an edge to itself by no thread, -1),
 * unless all it produced were failures; with `stutter` every state repeats.
 *
 * The exact store works (a position is the index). A fingerprint store keeps no states
 * to expand, and a canonical one's loops are not runs: both are refused.
 */

enum { E_ROOM = -1, E_MISSING = -2, E_STORE = -3 };

struct edges {
    int32_t *dst;
    int16_t *thread;
    int32_t *pc;
    int64_t n, cap;       /* edges written, room for */
    int entries;          /* label a signal's delivery with its handler's first pc */
    int failed, error;    /* a failure this state; E_ROOM or E_MISSING */
};

/* the position of a stored state (packed, with its hash), or -1 */
/* the stored state at a position, NULL past the last */
static const uint8_t *at_position(search_t *s, int64_t pos) {
    return pos >= 0 && pos < s->n ? state_at(s, pos) : NULL;
}

static int64_t position_of(search_t *s, const uint8_t *p, uint64_t h) {
    uint64_t slot;
    return find_exact(s, p, h, &slot);
}

static void edge_emit(ctx_t *c, uint64_t h, const uint8_t *p) {
    struct edges *e = c->s->edges;
    if (e->error) return;
    int64_t j = position_of(c->s, p, h);
    if (j < 0) { e->error = E_MISSING; return; }
    if (e->n == e->cap) { e->error = E_ROOM; return; }
    e->dst[e->n] = (int32_t)j;
    e->thread[e->n] = (int16_t)c->me;
    e->pc[e->n] = e->entries && c->entry ? c->entry : c->pc;
    e->n++;
}

/* a failure, or a step that cannot be evaluated, ends the run there */
static void edge_happen(ctx_t *c, int kind) {
    (void)kind;
    c->s->edges->failed = 1;
}

/* the edges of the states at positions first .. first + count - 1: start[k] .. start[k+1]
 * of dst/thread/pc are state first + k's. The number of edges, or E_ROOM (more than `cap`),
 * E_MISSING (a successor is not stored: the search was cut off), E_STORE (not an exact
 * store of real states). */
int64_t mc_edges(search_t *s, int64_t first, int64_t count, int entries, int stutter,
                 int64_t *start, int32_t *dst, int16_t *thread, int32_t *pc, int64_t cap) {
    if (s->fp_mode || s->canonical) return E_STORE;
    struct edges e = {dst, thread, pc, 0, cap, entries, 0, 0};
    int64_t v[W];
    s->edges = &e;
    for (int64_t k = 0; k < count && !e.error; k++) {
        const uint8_t *p = at_position(s, first + k);
        if (!p) { e.error = E_STORE; break; }
        start[k] = e.n;
        e.failed = 0;
        unpack(p, v);
        if (within(&s->ctx, v) == 1) expand(&s->ctx, v);  /* outside the constraint: stays */
        int moved = e.n > start[k];
        if ((stutter || !moved) && !(e.failed && !moved)) {
            if (e.n == e.cap) { e.error = E_ROOM; break; }
            e.dst[e.n] = (int32_t)(first + k);
            e.thread[e.n] = -1;
            e.pc[e.n] = -1;
            e.n++;
        }
    }
    start[count] = e.n;
    s->edges = NULL;
    s->npending = 0;
    return e.error ? e.error : e.n;
}

/* liveness predicate k (`live_predicate`; -1: every thread has finished) on the states at
 * positions first .. first + count - 1, 1 or 0 into out: 0, or -1 (it cannot be evaluated
 * in some state), -2 (not compiled, or its arithmetic overflows 64 bits) */
int mc_predicate(search_t *s, int k, int64_t first, int64_t count, int8_t *out) {
    int64_t v[W];
    int fatal = s->fatal, r = 0;
    s->fatal = 0;
    for (int64_t i = 0; i < count && !r; i++) {
        const uint8_t *p = at_position(s, first + i);
        if (!p) { r = -2; break; }
        unpack(p, v);
        int value = k < 0 ? !alive(v) : live_predicate(&s->ctx, k, v);
        if (value < 0) r = value;
        else out[i] = (int8_t)value;
    }
    if (s->fatal) r = -2;
    s->fatal = fatal;
    return r;
}

/* the position of a state (unpacked) in an exact store of real states, or -1 */
int64_t mc_position(search_t *s, const int64_t *v) {
    uint8_t p[PACKED];
    if (s->fp_mode || s->canonical) return -1;
    return position_of(s, p, pack_hash(v, p));
}
