/* mcheck native engine: one share of the level search that Python coordinates.
 *
 * The level search (engine/levels.py) asks each share to expand its part of a level,
 * routes the successors by fingerprint and ranks the new states; with the native
 * engine a share (engine/native_share.py) hands its frontier here as packed states
 * and gets back, per successor, its packed stored form, its fingerprint (the Python
 * engine's, `py_fingerprint`, so shares of either engine agree) and its key, the
 * (parent rank << KEY_BITS) + position + 1 of `partition.py`. Failing steps and deadlocks
 * come back as the least-keyed one of each property; the Python side writes their
 * messages by re-running the step, as for the other native searches.
 */

#define KEY_BITS 24                        /* results of one state: fewer than 2^24 */
#define LAST_KEY ((1LL << KEY_BITS) - 1)   /* after every result: where a deadlock is met */

enum { X_KIND, X_KEY, X_AT, X_ME, X_PC, X_FIELDS };  /* a found record: int64 each */

typedef struct expander {
    search_t s;                /* what the generated steps reach (overflow: s.fatal) */
    uint8_t *p;                /* the successors: packed stored forms */
    int64_t *fp, *key;
    int64_t n, cap;
    int64_t *index;            /* an open-addressing table of successor + 1 by fingerprint */
    uint64_t index_cap;
    int64_t rank, at;          /* the state being expanded: its rank, its batch index */
    int64_t fired[NPC];
    int64_t found[NPROPS][X_FIELDS];  /* X_KIND 0: nothing found for the property */
    int noted, notes, nnotes;  /* N_POOL, N_EVAL, N_CONSTRAINT: which were met, 3 bits each
                                  * in order */
    int64_t outside;           /* states outside the constraint met since the last take */
} expander_t;

expander_t *mc_x_new(int canonical, int check_deadlock) {
    expander_t *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    x->s.canonical = canonical;
    x->s.check_deadlock = check_deadlock;
    x->s.ctx.s = &x->s;
    x->s.ctx.x = x;
    return x;
}

void mc_x_free(expander_t *x) {
    if (!x) return;
    free(x->p); free(x->fp); free(x->key); free(x->index); free(x->s.ctx.held);
    free(x);
}

static void x_found(expander_t *x, int prop, int kind, int64_t key, int me, int pc) {
    int64_t *f = x->found[prop];
    if (f[X_KIND] && f[X_KEY] <= key) return;
    f[X_KIND] = kind; f[X_KEY] = key; f[X_AT] = x->at; f[X_ME] = me; f[X_PC] = pc;
}

static void x_note(expander_t *x, int code) {
    if (x->noted & (1 << code)) return;
    x->noted |= 1 << code;
    x->notes |= code << (3 * x->nnotes++);
}

/* the table slot of fingerprint f: where it is, or the empty slot where it would go */
static int64_t *x_slot(expander_t *x, int64_t f) {
    uint64_t j = home(fmix((uint64_t)f), x->index_cap);
    while (x->index[j] && x->fp[x->index[j] - 1] != f)
        if (++j == x->index_cap) j = 0;
    return &x->index[j];
}

/* room in the table for one more successor (kept under half full) */
static int x_index_room(expander_t *x) {
    if ((uint64_t)(x->n + 1) * 2 <= x->index_cap) return 1;
    uint64_t cap = x->index_cap ? x->index_cap * 2 : 1 << 16;
    int64_t *index = calloc(cap, sizeof *index);
    if (!index) { x->s.fatal = 2; return 0; }
    free(x->index);
    x->index = index;
    x->index_cap = cap;
    for (int64_t i = 0; i < x->n; i++) *x_slot(x, x->fp[i]) = i + 1;
    return 1;
}

/* a successor: kept unless one with its fingerprint was kept in this batch already (that
 * one came first, so it has the least key) */
static void x_emit(ctx_t *c, const int64_t *v) {
    expander_t *x = c->x;
    int64_t buf[W];
    const int64_t *u = x->s.canonical ? canon(v, buf) : v;
    int64_t f = py_fingerprint(u), key = (x->rank << KEY_BITS) + 1 + c->results++;
    x->fired[c->pc]++;
    if (!x_index_room(x)) return;
    int64_t *slot = x_slot(x, f);
    if (*slot) return;
    if (x->n == x->cap) {
        int64_t cap = x->cap * 2 + 4096;
        uint8_t *p = realloc(x->p, (size_t)cap * PACKED);
        if (p) x->p = p;
        int64_t *fp = realloc(x->fp, (size_t)cap * sizeof *fp);
        if (fp) x->fp = fp;
        int64_t *key = realloc(x->key, (size_t)cap * sizeof *key);
        if (key) x->key = key;
        if (!p || !fp || !key) { x->s.fatal = 2; return; }
        x->cap = cap;
    }
    pack(u, x->p + (size_t)x->n * PACKED);
    x->fp[x->n] = f;
    x->key[x->n++] = key;
    *slot = x->n;
}

