/* mcheck native engine: the breadth-first search, the same for every model.
 *
 * It meets states in the order the Python engine does (states of one depth in the
 * order they were first reached, each state's successors in `expand`'s order), so the
 * first violation of every property, and every parent link, are the ones the Python
 * engine finds: its traces are identical. It reports what it found as records that
 * the Python side turns into messages by re-running the one step involved.
 *
 * Two stores. Exact: every packed state kept once, in blocks, with the index of its
 * parent; a table of (index + 1) finds them. Fingerprint: a table of 64-bit
 * fingerprints only; the states of the level being expanded and of the next level
 * are the only states in memory, and each state's (fingerprint, parent fingerprint)
 * is appended to a log file, read backwards to rebuild a path. Both tables are open
 * addressing with linear probing over any capacity (an index is the high part of
 * hash * capacity), grown by half when full enough, so they stay between two loads.
 *
 * The search runs in slices (`mc_run` with a budget of states) so that the caller can
 * show progress, stop at a time limit and take Ctrl-C between two slices.
 */

enum { V_INVARIANT = 1, V_FAIL = 2, V_EVAL = 3, V_DEADLOCK = 4 };
enum { RUNNING = 0, DONE = 1, FATAL = 2 };
/* why it is incomplete (N_CONSTRAINT: the constraint could not be evaluated somewhere) */
enum { N_POOL = 1, N_EVAL = 2, N_STATES = 3, N_DEPTH = 4, N_CONSTRAINT = 5 };

#define BLOCK (1 << 16)           /* states per arena block */
#define NO_PARENT UINT64_MAX      /* the parent "fingerprint" of an initial state */
#define NO_INDEX UINT32_MAX

struct edges;
static void x_emit(ctx_t *c, const int64_t *v);
static void x_happen(ctx_t *c, int kind, int prop);
static void edge_emit(ctx_t *c, uint64_t h, const uint8_t *p);
static void edge_happen(ctx_t *c, int kind);

/* a successor waiting to be stored: a state's successors are hashed first, their table
 * slots fetched into the cache meanwhile, and stored after (in the same order) */
typedef struct { uint64_t h; uint8_t p[PACKED]; } pending_t;

typedef struct {
    int prop, kind, me, pc;
    int64_t depth;
    uint64_t key;                 /* exact: the state's index; else its fingerprint */
    uint8_t state[PACKED];
} viol_t;

struct search {
    int fp_mode, stop_at_first, check_deadlock, started;
    int canonical;                /* symmetry reduction: store each state's canonical form */
    int64_t max_states, max_depth;
    /* exact store */
    uint8_t **arena;
    uint32_t **parents;
    int64_t blocks, blocks_cap;
    uint64_t *ids;                /* hash's high half << 32 | index + 1 */
    /* fingerprint store */
    uint64_t *fps;
    uint8_t *cur, *nxt;
    uint64_t *cur_fp, *nxt_fp;
    int64_t nxt_n, nxt_cap, cur_cap, level_start;
    FILE *log;
    int64_t logged;
    uint8_t *initial;
    uint64_t *initial_fp;
    int64_t n_initial, initial_cap;
    /* either table */
    uint64_t cap, used;
    /* the search */
    int64_t n, next, level_end, depth, deepest;
    int frontier_full;
    int64_t fired[NPC];
    uint8_t violated[NPROPS];
    int nviolated;
    viol_t first[NPROPS];
    int notes[5], nnotes;     /* N_* codes, in the order first met */
    int64_t outside;          /* states outside the constraint: not expanded */
    int fatal, finished;
    uint64_t cur_key;
    int64_t cur_depth;
    uint8_t cur_packed[PACKED];
    ctx_t ctx;
    pending_t *pending;
    int64_t npending, pending_cap;
    /* replaying a path: the successor wanted, and whether it was met */
    int finding, found;
    uint64_t find_fp;
    uint8_t found_packed[PACKED];
    struct edges *edges;          /* listing stored states' edges (edges.c), not searching */
};

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t fmix(uint64_t k) {
    k ^= k >> 33; k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53ULL;
    return k ^ (k >> 33);
}

