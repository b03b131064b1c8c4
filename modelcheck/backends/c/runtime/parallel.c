/* mcheck native engine: the same breadth-first search on several threads.
 *
 * Level by level, as the Python level search does, so that any number of threads
 * finds what one thread finds. Each state met at level d + 1 has a key: (rank of
 * its parent in level d) << 24 | (position of the transition among the parent's
 * results) + 1. A state's parent is the one of its least key, a level's states are
 * ordered by key, and the first violation of a property is the one of least
 * (level, key): that is the order in which one thread meets them.
 *
 * A level takes three phases, separated by barriers:
 *   expand   the threads take blocks of the frontier and expand them; every successor
 *            (packed, hashed, keyed) goes to a buffer for the shard that owns its hash;
 *   store    thread s alone looks up and inserts the candidates of shard s in its own
 *            table (no locks: the visited set is striped by hash), keeping the least
 *            key of each new state, and checks the invariants of the new ones;
 *   order    one thread sorts the new states by key, cuts them at a state limit,
 *            links each to its parent, and makes them the next frontier.
 * A state's id is (shard << 40 | its index in the shard). Fingerprint mode keeps
 * only the fingerprints in the tables, and each level's states until the next one
 * is expanded; its parent links go to the same log as with one thread.
 */

#include <malloc.h>
#include <pthread.h>

#define KEY_BITS 24
#define LAST_KEY ((1ULL << KEY_BITS) - 1)
#define SHARD_SHIFT 40
#define NO_KEY UINT64_MAX          /* no transition has reached the state yet */
#define CUT_PARENT (UINT64_MAX - 1)  /* the parent of a state cut off by a state limit */
#define CLAIM 64                   /* frontier states a thread takes at a time */

typedef struct { uint64_t key, h; uint8_t p[PACKED]; } cand_t;
typedef struct { cand_t *items; int64_t n, cap; } cbuf_t;
typedef struct { uint64_t key, id; } entry_t;

typedef struct {
    uint64_t *table;               /* exact: hash's high half << 32 | local index + 1;
                                      fingerprints: the fingerprint */
    uint64_t cap, used;
    uint64_t *level;               /* fingerprints: this level's new ones -> local + 1 */
    uint64_t level_cap;
    uint8_t *states;               /* exact: every state; fingerprints: this level's new ones */
    uint64_t *parents;             /* exact: each state's parent id */
    uint64_t *fps;                 /* fingerprints: of `states` */
    int64_t n, states_cap, parents_cap, fps_cap, level_first;
    uint8_t *frontier;             /* fingerprints: last level's states, being expanded */
    uint64_t *frontier_fps;
    int64_t frontier_cap, frontier_fps_cap;
    uint64_t *keys;                /* this level's new states (local - level_first): least key */
    int64_t keys_cap;
    uint64_t inv_key[NPROPS];      /* the least key of a new state breaking each invariant */
    viol_t inv[NPROPS];
} shard_t;

typedef struct worker {
    search_t *s;
    int id;
    ctx_t ctx;
    cbuf_t *out;                   /* [threads]: candidates by owning shard */
    int64_t fired[NPC];
    uint64_t fail_key[NPROPS];     /* the least key of a failing step (or a deadlock) */
    viol_t fail[NPROPS];
    int64_t rank;
    uint64_t cur_id;               /* exact: the expanded state's id; else its fingerprint */
    uint8_t cur_packed[PACKED];
    int notes[5], nnotes;
    int64_t outside;               /* states outside the constraint it met */
} worker_t;

struct team {
    int threads;
    shard_t *shards;
    worker_t *workers;
    pthread_t *tids;
    pthread_barrier_t start, done;
    int phase;                     /* what the workers do after `start`: PH_* */
    uint64_t *order;               /* the frontier: state ids in key order */
    int64_t order_n, order_cap;
    uint64_t *order_fps;           /* fingerprints: theirs */
    int64_t order_fps_cap;
    entry_t *merged, *spare;       /* the order phase's work arrays */
    int64_t merged_cap, spare_cap;
    int64_t claim;                 /* the next frontier rank to take */
};

