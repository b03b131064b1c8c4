/* mcheck native engine: the store of one level-search share (shard.c).
 *
 * States are numbered in the order stored (a level's states in rank order, since an owner
 * stores them as it meets them in key order), and everything kept per state is a dense
 * column indexed by that number, in blocks of BLOCK states that never move as the store
 * grows: the name and the parent's name (16 bytes), and either the packed row (an exact
 * share, which tells states apart by their rows) or the low half of the hash (a
 * fingerprint share, whose states are their 64-bit hashes). The table that finds a state
 * holds one word a slot, the hash's high half and the number + 1, as the single-process
 * search's exact table does: a slot's home depends on the high half only, so the table
 * grows (by half, at three quarters full) without reading the columns. A share stores a
 * level's new states as it collects them, before their names are known and before the
 * coordinator has said how many it keeps; a level cut short by a state limit drops its
 * tail again (`ss_cut`: the slots become tombstones).
 */

#define SS_TOMB 0xFFFFFFFF00000000ULL   /* a dropped state's slot: probed past, never equal */
#define SS_HI(h) ((uint64_t)(h) & 0xFFFFFFFF00000000ULL)

typedef struct { int64_t name, parent; } named_t;

typedef struct {
    uint64_t *ids;         /* the table: hash's high half | number + 1; 0 is empty */
    uint64_t cap, used;    /* slots; slots not empty (tombstones too) */
    int64_t n, blocks;     /* states stored; column blocks of BLOCK states */
    named_t **named;       /* each state's name and its parent's name */
    uint32_t **lo;         /* a fingerprint store: the low half of each state's hash */
    uint8_t **rows;        /* an exact store: each state's packed row */
    int exact;
} sstore_t;

static inline named_t *ss_named(const sstore_t *t, int64_t i) {
    return &t->named[i / BLOCK][i % BLOCK];
}

static inline uint8_t *ss_row(const sstore_t *t, int64_t i) {
    return t->rows[i / BLOCK] + (size_t)(i % BLOCK) * PACKED;
}

static inline uint64_t ss_home(const sstore_t *t, int64_t h) { return home_hi((uint64_t)h, t->cap); }

/* whether slot entry e is state (h, row) */
static inline int ss_is(const sstore_t *t, uint64_t e, int64_t h, const uint8_t *row) {
    if (SS_HI(e) != SS_HI(h) || !(uint32_t)e) return 0;
    int64_t i = (int64_t)(uint32_t)e - 1;
    return t->exact ? !memcmp(ss_row(t, i), row, PACKED)
                    : t->lo[i / BLOCK][i % BLOCK] == (uint32_t)h;
}

/* the number of state (h, row) (row: an exact store's), else -1 with *slot where it goes */
static int64_t ss_find(const sstore_t *t, int64_t h, const uint8_t *row, uint64_t *slot) {
    if (!t->cap) { *slot = 0; return -1; }
    for (uint64_t j = ss_home(t, h);; j = j + 1 == t->cap ? 0 : j + 1) {
        uint64_t e = t->ids[j];
        if (!e) { *slot = j; return -1; }
        if (ss_is(t, e, h, row)) return (int64_t)(uint32_t)e - 1;
    }
}

/* the table rebuilt with room for `more` states (tombstones left out); 0 out of memory */
static int ss_grow(sstore_t *t, int64_t more) {
    uint64_t cap = t->cap ? t->cap : 1 << 12;
    while ((uint64_t)(t->n + more) * 4 > cap * 3) cap = cap * 3 / 2;
    uint64_t *ids = calloc(cap, sizeof *ids);
    if (!ids) return 0;
    move_ids(t->ids, t->cap, ids, cap);
    free(t->ids);
    t->ids = ids;
    t->cap = cap;
    t->used = (uint64_t)t->n;
    return 1;
}

/* room in the table and the columns for `more` states; 0 out of memory */
static int ss_room(sstore_t *t, int64_t more) {
    if (t->n + more >= (int64_t)UINT32_MAX) return 0;
    if ((t->used + (uint64_t)more) * 4 > t->cap * 3 && !ss_grow(t, more)) return 0;
    while (t->n + more > t->blocks * BLOCK) {
        int64_t b = t->blocks;
        named_t **named = realloc(t->named, (size_t)(b + 1) * sizeof *named);
        if (!named) return 0;
        t->named = named;
        if (!(named[b] = malloc((size_t)BLOCK * sizeof **named))) return 0;
        if (t->exact) {
            uint8_t **rows = realloc(t->rows, (size_t)(b + 1) * sizeof *rows);
            if (!rows) return 0;
            t->rows = rows;
            if (!(rows[b] = malloc((size_t)BLOCK * PACKED))) return 0;
        } else {
            uint32_t **lo = realloc(t->lo, (size_t)(b + 1) * sizeof *lo);
            if (!lo) return 0;
            t->lo = lo;
            if (!(lo[b] = malloc((size_t)BLOCK * sizeof **lo))) return 0;
        }
        t->blocks++;
    }
    return 1;
}

/* state (h, row) stored at `slot` (from `ss_find`, with room made before): its number */
static int64_t ss_put(sstore_t *t, int64_t h, const uint8_t *row, uint64_t slot) {
    int64_t i = t->n++;
    if (t->exact) memcpy(ss_row(t, i), row, PACKED);
    else t->lo[i / BLOCK][i % BLOCK] = (uint32_t)h;
    t->ids[slot] = SS_HI(h) | (uint64_t)(i + 1);
    t->used++;
    return i;
}

/* the states numbered from..n dropped (their hashes h[0..n - from)): the last stored */
static void ss_cut(sstore_t *t, int64_t from, const int64_t *h) {
    for (int64_t i = from; i < t->n; i++)
        for (uint64_t j = ss_home(t, h[i - from]);; j = j + 1 == t->cap ? 0 : j + 1)
            if ((uint32_t)t->ids[j] == (uint64_t)(i + 1)) { t->ids[j] = SS_TOMB; break; }
    t->n = from;
}

/* state i's hash (a checkpoint's, by which a resumed share finds its owner) */
static int64_t ss_hash(const sstore_t *t, int64_t i, uint64_t entry) {
    if (t->exact) return (int64_t)hash_state(ss_row(t, i));
    return (int64_t)(SS_HI(entry) | t->lo[i / BLOCK][i % BLOCK]);
}

static int64_t ss_bytes(const sstore_t *t) {
    return (int64_t)(t->cap * sizeof *t->ids) +
           t->blocks * BLOCK * (int64_t)(sizeof(named_t) + (t->exact ? PACKED : 4));
}

static void ss_free(sstore_t *t) {
    for (int64_t b = 0; b < t->blocks; b++) {
        free(t->named[b]);
        if (t->exact) free(t->rows[b]);
        else free(t->lo[b]);
    }
    free(t->named); free(t->rows); free(t->lo); free(t->ids);
}
