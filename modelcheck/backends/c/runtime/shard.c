/* mcheck native engine: one share of the level search that Python coordinates.
 *
 * The level search (engine/levels.py) splits the states into `parts` shares. A native
 * share here holds everything of its part in C: its store (share_store.c), its frontier
 * as packed rows, each level's candidates. States are told apart, and owned
 * (hash % parts), by the hash of their packed stored form (`hash_words`, the native
 * search's own fingerprint: a few words, cheap); each stored state also keeps its *name*,
 * the Python engine's fingerprint (`py_fingerprint`, a hash over every slot, computed once
 * a state is accepted), and its parent's name: traces, violations and checkpoints speak
 * in names, so they are the Python shares'. One level is four steps, each run by every
 * share before the next starts (engine/native_share.py):
 *
 *   expand   the frontier's successors, each with its key, the (parent rank << KEY_BITS)
 *            + position + 1 of `partition.py`, go to an outgoing bucket per owner, in key
 *            order. Shares of one process send every successor: the owner looks each up
 *            once. Shares in other processes drop the ones met already in this level, or
 *            stored here, first: fewer bytes to send;
 *   collect  an owner merges the buckets sent to it by key and stores each candidate not
 *            stored yet (the first met: the least key): the level's new states here;
 *   rank     each new state's rank among every share's new states (their keys, merged);
 *   accept   the new states ranked below a limit are named and become the frontier; the
 *            others leave the store again.
 *
 * Shares of one process (threads: the calls release the GIL) read each other's buckets
 * directly; shares in other processes send buckets as buffers, and an owner may first get
 * only the hashes and keys (`rows` NULL: a fingerprint share) and ask for the rows of the
 * candidates it keeps. A checkpoint written by Python shares has names only: a share
 * resuming it keeps them as `legacy` names and names every successor to look them up.
 * Failing steps and deadlocks come back as the least-keyed one of each property; Python
 * writes their messages by re-running the step.
 */

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define KEY_BITS 24                        /* results of one state: fewer than 2^24 */
#define LAST_KEY ((1LL << KEY_BITS) - 1)   /* after every result: where a deadlock is met */
#define EMPTY (-1LL)                       /* no Python hash is -1: an empty table slot */
#define FLUSH 64                           /* successors looked up together */

enum { X_KIND, X_KEY, X_AT, X_ME, X_PC, X_FIELDS };  /* a found record: int64 each */

/* candidates for one owner, in key order (p NULL: their rows are elsewhere) */
typedef struct bucket {
    uint8_t *p;
    int64_t *fp, *key, *parent;
    int64_t n, cap;
    int rows;                  /* whether p holds the rows */
} bucket_t;

/* a set of hashes, open addressing (kept under half full); an exact share also tells two
 * states of one hash apart by their rows: each entry's `ref` names its row in buckets
 * (bucket << REF_SHIFT | index), which may move but keep their order */
typedef struct { int64_t *slot, *ref; uint64_t cap, n; } fpset_t;
#define REF_SHIFT 40

typedef struct expander {
    search_t s;                /* what the generated steps reach (overflow: s.fatal) */
    int me, parts;
    int local;                 /* the shares are threads of one process */
    sstore_t st;               /* the store */
    int64_t level_first;       /* the number of the pending level's first state stored */
    int64_t *lv, nlv, lv_cap;  /* the number of each level's first state, from the seeds on
                                * (none after a checkpoint was restored: nlv 0) */
    fpset_t legacy;            /* names stored before a Python checkpoint was resumed */
    uint8_t *pp;               /* successors not yet looked up: packed, and their */
    int64_t *pkey, *pat, *pfp, pn, pcap;  /* keys, parents' index, hashes, */
    int *pown;                            /* owners */
    uint8_t *front;            /* the frontier: rows, fingerprints, ranks */
    int64_t *front_fp, *front_rank, nfront, front_cap;  /* front_fp: names */
    bucket_t *out;             /* this level's candidates by owner */
    fpset_t seen;              /* shares of several processes: the hashes met this level */
    bucket_t pend;             /* collect: the new states here, in key order */
    int64_t *pend_rank, *pend_src, *pend_pos, *pend_name, pend_cap;
    int64_t rank, at;          /* the state being expanded: its rank, its frontier index */
    int64_t fired[NPC];
    int64_t found[NPROPS][X_FIELDS];  /* X_KIND 0: nothing found for the property */
    int noted, notes, nnotes;  /* N_POOL, N_EVAL, N_CONSTRAINT: which were met, 3 bits each
                                  * in order */
    int64_t outside;           /* states outside the constraint met since the last take */
} expander_t;