enum { PH_QUIT = 0, PH_EXPAND = 1, PH_STORE = 2 };

static inline uint64_t id_of(int shard, int64_t local) {
    return ((uint64_t)shard << SHARD_SHIFT) | (uint64_t)local;
}
static inline int shard_of(uint64_t id) { return (int)(id >> SHARD_SHIFT); }
static inline int64_t local_of(uint64_t id) {
    return (int64_t)(id & ((1ULL << SHARD_SHIFT) - 1));
}

/* room for `need` items of `item` bytes in *p (0 and fatal when memory runs out) */
static int room(search_t *s, void **p, int64_t *cap, int64_t need, size_t item) {
    if (need <= *cap) return 1;
    int64_t c = *cap * 2 + 1024;
    if (c < need) c = need;
    void *q = realloc(*p, (size_t)c * item);
    if (!q) { s->fatal = 2; return 0; }
    *p = q;
    *cap = c;
    return 1;
}

static void worker_note(worker_t *w, int code) {
    for (int k = 0; k < w->nnotes; k++)
        if (w->notes[k] == code) return;
    w->notes[w->nnotes++] = code;
}

/* a failing step or a deadlock: kept if it is its property's least so far */
static void worker_fail(worker_t *w, int prop, int kind, uint64_t key, int64_t depth) {
    if (w->s->violated[prop] || (w->fail[prop].kind && w->fail_key[prop] <= key)) return;
    viol_t *v = &w->fail[prop];
    v->prop = prop; v->kind = kind; v->depth = depth; v->key = w->cur_id;
    v->me = kind == V_DEADLOCK ? -1 : w->ctx.me;
    v->pc = kind == V_DEADLOCK ? -1 : w->ctx.pc;
    memcpy(v->state, w->cur_packed, PACKED);
    w->fail_key[prop] = key;
}

static void par_emit(ctx_t *c, const int64_t *v) {
    worker_t *w = c->w;
    int64_t buf[W];
    uint8_t p[PACKED];
    uint64_t h = pack_hash(w->s->canonical ? canon(v, buf) : v, p);
    w->fired[c->pc]++;
    uint64_t key = ((uint64_t)w->rank << KEY_BITS) + 1 + (uint64_t)c->results++;
    cbuf_t *b = &w->out[h % (uint64_t)w->s->team->threads];
    if (!room(w->s, (void **)&b->items, &b->cap, b->n + 1, sizeof *b->items)) return;
    cand_t *cand = &b->items[b->n++];
    cand->key = key;
    cand->h = h;
    memcpy(cand->p, p, PACKED);
}

static void par_happen(ctx_t *c, int kind, int prop) {
    worker_t *w = c->w;
    uint64_t key = ((uint64_t)w->rank << KEY_BITS) + 1 + (uint64_t)c->results++;
    if (kind == H_BOUND) { worker_note(w, N_POOL); return; }
    if (kind == H_EVAL) { worker_note(w, N_EVAL); prop = EVAL_PROP; }
    worker_fail(w, prop, kind == H_EVAL ? V_EVAL : V_FAIL, key, w->s->depth + 1);
}

/* ----------------------------------------------------------------- expand phase */

static const uint8_t *frontier_state(search_t *s, uint64_t id) {
    shard_t *sh = &s->team->shards[shard_of(id)];
    return (s->fp_mode ? sh->frontier : sh->states) + (size_t)local_of(id) * PACKED;
}