/* a packed state's 64-bit hash (of its words): the table index and, in fingerprint mode,
 * its identity */
static inline uint64_t hash_words(const uint64_t *w) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ PACKED;
    for (int i = 0; i < NWORDS; i++) {
        uint64_t k = w[i] * 0x87c37b91114253d5ULL;
        k = rotl(k, 31) * 0x4cf5ad432745937fULL;
        h = rotl(h ^ k, 27) * 5 + 0x52dce729;
    }
    h = fmix(h);
    if (h == 0) h = 1;                 /* 0 marks an empty table slot */
    if (h == NO_PARENT) h -= 1;
    return h;
}

static uint64_t hash_state(const uint8_t *p) {
    uint64_t w[NWORDS] = {0};
    memcpy(w, p, PACKED);
    return hash_words(w);
}

/* pack an unpacked state into p */
static inline void pack(const int64_t *v, uint8_t *p) {
    uint64_t w[NWORDS];
    pack_words(v, w);
    memcpy(p, w, PACKED);
}

/* pack an unpacked state into p and return its hash */
static inline uint64_t pack_hash(const int64_t *v, uint8_t *p) {
    uint64_t w[NWORDS];
    pack_words(v, w);
    memcpy(p, w, PACKED);
    return hash_words(w);
}

static inline uint64_t home(uint64_t h, uint64_t cap) {
    return (uint64_t)(((__uint128_t)h * cap) >> 64);
}

static void *grab(size_t bytes, search_t *s) {
    void *p = calloc(1, bytes ? bytes : 1);
    if (!p) s->fatal = 2;              /* out of memory: the caller says so */
    return p;
}

/* ------------------------------------------------------------------ exact store */

static inline uint8_t *state_at(search_t *s, int64_t i) {
    return s->arena[i / BLOCK] + (size_t)(i % BLOCK) * PACKED;
}

static inline uint32_t *parent_at(search_t *s, int64_t i) {
    return s->parents[i / BLOCK] + i % BLOCK;
}

/* the table index of a hash: from its high half only, which the exact table keeps */
static inline uint64_t home_hi(uint64_t h, uint64_t cap) {
    return home(h & 0xFFFFFFFF00000000ULL, cap);
}

/* the entries (hash's high half | index + 1) of table `old` moved into the empty `ids`; an
 * entry whose low half is 0 (empty, or a share's dropped state: share_store.c) is left out */
static void move_ids(const uint64_t *old, uint64_t old_cap, uint64_t *ids, uint64_t cap) {
    for (uint64_t i = 0; i < old_cap; i++) {
        uint64_t e = old[i];
        if (!(uint32_t)e) continue;
        uint64_t j = home_hi(e, cap);
        while (ids[j]) if (++j == cap) j = 0;
        ids[j] = e;
    }
}

static void grow_ids(search_t *s) {
    uint64_t cap = s->cap * 3 / 2 + 64;
    uint64_t *ids = grab(cap * sizeof *ids, s);
    if (!ids) return;
    move_ids(s->ids, s->cap, ids, cap);
    free(s->ids);
    s->ids = ids;
    s->cap = cap;
}

/* the index of a stored state, or -1 with *slot where it would go */
static int64_t find_exact(search_t *s, const uint8_t *p, uint64_t h, uint64_t *slot) {
    uint64_t j = home_hi(h, s->cap), tag = h >> 32;
    for (;;) {
        uint64_t e = s->ids[j];
        if (!e) { *slot = j; return -1; }
        if (e >> 32 == tag && !memcmp(state_at(s, (int64_t)(uint32_t)e - 1), p, PACKED))
            return (int64_t)(uint32_t)e - 1;
        if (++j == s->cap) j = 0;
    }
}