static void x_happen(ctx_t *c, int kind, int prop) {
    expander_t *x = c->x;
    int64_t key = (x->rank << KEY_BITS) + 1 + c->results++;
    if (kind == H_BOUND) { x_note(x, N_POOL); return; }
    if (kind == H_EVAL) { x_note(x, N_EVAL); prop = EVAL_PROP; }
    x_found(x, prop, kind == H_EVAL ? V_EVAL : V_FAIL, key, c->me, c->pc);
}

/* expand n packed states of the frontier (ranks ascending); their successors are kept
 * until `mc_x_take`. 0, or the search's fatal code */
int mc_x_expand(expander_t *x, const uint8_t *states, const int64_t *ranks, int64_t n,
                int64_t first) {
    int64_t v[W];
    for (int64_t i = 0; i < n && !x->s.fatal; i++) {
        x->rank = ranks[i];
        x->at = first + i;
        unpack(states + (size_t)i * PACKED, v);
        x->s.ctx.results = 0;
        int in = within(&x->s.ctx, v);  /* outside the constraint: kept, not expanded */
        if (in != 1) { x->outside++; if (in < 0) x_note(x, N_CONSTRAINT); continue; }
        expand(&x->s.ctx, v);
        if (!x->s.ctx.results && x->s.check_deadlock && alive(v))
            x_found(x, DEADLOCK_PROP, V_DEADLOCK, (x->rank << KEY_BITS) | LAST_KEY, -1, -1);
    }
    return x->s.fatal;
}

int64_t mc_x_size(expander_t *x) { return x->n; }

/* the states outside the constraint met since the last call */
int64_t mc_x_outside(expander_t *x) {
    int64_t n = x->outside;
    x->outside = 0;
    return n;
}

/* the distinct successors so far into p, fp, key (room for mc_x_size), the successors per
 * pc, the
 * found records (X_FIELDS per property); the notes' codes, 3 bits each in the order first
 * met; then all is cleared */
int mc_x_take(expander_t *x, uint8_t *p, int64_t *fp, int64_t *key, int64_t *fired,
              int64_t *found) {
    memcpy(p, x->p, (size_t)x->n * PACKED);
    memcpy(fp, x->fp, (size_t)x->n * sizeof *fp);
    memcpy(key, x->key, (size_t)x->n * sizeof *key);
    memcpy(fired, x->fired, sizeof x->fired);
    memcpy(found, x->found, sizeof x->found);
    int notes = x->notes;
    if (x->index) memset(x->index, 0, x->index_cap * sizeof *x->index);
    x->n = 0;
    x->noted = x->notes = x->nnotes = 0;
    memset(x->fired, 0, sizeof x->fired);
    memset(x->found, 0, sizeof x->found);
    return notes;
}

/* for each invariant's property not in `skip`: the index of the first of n packed states
 * that breaks it (or cannot evaluate it), else -1 */
void mc_x_check(expander_t *x, const uint8_t *states, int64_t n, const int8_t *skip,
                int64_t *first) {
    int64_t v[W];
    for (int k = 0; k < NPROPS; k++) first[k] = -1;
    for (int64_t i = 0; i < n; i++) {
        unpack(states + (size_t)i * PACKED, v);
        for (int k = 0; k < NINV; k++) {
            int prop = INV_PROP[k];
            if (!skip[prop] && first[prop] < 0 && invariant(&x->s.ctx, k, v) != 1)
                first[prop] = i;
        }
    }
}

/* between Python's tuples and packed states, n at a time */
void mc_pack_n(const int64_t *v, int64_t n, uint8_t *out) {
    for (int64_t i = 0; i < n; i++) pack(v + i * W, out + (size_t)i * PACKED);
}

void mc_unpack_n(const uint8_t *p, int64_t n, int64_t *out) {
    for (int64_t i = 0; i < n; i++) unpack(p + (size_t)i * PACKED, out + i * W);
}

/* the fingerprint of an unpacked state, for the tests that hold it to Python's */
int64_t mc_fingerprint(const int64_t *v) { return py_fingerprint(v); }