static void phase_expand(worker_t *w) {
    search_t *s = w->s;
    struct team *t = s->team;
    int64_t v[W];
    for (;;) {
        int64_t first = __atomic_fetch_add(&t->claim, CLAIM, __ATOMIC_RELAXED);
        if (first >= t->order_n) return;
        int64_t last = first + CLAIM < t->order_n ? first + CLAIM : t->order_n;
        for (int64_t rank = first; rank < last && !s->fatal; rank++) {
            uint64_t id = t->order[rank];
            w->rank = rank;
            w->cur_id = s->fp_mode ? t->order_fps[rank] : id;
            memcpy(w->cur_packed, frontier_state(s, id), PACKED);
            unpack(w->cur_packed, v);
            w->ctx.results = 0;
            int in = within(&w->ctx, v);  /* as in single_run */
            if (in == 1) expand(&w->ctx, v);
            else { w->outside++; if (in < 0) worker_note(w, N_CONSTRAINT); }
            if (in == 1 && !w->ctx.results && s->check_deadlock && alive(v))
                worker_fail(w, DEADLOCK_PROP, V_DEADLOCK,
                            ((uint64_t)rank << KEY_BITS) | LAST_KEY, s->depth);
        }
    }
}

/* ------------------------------------------------------------------ store phase */

static void shard_grow(search_t *s, shard_t *sh) {
    uint64_t cap = sh->cap * 3 / 2 + 64;
    uint64_t *table = calloc(cap, sizeof *table);
    if (!table) { s->fatal = 2; return; }
    for (uint64_t i = 0; i < sh->cap; i++) {
        uint64_t e = sh->table[i];
        if (!e) continue;
        uint64_t j = s->fp_mode ? home(e, cap) : home_hi(e, cap);
        while (table[j]) if (++j == cap) j = 0;
        table[j] = e;
    }
    free(sh->table);
    sh->table = table;
    sh->cap = cap;
}

/* fingerprint mode: this level's new fingerprints, to find a duplicate's local index */
static uint64_t *level_slot(shard_t *sh, uint64_t f) {
    uint64_t j = f & (sh->level_cap - 1);
    for (;;) {
        uint64_t e = sh->level[j];
        if (!e || sh->fps[e - 1] == f) return &sh->level[j];
        j = (j + 1) & (sh->level_cap - 1);
    }
}

static int level_room(search_t *s, shard_t *sh, int64_t n) {
    if ((uint64_t)n * 2 < sh->level_cap) return 1;
    uint64_t cap = sh->level_cap ? sh->level_cap : 1024;
    while ((uint64_t)n * 2 >= cap) cap *= 2;
    uint64_t *old = sh->level, old_cap = sh->level_cap;
    sh->level = calloc(cap, sizeof *sh->level);
    if (!sh->level) { s->fatal = 2; sh->level = old; return 0; }
    sh->level_cap = cap;
    for (uint64_t i = 0; i < old_cap; i++)
        if (old[i]) *level_slot(sh, sh->fps[old[i] - 1]) = old[i];
    free(old);
    return 1;
}

/* a candidate in its shard: its local index; a new one is stored (its key kept), one of
 * an earlier level gives -1, and so does one cut off by a depth limit (*cut set) */
static inline uint64_t shard_home(search_t *s, shard_t *sh, uint64_t h) {
    return s->fp_mode ? home(h, sh->cap) : home_hi(h, sh->cap);
}