static int store_exact(search_t *s, const uint8_t *p, uint64_t h, uint64_t parent,
                       uint64_t *key) {
    uint64_t slot;
    int64_t old = find_exact(s, p, h, &slot);
    if (old >= 0) return 0;
    if (s->frontier_full || s->n == s->max_states) return -1;
    if (s->n >= (int64_t)NO_INDEX - 1) { s->fatal = 2; return -1; }
    if (s->n / BLOCK == s->blocks) {
        if (s->blocks == s->blocks_cap) {
            s->blocks_cap = s->blocks_cap * 2 + 16;
            s->arena = realloc(s->arena, s->blocks_cap * sizeof *s->arena);
            s->parents = realloc(s->parents, s->blocks_cap * sizeof *s->parents);
            if (!s->arena || !s->parents) { s->fatal = 2; return -1; }
        }
        s->arena[s->blocks] = grab((size_t)BLOCK * PACKED, s);
        s->parents[s->blocks] = grab((size_t)BLOCK * sizeof(uint32_t), s);
        if (s->fatal) return -1;
        s->blocks++;
    }
    memcpy(state_at(s, s->n), p, PACKED);
    *parent_at(s, s->n) = parent == NO_PARENT ? NO_INDEX : (uint32_t)parent;
    s->ids[slot] = (h & 0xFFFFFFFF00000000ULL) | (uint64_t)(s->n + 1);
    *key = (uint64_t)s->n;
    s->n++;
    if (++s->used * 4 > s->cap * 3) grow_ids(s);
    return 1;
}

/* ------------------------------------------------------------ fingerprint store */

static void grow_fps(search_t *s) {
    uint64_t cap = s->cap * 3 / 2 + 64;
    uint64_t *fps = grab(cap * sizeof *fps, s);
    if (!fps) return;
    for (uint64_t i = 0; i < s->cap; i++) {
        uint64_t f = s->fps[i];
        if (!f) continue;
        uint64_t j = home(f, cap);
        while (fps[j]) if (++j == cap) j = 0;
        fps[j] = f;
    }
    free(s->fps);
    s->fps = fps;
    s->cap = cap;
}

static int push(search_t *s, uint8_t **buf, uint64_t **fp, int64_t *count, int64_t *cap,
                const uint8_t *p, uint64_t f) {
    if (*count == *cap) {
        *cap = *cap * 2 + 1024;
        *buf = realloc(*buf, (size_t)*cap * PACKED);
        *fp = realloc(*fp, (size_t)*cap * sizeof **fp);
        if (!*buf || !*fp) { s->fatal = 2; return 0; }
    }
    memcpy(*buf + (size_t)*count * PACKED, p, PACKED);
    (*fp)[(*count)++] = f;
    return 1;
}

static int store_fp(search_t *s, const uint8_t *p, uint64_t f, uint64_t parent) {
    uint64_t j = home(f, s->cap);
    for (;;) {
        uint64_t e = s->fps[j];
        if (!e) break;
        if (e == f) return 0;
        if (++j == s->cap) j = 0;
    }
    if (s->frontier_full || s->n == s->max_states) return -1;
    if (!push(s, &s->nxt, &s->nxt_fp, &s->nxt_n, &s->nxt_cap, p, f)) return -1;
    uint64_t rec[2] = {f, parent};
    if (fwrite(rec, sizeof rec, 1, s->log) != 1) { s->fatal = 3; return -1; }
    s->logged++;
    s->fps[j] = f;
    s->n++;
    if (++s->used * 4 > s->cap * 3) grow_fps(s);
    return 1;
}

/* ------------------------------------------------------------- what was found */

static void note(search_t *s, int code) {
    for (int k = 0; k < s->nnotes; k++)
        if (s->notes[k] == code) return;
    s->notes[s->nnotes++] = code;
}