/* the share that owns a state of hash h (h as unsigned; a mask for a power of two) */
static inline int owner(int64_t h, int parts) {
    if (!(parts & (parts - 1))) return (int)((uint64_t)h & (uint64_t)(parts - 1));
    return (int)((uint64_t)h % (uint64_t)parts);
}

/* ------------------------------------------------------------------ buckets */

static int bucket_room(bucket_t *b, int64_t more) {
    if (b->n + more <= b->cap) return 1;
    int64_t cap = (b->n + more) * 2 + 1024;
    int64_t **arrays[3] = {&b->fp, &b->key, &b->parent};
    for (int k = 0; k < 3; k++) {
        int64_t *a = realloc(*arrays[k], (size_t)cap * sizeof **arrays[k]);
        if (!a) return 0;
        *arrays[k] = a;
    }
    uint8_t *p = realloc(b->p, (size_t)cap * PACKED);
    if (!p) return 0;
    b->p = p;
    b->cap = cap;
    return 1;
}

bucket_t *mc_b_new(void) { return calloc(1, sizeof(bucket_t)); }

void mc_b_free(bucket_t *b) {
    if (!b) return;
    free(b->p); free(b->fp); free(b->key); free(b->parent);
    free(b);
}

/* a bucket from another process: n candidates, their rows if `rows` is not NULL */
int mc_b_fill(bucket_t *b, const uint8_t *rows, const int64_t *fp, const int64_t *key,
              const int64_t *parent, int64_t n) {
    b->n = 0;
    if (!bucket_room(b, n)) return 2;
    b->rows = rows != NULL;
    if (rows) memcpy(b->p, rows, (size_t)n * PACKED);
    memcpy(b->fp, fp, (size_t)n * sizeof *fp);
    memcpy(b->key, key, (size_t)n * sizeof *key);
    memcpy(b->parent, parent, (size_t)n * sizeof *parent);
    b->n = n;
    return 0;
}

bucket_t *mc_x_out(expander_t *x, int owner_) { return &x->out[owner_]; }

int64_t mc_b_size(const bucket_t *b) { return b->n; }

/* a bucket's fingerprints, keys and parents (what an owner is offered) */
void mc_b_offer(const bucket_t *b, int64_t *fp, int64_t *key, int64_t *parent) {
    memcpy(fp, b->fp, (size_t)b->n * sizeof *fp);
    memcpy(key, b->key, (size_t)b->n * sizeof *key);
    memcpy(parent, b->parent, (size_t)b->n * sizeof *parent);
}

/* the rows of a bucket's candidates at positions pos[0..n) */
void mc_b_rows(const bucket_t *b, const int64_t *pos, int64_t n, uint8_t *rows) {
    for (int64_t i = 0; i < n; i++)
        memcpy(rows + (size_t)i * PACKED, b->p + (size_t)pos[i] * PACKED, PACKED);
}

/* ------------------------------------------------------------------ tables */

static int fpset_has(const fpset_t *t, int64_t f) {
    if (!t->n) return 0;
    uint64_t j = home(fmix((uint64_t)f), t->cap);
    for (; t->slot[j] != EMPTY; j = j + 1 == t->cap ? 0 : j + 1)
        if (t->slot[j] == f) return 1;
    return 0;
}

static int fpset_clear(fpset_t *t, int64_t room) {
    uint64_t want = t->cap ? t->cap : 1 << 12;
    while (want < (uint64_t)room * 2) want *= 2;
    if (want != t->cap) {
        free(t->slot); free(t->ref);
        t->slot = malloc(want * sizeof *t->slot);
        t->ref = malloc(want * sizeof *t->ref);
        if (!t->slot || !t->ref) { t->cap = 0; return 0; }
        t->cap = want;
    }
    memset(t->slot, 0xFF, t->cap * sizeof *t->slot);  /* every slot EMPTY */
    t->n = 0;
    return 1;
}