static int64_t shard_store(search_t *s, shard_t *sh, const cand_t *c, int *cut) {
    uint64_t j = shard_home(s, sh, c->h), tag = c->h >> 32;
    for (;;) {
        uint64_t e = sh->table[j];
        if (!e) break;
        if (s->fp_mode) {
            if (e == c->h) {
                uint64_t mine = *level_slot(sh, c->h);
                return mine ? (int64_t)(mine - 1) : -1;
            }
        } else if (e >> 32 == tag) {
            int64_t local = (int64_t)(uint32_t)e - 1;
            if (!memcmp(sh->states + (size_t)local * PACKED, c->p, PACKED))
                return local >= sh->level_first ? local : -1;
        }
        if (++j == sh->cap) j = 0;
    }
    if (s->frontier_full) { *cut = 1; return -1; }
    int64_t local = sh->n;
    int64_t fresh = local - sh->level_first;
    if (!room(s, (void **)&sh->states, &sh->states_cap, local + 1, PACKED) ||
        !room(s, (void **)&sh->keys, &sh->keys_cap, fresh + 1, sizeof *sh->keys)) return -1;
    if (s->fp_mode) {
        if (!room(s, (void **)&sh->fps, &sh->fps_cap, local + 1, sizeof *sh->fps) ||
            !level_room(s, sh, fresh + 1)) return -1;
        sh->fps[local] = c->h;
        *level_slot(sh, c->h) = (uint64_t)(local + 1);
    } else if (!room(s, (void **)&sh->parents, &sh->parents_cap, local + 1,
                     sizeof *sh->parents)) {
        return -1;
    }
    memcpy(sh->states + (size_t)local * PACKED, c->p, PACKED);
    sh->table[j] = s->fp_mode ? c->h : (c->h & 0xFFFFFFFF00000000ULL) | (uint64_t)(local + 1);
    sh->keys[fresh] = NO_KEY;
    sh->n++;
    if (++sh->used * 4 > sh->cap * 3) shard_grow(s, sh);
    return local;
}

static void phase_store(worker_t *w) {
    search_t *s = w->s;
    struct team *t = s->team;
    shard_t *sh = &t->shards[w->id];
    int cut = 0;
    int64_t v[W];
    for (int k = 0; k < t->threads; k++) {
        cbuf_t *b = &t->workers[k].out[w->id];
        for (int64_t i = 0; i < b->n && !s->fatal; i++) {
            if (i + 8 < b->n)  /* the table slot of a candidate soon to come */
                __builtin_prefetch(&sh->table[shard_home(s, sh, b->items[i + 8].h)]);
            int64_t local = shard_store(s, sh, &b->items[i], &cut);
            if (local < 0) continue;
            uint64_t *key = &sh->keys[local - sh->level_first];
            if (b->items[i].key < *key) *key = b->items[i].key;
        }
        b->n = 0;
    }
    if (cut) worker_note(w, N_DEPTH);
    for (int64_t local = sh->level_first; local < sh->n && !s->fatal; local++) {
        uint64_t key = sh->keys[local - sh->level_first];
        unpack(sh->states + (size_t)local * PACKED, v);
        for (int k = 0; k < NINV; k++) {
            int prop = INV_PROP[k];
            if (s->violated[prop] || (sh->inv[prop].kind && sh->inv_key[prop] <= key)) continue;
            if (invariant(&w->ctx, k, v) == 1) continue;
            viol_t *x = &sh->inv[prop];
            x->prop = prop; x->kind = V_INVARIANT; x->depth = s->depth + 1; x->me = x->pc = -1;
            x->key = s->fp_mode ? sh->fps[local] : id_of(w->id, local);
            memcpy(x->state, sh->states + (size_t)local * PACKED, PACKED);
            sh->inv_key[prop] = key;
        }
    }
}

/* --------------------------------------------------------------------- threads */

static void run_phase(worker_t *w) {
    if (w->s->team->phase == PH_EXPAND) phase_expand(w);
    else phase_store(w);
}

static void *serve(void *arg) {
    worker_t *w = arg;
    struct team *t = w->s->team;
    for (;;) {
        pthread_barrier_wait(&t->start);
        if (t->phase == PH_QUIT) return NULL;
        run_phase(w);
        pthread_barrier_wait(&t->done);
    }
}

/* every thread (this one as thread 0) runs `phase`, and all are done when it returns */
static void all(search_t *s, int phase) {
    struct team *t = s->team;
    t->phase = phase;
    pthread_barrier_wait(&t->start);
    run_phase(&t->workers[0]);
    pthread_barrier_wait(&t->done);
}