static void record(search_t *s, int prop, int kind, int64_t depth, uint64_t key,
                   const uint8_t *state) {
    if (s->violated[prop]) return;
    s->violated[prop] = 1;
    s->nviolated++;
    viol_t *v = &s->first[prop];
    v->prop = prop; v->kind = kind; v->depth = depth; v->key = key;
    v->me = kind == V_FAIL || kind == V_EVAL ? s->ctx.me : -1;
    v->pc = kind == V_FAIL || kind == V_EVAL ? s->ctx.pc : -1;
    memcpy(v->state, state, PACKED);
    if (s->stop_at_first || s->nviolated == NPROPS) s->finished = 1;
}

static void check_state(search_t *s, const int64_t *v, uint64_t key, int64_t depth,
                        const uint8_t *p) {
    for (int k = 0; k < NINV; k++) {
        int prop = INV_PROP[k];
        if (!s->violated[prop] && invariant(&s->ctx, k, v) != 1)
            record(s, prop, V_INVARIANT, depth, key, p);
    }
}

/* a result of a held step (kind 0: the state v), kept until the step is done */
static void keep(ctx_t *c, int kind, int prop, const int64_t *v) {
    if (c->nheld == c->held_cap) {
        int64_t cap = c->held_cap * 2 + 16;
        int64_t *held = realloc(c->held, (size_t)cap * (W + 2) * sizeof *held);
        if (!held) { c->s->fatal = 2; return; }
        c->held = held;
        c->held_cap = cap;
    }
    int64_t *r = c->held + c->nheld++ * (W + 2);
    r[0] = kind;
    r[1] = prop;
    if (v) memcpy(r + 2, v, W * sizeof *v);
}

/* a held step is done: its results if none failed, else only the failure */
static void release(ctx_t *c) {
    c->hold = 0;
    if (c->bad) {
        c->nheld = 0;
        happen(c, H_EVAL, 0);
        return;
    }
    for (int64_t i = 0; i < c->nheld; i++) {
        int64_t *r = c->held + i * (W + 2);
        if (r[0]) happen(c, (int)r[0], (int)r[1]);
        else emit(c, r + 2);
    }
    c->nheld = 0;
}

/* a state a step made: kept for `store_pending` in its stored form (canonical under
 * symmetry), its table slot fetched meanwhile. Replaying a path looks for the successor
 * whose stored form has the fingerprint wanted, and keeps the state itself: a trace is a
 * real execution. */
static void emit(ctx_t *c, const int64_t *v) {
    if (c->hold) { keep(c, 0, 0, v); return; }
    if (c->x) { x_emit(c, v); return; }
    search_t *s = c->s;
    if (s->npending == s->pending_cap) {
        s->pending_cap = s->pending_cap * 2 + 64;
        pending_t *more = realloc(s->pending, (size_t)s->pending_cap * sizeof *more);
        if (!more) { s->fatal = 2; return; }
        s->pending = more;
    }
    pending_t *q = &s->pending[s->npending];
    int64_t buf[W];
    q->h = pack_hash(s->canonical ? canon(v, buf) : v, q->p);
    if (s->edges) { edge_emit(c, q->h, q->p); return; }
    if (s->finding) {
        if (!s->found && q->h == s->find_fp) { s->found = 1; pack(v, s->found_packed); }
        return;
    }
    s->npending++;
    s->fired[c->pc]++;
    c->results++;
    __builtin_prefetch(s->fp_mode ? (void *)&s->fps[home(q->h, s->cap)]
                                  : (void *)&s->ids[home_hi(q->h, s->cap)]);
}

/* the successors of the state just expanded, in order: stored and checked if new, cut off
 * at a limit */