static void fpset_put(fpset_t *t, int64_t f, int64_t ref) {  /* f is not there */
    uint64_t j = home(fmix((uint64_t)f), t->cap);
    while (t->slot[j] != EMPTY) if (++j == t->cap) j = 0;
    t->slot[j] = f;
    t->ref[j] = ref;
    t->n++;
}

static inline const uint8_t *ref_row(const bucket_t *in, int64_t ref) {
    return in[ref >> REF_SHIFT].p + (size_t)(ref & ((1LL << REF_SHIFT) - 1)) * PACKED;
}

/* 1 if f was added, 0 if it was there; -1 out of memory. With `in` (an exact share), an
 * entry of hash f is the same only if its row is ref's, which is in place already */
static int fpset_add(fpset_t *t, int64_t f, int64_t ref, const bucket_t *in) {
    if ((t->n + 1) * 2 > t->cap) {
        fpset_t bigger = {0};
        if (!fpset_clear(&bigger, (int64_t)t->cap)) return -1;
        for (uint64_t i = 0; i < t->cap; i++)
            if (t->slot[i] != EMPTY) fpset_put(&bigger, t->slot[i], t->ref[i]);
        free(t->slot); free(t->ref);
        *t = bigger;
    }
    uint64_t j = home(fmix((uint64_t)f), t->cap);
    for (; t->slot[j] != EMPTY; j = j + 1 == t->cap ? 0 : j + 1)
        if (t->slot[j] == f && (!in || !memcmp(ref_row(in, t->ref[j]), ref_row(in, ref),
                                               PACKED))) return 0;
    t->slot[j] = f;
    t->ref[j] = ref;
    t->n++;
    return 1;
}

/* n states by hash (and row: an exact share keeps them; else NULL), with their names and
 * their parents' names, the ones not stored yet; 0 or 2 */
int mc_x_store(expander_t *x, const uint8_t *rows, const int64_t *h, const int64_t *name,
               const int64_t *parent, int64_t n) {
    sstore_t *t = &x->st;
    if (!ss_room(t, n)) return 2;
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *row = rows ? rows + (size_t)i * PACKED : NULL;
        uint64_t slot;
        if (ss_find(t, h[i], row, &slot) >= 0) continue;
        named_t *d = ss_named(t, ss_put(t, h[i], row, slot));
        d->name = name[i];
        d->parent = parent[i];
    }
    return 0;
}

/* an exact share, before anything is stored: it keeps every stored state's row and tells
 * states apart by them (a shared hash is only a longer probe); 0 */
int mc_x_exact(expander_t *x) {
    x->st.exact = 1;
    return 0;
}

/* the seeds just stored are level 0: from here on each accepted level's first number is
 * noted, so a state's parent is looked for among a level or two; 0 or 2 */
static int x_level(expander_t *x, int64_t first) {
    if (x->nlv == x->lv_cap) {
        int64_t cap = x->lv_cap * 2 + 64, *lv = realloc(x->lv, (size_t)cap * sizeof *lv);
        if (!lv) return 2;
        x->lv = lv;
        x->lv_cap = cap;
    }
    x->lv[x->nlv++] = first;
    return 0;
}

int mc_x_levels(expander_t *x) { return x->nlv ? 0 : x_level(x, 0); }

/* the parents' names of n stored states, by name (a trace being rebuilt), else -2: one
 * pass over the store for them all. depth[k] >= 0 says state k is at that level or the one
 * before, so only those levels are read when this share noted them */