static int team_new(search_t *s, int threads) {
    /* Growing tables and arrays free large blocks; returned to the kernel (munmap), each
     * would interrupt every other thread to flush its TLB. Keep them in the heap. */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    struct team *t = calloc(1, sizeof *t);
    if (!t) return 0;
    s->team = t;
    t->threads = threads;
    t->shards = calloc((size_t)threads, sizeof *t->shards);
    t->workers = calloc((size_t)threads, sizeof *t->workers);
    t->tids = calloc((size_t)threads, sizeof *t->tids);
    if (!t->shards || !t->workers || !t->tids) return 0;
    for (int k = 0; k < threads; k++) {
        shard_t *sh = &t->shards[k];
        sh->cap = 1024;
        sh->table = calloc(sh->cap, sizeof *sh->table);
        worker_t *w = &t->workers[k];
        w->s = s; w->id = k; w->ctx.s = s; w->ctx.w = w;
        w->out = calloc((size_t)threads, sizeof *w->out);
        if (!sh->table || !w->out) return 0;
    }
    pthread_barrier_init(&t->start, NULL, (unsigned)threads);
    pthread_barrier_init(&t->done, NULL, (unsigned)threads);
    for (int k = 1; k < threads; k++)
        if (pthread_create(&t->tids[k], NULL, serve, &t->workers[k])) return 0;
    return 1;
}

static void team_free(search_t *s) {
    struct team *t = s->team;
    if (!t) return;
    if (t->tids) {
        t->phase = PH_QUIT;
        pthread_barrier_wait(&t->start);
        for (int k = 1; k < t->threads; k++) pthread_join(t->tids[k], NULL);
        pthread_barrier_destroy(&t->start);
        pthread_barrier_destroy(&t->done);
    }
    for (int k = 0; k < t->threads && t->shards && t->workers; k++) {
        shard_t *sh = &t->shards[k];
        free(sh->table); free(sh->level); free(sh->states); free(sh->parents); free(sh->fps);
        free(sh->frontier); free(sh->frontier_fps); free(sh->keys);
        worker_t *w = &t->workers[k];
        for (int j = 0; w->out && j < t->threads; j++) free(w->out[j].items);
        free(w->out);
        free(w->ctx.held);
    }
    free(t->shards); free(t->workers); free(t->tids);
    free(t->order); free(t->order_fps); free(t->merged); free(t->spare);
    free(t);
}

/* ------------------------------------------------------------------ order phase */

static void sort_by_key(entry_t *a, entry_t *tmp, int64_t n) {
    uint64_t top = 0;
    for (int64_t i = 0; i < n; i++) top |= a[i].key;
    for (int shift = 0; shift < 64 && (top >> shift); shift += 16) {
        int64_t count[65537] = {0};
        for (int64_t i = 0; i < n; i++) count[((a[i].key >> shift) & 0xFFFF) + 1]++;
        for (int k = 0; k < 65536; k++) count[k + 1] += count[k];
        for (int64_t i = 0; i < n; i++) tmp[count[(a[i].key >> shift) & 0xFFFF]++] = a[i];
        memcpy(a, tmp, (size_t)n * sizeof *a);
    }
}


/* the least candidate of each property found this level, in (key) order, as one thread
 * would record them; with --first only the least of all (the level search's rule) */