static void store_pending(search_t *s) {
    int64_t v[W];
    for (int64_t k = 0; k < s->npending; k++) {
        pending_t *q = &s->pending[k];
        uint64_t key = q->h;
        int r = s->fp_mode ? store_fp(s, q->p, q->h, s->cur_key)
                           : store_exact(s, q->p, q->h, s->cur_key, &key);
        if (r < 0) {
            if (!s->fatal) note(s, s->frontier_full ? N_DEPTH : N_STATES);
            continue;
        }
        if (r == 0) continue;
        if (s->cur_depth + 1 > s->deepest) s->deepest = s->cur_depth + 1;
        unpack(q->p, v);
        check_state(s, v, key, s->cur_depth + 1, q->p);
    }
    s->npending = 0;
}

static void happen(ctx_t *c, int kind, int prop) {
    if (kind == H_EVAL) c->bad = 1;
    if (c->hold) {
        if (kind != H_EVAL) keep(c, kind, prop, NULL);  /* the failure: when released */
        return;
    }
    if (c->x) { x_happen(c, kind, prop); return; }
    search_t *s = c->s;
    if (s->edges) { edge_happen(c, kind); return; }
    if (s->finding) return;
    c->results++;
    if (kind == H_BOUND) { note(s, N_POOL); return; }
    if (kind == H_EVAL) { note(s, N_EVAL); prop = EVAL_PROP; }
    record(s, prop, kind == H_EVAL ? V_EVAL : V_FAIL, s->cur_depth + 1, s->cur_key, s->cur_packed);
}

static void overflow(ctx_t *c) { c->s->fatal = 1; }

/* fingerprint mode: the next level's states become the ones to expand */
static void next_level(search_t *s) {
    uint8_t *b = s->cur; s->cur = s->nxt; s->nxt = b;
    uint64_t *f = s->cur_fp; s->cur_fp = s->nxt_fp; s->nxt_fp = f;
    int64_t c = s->cur_cap; s->cur_cap = s->nxt_cap; s->nxt_cap = c;
    s->nxt_n = 0;
}

static int alive(const int64_t *v) {
    for (int i = 0; i < POOL; i++)
        if (v[TB + i * STRIDE] >= 3) return 1;
    return 0;
}

/* one thread: expand up to `budget` states; RUNNING while states are left, DONE, or FATAL */
static int single_run(search_t *s, int64_t budget) {
    int64_t v[W];
    if (!s->started) {
        s->started = 1;
        s->level_end = s->n;
        s->frontier_full = s->max_depth == 0;
        if (s->fp_mode) next_level(s);  /* the initial states are the first level */
    }
    while (budget-- > 0 && !s->finished && s->next < s->n) {
        if (s->fatal) return FATAL;
        if (s->next == s->level_end) {
            s->depth++;
            if (s->fp_mode) {
                next_level(s);
                s->level_start = s->level_end;
            }
            s->level_end = s->n;
            s->frontier_full = s->max_depth >= 0 && s->depth >= s->max_depth;
        }
        if (s->fp_mode) {
            int64_t k = s->next - s->level_start;
            memcpy(s->cur_packed, s->cur + (size_t)k * PACKED, PACKED);
            s->cur_key = s->cur_fp[k];
        } else {
            memcpy(s->cur_packed, state_at(s, s->next), PACKED);
            s->cur_key = (uint64_t)s->next;
        }
        s->cur_depth = s->depth;
        unpack(s->cur_packed, v);
        s->ctx.results = 0;
        /* TLC's CONSTRAINT: a state where it is false, or cannot be evaluated (-1), is
         * not expanded, and so is no deadlock; `within` is 1 without a constraint */
        int in = within(&s->ctx, v);
        if (in == 1) expand(&s->ctx, v);
        else { s->outside++; if (in < 0) note(s, N_CONSTRAINT); }
        store_pending(s);
        if (in == 1 && !s->ctx.results && s->check_deadlock && alive(v))
            record(s, DEADLOCK_PROP, V_DEADLOCK, s->depth, s->cur_key, s->cur_packed);
        s->next++;
    }
    if (s->fatal) return FATAL;
    return s->finished || s->next >= s->n ? DONE : RUNNING;
}