int mc_x_parents(const expander_t *x, const int64_t *name, const int64_t *depth, int64_t n,
                 int64_t *parent) {
    fpset_t asked = {0};
    int64_t lo = x->st.n, hi = 0;
    for (int64_t k = 0; k < n; k++) {
        parent[k] = -2;
        if (fpset_add(&asked, name[k], k, NULL) < 0) return 2;
        if (depth[k] < 0 || !x->nlv) { lo = 0; hi = x->st.n; continue; }
        int64_t first = depth[k] - 1 < x->nlv ? x->lv[depth[k] > 0 ? depth[k] - 1 : 0] : x->st.n;
        int64_t end = depth[k] + 1 < x->nlv ? x->lv[depth[k] + 1] : x->st.n;
        if (first < lo) lo = first;
        if (end > hi) hi = end;
    }
    for (int64_t i = lo; i < hi; i++) {
        const named_t *d = ss_named(&x->st, i);
        uint64_t j = home(fmix((uint64_t)d->name), asked.cap);
        for (; asked.slot[j] != EMPTY; j = j + 1 == asked.cap ? 0 : j + 1)
            if (asked.slot[j] == d->name) parent[asked.ref[j]] = d->parent;
    }
    free(asked.slot); free(asked.ref);
    return 0;
}

/* an exact share's rows numbered from..from + n put at places first + rank[i] of `out`:
 * every share's rows in one process's order (level by level, each by rank) */
void mc_x_place(const expander_t *x, int64_t from, const int64_t *rank, int64_t n,
                int64_t first, uint8_t *out) {
    for (int64_t i = 0; i < n; i++)
        memcpy(out + (size_t)(first + rank[i]) * PACKED, ss_row(&x->st, from + i), PACKED);
}

/* names stored by a Python checkpoint (without hashes): every successor is named and
 * looked up among them too; 0 or 2 */
int mc_x_legacy(expander_t *x, const int64_t *name, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (fpset_add(&x->legacy, name[i], 0, NULL) < 0) return 2;
    return 0;
}

int64_t mc_x_stored(const expander_t *x) { return x->st.n; }

int64_t mc_x_store_bytes(const expander_t *x) {
    return ss_bytes(&x->st) + (int64_t)x->legacy.cap * 8;
}

/* every stored state's hash, name and parent's name (a checkpoint; the parent links) */
void mc_x_store_read(const expander_t *x, int64_t *h, int64_t *name, int64_t *parent) {
    const sstore_t *t = &x->st;
    for (uint64_t j = 0; j < t->cap; j++) {
        uint64_t e = t->ids[j];
        if (!(uint32_t)e) continue;
        int64_t i = (int64_t)(uint32_t)e - 1;
        const named_t *d = ss_named(t, i);
        h[i] = ss_hash(t, i, e); name[i] = d->name; parent[i] = d->parent;
    }
}

/* ------------------------------------------------------------------ a share */

expander_t *mc_x_new(int me, int parts, int canonical, int check_deadlock) {
#ifdef M_MMAP_THRESHOLD
    /* freed tables and buckets stay in the heap for the next level: an mmap'd block comes
     * back from the kernel zeroed, page by page, and is unmapped with a TLB shootdown on
     * every core the shares run on. One arena: a thread's own arena is made of 64 MB
     * heaps that are mapped and unmapped as they fill and empty, whatever the thresholds */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_ARENA_MAX, 1);
#endif
    expander_t *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    x->me = me; x->parts = parts;
    x->s.canonical = canonical;
    x->s.check_deadlock = check_deadlock;
    x->s.ctx.s = &x->s;
    x->s.ctx.x = x;
    x->out = calloc((size_t)parts, sizeof *x->out);
    if (!x->out) { free(x); return NULL; }
    return x;
}

static void bucket_clear(bucket_t *b) {
    free(b->p); free(b->fp); free(b->key); free(b->parent);
}

void mc_x_free(expander_t *x) {
    if (!x) return;
    for (int w = 0; w < x->parts; w++) bucket_clear(&x->out[w]);
    bucket_clear(&x->pend);
    free(x->out);
    ss_free(&x->st);
    free(x->seen.slot); free(x->seen.ref); free(x->legacy.slot); free(x->legacy.ref);
    free(x->pend_name); free(x->lv);
    free(x->pp); free(x->pown); free(x->pkey); free(x->pat); free(x->pfp);
    free(x->front); free(x->front_fp); free(x->front_rank);
    free(x->pend_rank); free(x->pend_src); free(x->pend_pos);
    free(x->s.ctx.held);
    free(x);
}