static void record_level(search_t *s, uint64_t bound) {
    struct team *t = s->team;
    for (;;) {
        int best = -1;
        uint64_t best_key = 0;
        viol_t *found = NULL;
        for (int prop = 0; prop < NPROPS; prop++) {
            if (s->violated[prop]) continue;
            for (int k = 0; k < t->threads; k++) {
                worker_t *w = &t->workers[k];
                shard_t *sh = &t->shards[k];
                if (w->fail[prop].kind && (best < 0 || w->fail_key[prop] < best_key)) {
                    best = prop; best_key = w->fail_key[prop]; found = &w->fail[prop];
                }
                if (sh->inv[prop].kind && sh->inv_key[prop] < bound &&
                    (best < 0 || sh->inv_key[prop] < best_key)) {
                    best = prop; best_key = sh->inv_key[prop]; found = &sh->inv[prop];
                }
            }
        }
        if (best < 0 || (s->stop_at_first && s->nviolated)) break;
        s->violated[best] = 1;
        s->nviolated++;
        s->first[best] = *found;
        if (s->stop_at_first || s->nviolated == NPROPS) s->finished = 1;
    }
    for (int k = 0; k < t->threads; k++)
        for (int prop = 0; prop < NPROPS; prop++)
            t->workers[k].fail[prop].kind = t->shards[k].inv[prop].kind = 0;
}

/* sort the level's new states, keep those under the state limit, link them, and make
 * them the frontier */
static void phase_order(search_t *s) {
    struct team *t = s->team;
    int64_t count = 0;
    for (int k = 0; k < t->threads; k++) count += t->shards[k].n - t->shards[k].level_first;
    if (!room(s, (void **)&t->merged, &t->merged_cap, count, sizeof *t->merged) ||
        !room(s, (void **)&t->spare, &t->spare_cap, count, sizeof *t->spare)) return;
    int64_t n = 0;
    for (int k = 0; k < t->threads; k++) {
        shard_t *sh = &t->shards[k];
        for (int64_t local = sh->level_first; local < sh->n; local++) {
            t->merged[n].key = sh->keys[local - sh->level_first];
            t->merged[n++].id = id_of(k, local);
        }
    }
    sort_by_key(t->merged, t->spare, n);
    int64_t keep = n;
    if (s->max_states >= 0 && s->n + n > s->max_states) {
        keep = s->max_states > s->n ? s->max_states - s->n : 0;
        note(s, N_STATES);
    }
    record_level(s, keep < n ? t->merged[keep].key : UINT64_MAX);
    if (!room(s, (void **)&t->spare, &t->spare_cap, keep, sizeof *t->spare)) return;
    uint64_t *next_fps = (uint64_t *)t->spare;  /* reused: the new frontier's fingerprints */
    for (int64_t i = 0; i < n; i++) {
        uint64_t id = t->merged[i].id;
        shard_t *sh = &t->shards[shard_of(id)];
        if (s->fp_mode) {
            if (i >= keep) continue;
            uint64_t rec[2] = {sh->fps[local_of(id)], t->order_fps[t->merged[i].key >> KEY_BITS]};
            next_fps[i] = rec[0];
            if (fwrite(rec, sizeof rec, 1, s->log) != 1) { s->fatal = 3; return; }
            s->logged++;
        } else {
            sh->parents[local_of(id)] = i < keep ? t->order[t->merged[i].key >> KEY_BITS]
                                                  : CUT_PARENT;
        }
    }
    if (!room(s, (void **)&t->order, &t->order_cap, keep, sizeof *t->order)) return;
    for (int64_t i = 0; i < keep; i++) t->order[i] = t->merged[i].id;
    if (s->fp_mode) {
        if (!room(s, (void **)&t->order_fps, &t->order_fps_cap, keep, sizeof *t->order_fps))
            return;
        memcpy(t->order_fps, next_fps, (size_t)keep * sizeof *next_fps);
    }
    t->order_n = keep;
    s->n += keep;
    if (keep) s->deepest = s->depth + 1;
}

/* fingerprint mode: the states just stored become the frontier, the tables' new-state
 * parts are emptied; exact mode only moves the mark of where a level's states begin */
static void next_frontier(search_t *s) {
    struct team *t = s->team;
    for (int k = 0; k < t->threads; k++) {
        shard_t *sh = &t->shards[k];
        if (s->fp_mode) {
            uint8_t *b = sh->frontier; sh->frontier = sh->states; sh->states = b;
            int64_t c = sh->frontier_cap; sh->frontier_cap = sh->states_cap; sh->states_cap = c;
            uint64_t *f = sh->frontier_fps; sh->frontier_fps = sh->fps; sh->fps = f;
            c = sh->frontier_fps_cap; sh->frontier_fps_cap = sh->fps_cap; sh->fps_cap = c;
            if (sh->level) memset(sh->level, 0, sh->level_cap * sizeof *sh->level);
            sh->n = 0;
        }
        sh->level_first = sh->n;
    }
}

/* an initial state of a search on several threads (0 if it was seen already) */
static int team_add_initial(search_t *s, const uint8_t *p, uint64_t h, uint64_t *key) {
    struct team *t = s->team;
    int k = (int)(h % (uint64_t)t->threads);
    shard_t *sh = &t->shards[k];
    cand_t c;
    c.key = (uint64_t)t->order_n;
    c.h = h;
    memcpy(c.p, p, PACKED);
    int cut = 0;
    int64_t before = sh->n, local = shard_store(s, sh, &c, &cut);
    if (local < 0 || sh->n == before) return 0;
    if (s->fp_mode) {
        uint64_t rec[2] = {h, NO_PARENT};
        if (fwrite(rec, sizeof rec, 1, s->log) != 1) { s->fatal = 3; return 0; }
        s->logged++;
    } else {
        sh->parents[local] = NO_PARENT;
    }
    if (!room(s, (void **)&t->order, &t->order_cap, t->order_n + 1, sizeof *t->order) ||
        !room(s, (void **)&t->order_fps, &t->order_fps_cap, t->order_n + 1,
              sizeof *t->order_fps)) return 0;
    t->order_fps[t->order_n] = h;
    t->order[t->order_n++] = id_of(k, local);
    s->n++;
    *key = s->fp_mode ? h : id_of(k, local);
    return 1;
}

/* expand whole levels until `budget` states are expanded, the frontier is empty, or the
 * search is finished */
static int team_run(search_t *s, int64_t budget) {
    struct team *t = s->team;
    if (!s->started) {
        s->started = 1;
        s->frontier_full = s->max_depth == 0;
        next_frontier(s);
    }
    while (budget > 0 && !s->finished && t->order_n > 0 && !s->fatal) {
        budget -= t->order_n;
        t->claim = 0;
        all(s, PH_EXPAND);
        if (s->fatal) break;
        all(s, PH_STORE);
        if (s->fatal) break;
        for (int k = 0; k < t->threads; k++) {
            worker_t *w = &t->workers[k];
            for (int pc = 0; pc < NPC; pc++) { s->fired[pc] += w->fired[pc]; w->fired[pc] = 0; }
            for (int j = 0; j < w->nnotes; j++) note(s, w->notes[j]);
            w->nnotes = 0;
            s->outside += w->outside; w->outside = 0;
        }
        phase_order(s);
        next_frontier(s);
        s->depth++;
        s->frontier_full = s->max_depth >= 0 && s->depth >= s->max_depth;
        s->next = s->n - t->order_n;
    }
    if (s->fatal) return FATAL;
    return s->finished || t->order_n == 0 ? DONE : RUNNING;
}

/* ------------------------------------------------------- reading the team's store */

static const uint8_t *team_state(search_t *s, uint64_t id) {
    return s->team->shards[shard_of(id)].states + (size_t)local_of(id) * PACKED;
}

static uint64_t team_parent(search_t *s, uint64_t id) {
    return s->team->shards[shard_of(id)].parents[local_of(id)];
}

/* call f on every stored state that was not cut off by a state limit */
static void team_each(search_t *s, void (*f)(void *, const uint8_t *), void *arg) {
    struct team *t = s->team;
    for (int k = 0; k < t->threads; k++) {
        shard_t *sh = &t->shards[k];
        for (int64_t local = 0; local < sh->n; local++)
            if (sh->parents[local] != CUT_PARENT) f(arg, sh->states + (size_t)local * PACKED);
    }
}