/* the shares are threads of this process: an owner reads the buckets sent to it in place,
 * so every successor is sent, and looked up once, by its owner */
void mc_x_local(expander_t *x) { x->local = 1; }

/* the frontier (a seed, a checkpoint read back): n rows with names and ranks */
int mc_x_set_frontier(expander_t *x, const uint8_t *rows, const int64_t *fp,
                      const int64_t *rank, int64_t n) {
    if (n > x->front_cap) {  /* by half again: a growing search reallocates rarely */
        int64_t cap = n + n / 2 + 1024;
        free(x->front); free(x->front_fp); free(x->front_rank);
        x->front = malloc((size_t)cap * PACKED);
        x->front_fp = malloc((size_t)cap * sizeof *fp);
        x->front_rank = malloc((size_t)cap * sizeof *rank);
        x->front_cap = cap;
        if (!x->front || !x->front_fp || !x->front_rank) { x->front_cap = 0; return 2; }
    }
    memcpy(x->front, rows, (size_t)n * PACKED);
    memcpy(x->front_fp, fp, (size_t)n * sizeof *fp);
    memcpy(x->front_rank, rank, (size_t)n * sizeof *rank);
    x->nfront = n;
    return 0;
}

int64_t mc_x_frontier_size(const expander_t *x) { return x->nfront; }

/* frontier states from..to: rows, names, ranks (any may be NULL) */
void mc_x_frontier(const expander_t *x, int64_t from, int64_t to, uint8_t *rows, int64_t *fp,
                   int64_t *rank) {
    int64_t n = to - from;
    if (rows) memcpy(rows, x->front + (size_t)from * PACKED, (size_t)n * PACKED);
    if (fp) memcpy(fp, x->front_fp + from, (size_t)n * sizeof *fp);
    if (rank) memcpy(rank, x->front_rank + from, (size_t)n * sizeof *rank);
}

/* a new level: the buckets and what was met emptied */
int mc_x_begin(expander_t *x) {
    for (int w = 0; w < x->parts; w++) { x->out[w].n = 0; x->out[w].rows = 1; }
    if (x->local) return 0;
    return fpset_clear(&x->seen, 2 * x->nfront) ? 0 : 2;  /* new successors: about as many */
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

/* a candidate for `b`: its row, hash, key and parent's name (not counted yet) */
static int x_send(expander_t *x, bucket_t *b, const uint8_t *row, int64_t f, int64_t key,
                  int64_t parent) {
    if (!bucket_room(b, 1)) { x->s.fatal = 2; return 0; }
    memcpy(b->p + (size_t)b->n * PACKED, row, PACKED);  /* in place, to compare */
    b->fp[b->n] = f;
    b->key[b->n] = key;
    b->parent[b->n] = parent;
    return 1;
}

/* a successor: packed and hashed, named too while a Python checkpoint's names are about
 * (and dropped if it is one of them). Shares of one process send it to its owner now;
 * else it waits to be looked up with the others of a few frontier states (`x_flush`) */
static void x_emit(ctx_t *c, const int64_t *v) {
    expander_t *x = c->x;
    x->fired[c->pc]++;
    int64_t buf[W], key = (x->rank << KEY_BITS) + 1 + c->results++;
    const int64_t *u = x->s.canonical ? canon(v, buf) : v;
    if (x->legacy.n && fpset_has(&x->legacy, py_fingerprint(u))) return;
    if (x->local) {
        uint8_t row[PACKED];
        int64_t f = (int64_t)pack_hash(u, row);
        bucket_t *b = &x->out[owner(f, x->parts)];
        if (x_send(x, b, row, f, key, x->front_fp[x->at])) b->n++;
        return;
    }
    if (x->pn == x->pcap) {
        int64_t cap = x->pcap * 2 + 64;
        uint8_t *pp = realloc(x->pp, (size_t)cap * PACKED);
        if (pp) x->pp = pp;
        int64_t **arrays[3] = {&x->pkey, &x->pat, &x->pfp};
        for (int k = 0; k < 3; k++) {
            int64_t *a = realloc(*arrays[k], (size_t)cap * sizeof **arrays[k]);
            if (a) *arrays[k] = a;
            else pp = NULL;
        }
        int *pown = realloc(x->pown, (size_t)cap * sizeof *pown);
        if (pown) x->pown = pown;
        if (!pp || !pown) { x->s.fatal = 2; return; }
        x->pcap = cap;
    }
    x->pfp[x->pn] = (int64_t)pack_hash(u, x->pp + (size_t)x->pn * PACKED);
    x->pkey[x->pn] = key;
    x->pat[x->pn++] = x->at;
}

/* the successors met so far, in the order met, to their owners' buckets, between
 * processes: one is dropped first if this share owns and stores it, or met it already in
 * this level (that one came first, so it has the least key): fewer bytes to send */
static void x_flush(expander_t *x) {
    int64_t n = x->pn, i;
    const sstore_t *t = &x->st;
    for (i = 0; i < n; i++) {
        int64_t f = x->pfp[i];
        if ((x->pown[i] = owner(f, x->parts)) == x->me && t->cap)
            __builtin_prefetch(&t->ids[ss_home(t, f)]);
        __builtin_prefetch(&x->seen.slot[home(fmix((uint64_t)f), x->seen.cap)]);
    }
    for (i = 0; i < n && !x->s.fatal; i++) {
        int64_t f = x->pfp[i];
        int o = x->pown[i];
        const uint8_t *row = x->pp + (size_t)i * PACKED;
        uint64_t slot;
        if (o == x->me && ss_find(t, f, row, &slot) >= 0) continue;
        bucket_t *b = &x->out[o];
        if (!x_send(x, b, row, f, x->pkey[i], x->front_fp[x->pat[i]])) break;
        int added = fpset_add(&x->seen, f, (int64_t)o << REF_SHIFT | b->n,
                              t->exact ? x->out : NULL);
        if (added < 0) x->s.fatal = 2;
        if (added > 0) b->n++;
    }
    x->pn = 0;
}

static void x_happen(ctx_t *c, int kind, int prop) {
    expander_t *x = c->x;
    int64_t key = (x->rank << KEY_BITS) + 1 + c->results++;
    if (kind == H_BOUND) { x_note(x, N_POOL); return; }
    if (kind == H_EVAL) { x_note(x, N_EVAL); prop = EVAL_PROP; }
    x_found(x, prop, kind == H_EVAL ? V_EVAL : V_FAIL, key, c->me, c->pc);
}

/* expand frontier states first..first+n (ranks ascending); 0, or the search's fatal code */
int mc_x_expand(expander_t *x, int64_t first, int64_t n) {
    int64_t v[W];
    for (int64_t i = first; i < first + n && i < x->nfront && !x->s.fatal; i++) {
        x->rank = x->front_rank[i];
        x->at = i;
        unpack(x->front + (size_t)i * PACKED, v);
        x->s.ctx.results = 0;
        int in = within(&x->s.ctx, v);  /* outside the constraint: kept, not expanded */
        if (in != 1) { x->outside++; if (in < 0) x_note(x, N_CONSTRAINT); continue; }
        expand(&x->s.ctx, v);
        if (!x->s.ctx.results && x->s.check_deadlock && alive(v))
            x_found(x, DEADLOCK_PROP, V_DEADLOCK, (x->rank << KEY_BITS) | LAST_KEY, -1, -1);
        if (x->pn >= FLUSH) x_flush(x);
    }
    x_flush(x);
    return x->s.fatal;
}

/* the states outside the constraint met since the last call */
int64_t mc_x_outside(expander_t *x) {
    int64_t n = x->outside;
    x->outside = 0;
    return n;
}

/* the successors per pc and the found records (X_FIELDS per property) since the last
 * call; the notes' codes, 3 bits each in the order first met; then all is cleared */
int mc_x_take(expander_t *x, int64_t *fired, int64_t *found) {
    memcpy(fired, x->fired, sizeof x->fired);
    memcpy(found, x->found, sizeof x->found);
    int notes = x->notes;
    x->noted = x->notes = x->nnotes = 0;
    memset(x->fired, 0, sizeof x->fired);
    memset(x->found, 0, sizeof x->found);
    return notes;
}

/* ------------------------------------------------------------------ collect, rank, accept */

static int pend_room(expander_t *x, int64_t n) {
    if (!bucket_room(&x->pend, n)) return 0;
    if (n <= x->pend_cap) return 1;
    int64_t **arrays[4] = {&x->pend_rank, &x->pend_src, &x->pend_pos, &x->pend_name};
    for (int k = 0; k < 4; k++) {
        int64_t *a = realloc(*arrays[k], (size_t)n * sizeof **arrays[k]);
        if (!a) return 0;
        *arrays[k] = a;
    }
    x->pend_cap = n;
    return 1;
}

/* the candidates of nin buckets (one per sender, each in key order) merged by key, each
 * stored unless it is already (a state's first candidate has its least key): the new
 * states here, in key order, numbered from `level_first` in the store. Their number, or -1
 * out of memory. They are looked up FLUSH at a time, their table slots fetched into the
 * cache first, then an exact share's rows to compare with */
int64_t mc_x_collect(expander_t *x, bucket_t *const *in, int nin) {
    int64_t total = 0, at[nin], head[nin], ci[FLUSH];
    int cw[FLUSH];
    sstore_t *t = &x->st;
    for (int w = 0; w < nin; w++) {
        total += in[w]->n;
        at[w] = 0;
        head[w] = in[w]->n ? in[w]->key[0] : INT64_MAX;  /* the next key of each; MAX: none */
        if (t->exact && in[w]->n && !in[w]->rows) return -1;  /* nothing to compare */
    }
    bucket_t *p = &x->pend;
    p->n = 0;
    x->level_first = t->n;
    if (!pend_room(x, total)) return -1;
    for (;;) {
        int m = 0;
        for (; m < FLUSH; m++) {
            int w = 0;
            for (int k = 1; k < nin; k++)
                if (head[k] < head[w]) w = k;
            if (head[w] == INT64_MAX) break;
            cw[m] = w;
            ci[m] = at[w]++;
            head[w] = at[w] < in[w]->n ? in[w]->key[at[w]] : INT64_MAX;
        }
        if (!m) break;
        if (!ss_room(t, m)) return -1;
        for (int j = 0; j < m; j++) __builtin_prefetch(&t->ids[ss_home(t, in[cw[j]]->fp[ci[j]])]);
        for (int j = 0; j < m; j++) {
            const bucket_t *b = in[cw[j]];
            int64_t i = ci[j], f = b->fp[i];
            const uint8_t *row = b->rows ? b->p + (size_t)i * PACKED : NULL;
            uint64_t slot;
            if (ss_find(t, f, row, &slot) >= 0) continue;
            ss_put(t, f, row, slot);
            if (row) memcpy(p->p + (size_t)p->n * PACKED, row, PACKED);
            p->fp[p->n] = f;
            p->key[p->n] = b->key[i];
            p->parent[p->n] = b->parent[i];
            x->pend_src[p->n] = cw[j];
            x->pend_pos[p->n++] = i;
        }
    }
    return p->n;
}

/* the positions in sender w's bucket of the new states it must send here (their rows
 * were not collected); their number */
int64_t mc_x_wanted(const expander_t *x, int w, int64_t *pos) {
    int64_t k = 0;
    for (int64_t i = 0; i < x->pend.n; i++)
        if (x->pend_src[i] == w) pos[k++] = x->pend_pos[i];
    return k;
}

/* the rows sender w sent for `mc_x_wanted`, in that order */
void mc_x_fill(expander_t *x, int w, const uint8_t *rows) {
    for (int64_t i = 0, k = 0; i < x->pend.n; i++)
        if (x->pend_src[i] == w)
            memcpy(x->pend.p + (size_t)i * PACKED, rows + (size_t)k++ * PACKED, PACKED);
}

int64_t mc_x_pending(const expander_t *x) { return x->pend.n; }

const int64_t *mc_x_keys(const expander_t *x) { return x->pend.key; }

/* each new state's rank among every share's new states: `keys[w]` (lens[w] of them,
 * ascending) are share w's keys, this one's among them; keys are distinct */
void mc_x_rank(expander_t *x, const int64_t *const *keys, const int64_t *lens, int nparts) {
    int64_t at[nparts];
    for (int w = 0; w < nparts; w++) at[w] = 0;
    for (int64_t i = 0; i < x->pend.n; i++) {
        int64_t k = x->pend.key[i], r = i;
        for (int w = 0; w < nparts; w++) {
            if (w == x->me) continue;
            while (at[w] < lens[w] && keys[w][at[w]] < k) at[w]++;
            r += at[w];
        }
        x->pend_rank[i] = r;
    }
}

/* the ranks worked out elsewhere (between processes: `partition.Partition.rank`) */
void mc_x_set_ranks(expander_t *x, const int64_t *rank) {
    memcpy(x->pend_rank, rank, (size_t)x->pend.n * sizeof *rank);
}

/* for each invariant's property not in `skip`: the first of the n unpacked states v that
 * breaks it (or cannot evaluate it), as the frontier index at + its index in v */
static void x_check(expander_t *x, const int64_t *v, int64_t n, int64_t at,
                    const int8_t *skip, int64_t *first) {
    for (int64_t j = 0; j < n; j++)
        for (int k = 0; k < NINV; k++) {
            int prop = INV_PROP[k];
            if (!skip[prop] && first[prop] < 0 && invariant(&x->s.ctx, k, v + j * W) != 1)
                first[prop] = at + j;
        }
}

/* the new states ranked below `keep` (a state limit) named (four side by side:
 * `py_fingerprint4`) and checked (`first`: for each invariant's property not in `skip`,
 * the frontier index of the first state that breaks it, else -1); the others leave the
 * store. They become the frontier. Their number, or -1 out of memory */
int64_t mc_x_accept(expander_t *x, int64_t keep, const int8_t *skip, int64_t *first) {
    bucket_t *p = &x->pend;
    int64_t m = 0, v[4 * W];
    for (int k = 0; k < NPROPS; k++) first[k] = -1;
    while (m < p->n && x->pend_rank[m] < keep) m++;
    if (m < p->n) ss_cut(&x->st, x->level_first + m, p->fp + m);
    if (x->nlv && x_level(x, x->level_first)) return -1;
    for (int64_t i = 0; i < m; i += 4) {
        int64_t k = m - i < 4 ? m - i : 4;
        for (int64_t j = 0; j < k; j++) unpack(p->p + (size_t)(i + j) * PACKED, v + j * W);
        if (k == 4) py_fingerprint4(v, x->pend_name + i);
        else for (int64_t j = 0; j < k; j++) x->pend_name[i + j] = py_fingerprint(v + j * W);
        for (int64_t j = 0; j < k; j++) {
            named_t *d = ss_named(&x->st, x->level_first + i + j);
            d->name = x->pend_name[i + j];
            d->parent = p->parent[i + j];
        }
        x_check(x, v, k, i, skip, first);
    }
    if (mc_x_set_frontier(x, p->p, x->pend_name, x->pend_rank, m)) return -1;
    p->n = 0;
    return m;
}

/* between Python's tuples and packed states, n at a time */
void mc_pack_n(const int64_t *v, int64_t n, uint8_t *out) {
    for (int64_t i = 0; i < n; i++) pack(v + i * W, out + (size_t)i * PACKED);
}

void mc_unpack_n(const uint8_t *p, int64_t n, int64_t *out) {
    for (int64_t i = 0; i < n; i++) unpack(p + (size_t)i * PACKED, out + i * W);
}

/* the name of an unpacked state, for the tests that hold it to Python's fingerprint */
int64_t mc_fingerprint(const int64_t *v) { return py_fingerprint(v); }

/* the hashes of n packed rows (the stored forms: their owners) */
void mc_hash_n(const uint8_t *p, int64_t n, int64_t *out) {
    for (int64_t i = 0; i < n; i++) out[i] = (int64_t)hash_state(p + (size_t)i * PACKED);
}
