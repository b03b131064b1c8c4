/* mcheck native engine: the functions the Python driver calls (see build.py's CDEF).
 *
 * One search (search.c): the functions here
 * start it, feed it the initial states, run it in slices and read back what it found:
 * counts, notes, the first violation of each property, paths, and the stored states
 * (the exact store) for the lints.
 */

search_t *mc_new(int fp_mode, int64_t max_states, int64_t max_depth, int stop_at_first,
                 int check_deadlock, const char *log_path, int canonical) {
    search_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->fp_mode = fp_mode; s->max_states = max_states; s->max_depth = max_depth;
    s->stop_at_first = stop_at_first; s->check_deadlock = check_deadlock;
    s->canonical = canonical;
    s->ctx.s = s;
    s->cap = 1024;
    if (fp_mode) {
        s->log = fopen(log_path, "w+b");
        if (!s->log) s->fatal = 3;
    }
    if (fp_mode) {
        s->fps = grab(s->cap * sizeof *s->fps, s);
    } else {
        s->ids = grab(s->cap * sizeof *s->ids, s);
    }
    return s;
}

void mc_free(search_t *s) {
    if (!s) return;
    for (int64_t b = 0; b < s->blocks; b++) { free(s->arena[b]); free(s->parents[b]); }
    free(s->arena); free(s->parents); free(s->ids); free(s->fps);
    free(s->cur); free(s->nxt); free(s->cur_fp); free(s->nxt_fp);
    free(s->initial); free(s->initial_fp); free(s->pending); free(s->ctx.held);
    if (s->log) fclose(s->log);
    free(s);
}

/* an initial state (from the Python side, in `init` order): 1 if new, 0 if seen. Under
 * symmetry its canonical form is stored, and the state itself is what its invariants are
 * checked on and what a replayed path starts from (as in the Python engine). */
int mc_add_initial(search_t *s, const int64_t *v) {
    int64_t buf[W];
    uint8_t p[PACKED], real[PACKED];
    uint64_t h = pack_hash(s->canonical ? canon(v, buf) : v, p), key = h;
    pack(v, real);
    int r;
    if (s->fp_mode) r = store_fp(s, p, h, NO_PARENT);
    else r = store_exact(s, p, h, NO_PARENT, &key);
    if (r <= 0) return 0;
    if (s->fp_mode) {
        int64_t cap = s->initial_cap;
        if (!push(s, &s->initial, &s->initial_fp, &s->n_initial, &cap, real, h)) return 0;
        s->initial_cap = cap;
    }
    check_state(s, v, key, 0, real);
    return 1;
}

/* the canonical form of a state (symmetry reduction), for the tests */
void mc_canon(const int64_t *v, int64_t *out) {
    const int64_t *c = canon(v, out);
    if (c != out) memcpy(out, c, W * sizeof *out);
}

/* a property the Python side found violated already (while building initial states) */
void mc_mark_violated(search_t *s, int prop) {
    if (!s->violated[prop]) { s->violated[prop] = 1; s->nviolated++; }
    if (s->stop_at_first || s->nviolated == NPROPS) s->finished = 1;
}

/* expand about `budget` states; RUNNING while states are left, DONE, or FATAL */
int mc_run(search_t *s, int64_t budget) {
    return single_run(s, budget);
}

void mc_counts(search_t *s, int64_t *out) {
    int64_t t = 0;
    for (int k = 0; k < NPC; k++) t += s->fired[k];
    out[0] = s->n; out[1] = t; out[2] = s->deepest; out[3] = s->n - s->next;
    out[4] = s->next;
    int64_t bytes = (int64_t)(s->cap * sizeof(uint64_t));
    if (!s->fp_mode) bytes += s->n * (int64_t)(PACKED + sizeof(uint32_t));
    out[5] = bytes;
    out[6] = s->outside;
}

void mc_fired(search_t *s, int64_t *out) { memcpy(out, s->fired, sizeof s->fired); }

/* fatal (1 overflow, 2 out of memory or ids, 3 the log), finished, then the notes */
void mc_flags(search_t *s, int *out) {
    out[0] = s->fatal; out[1] = s->finished; out[2] = s->nnotes;
    for (int k = 0; k < s->nnotes; k++) out[3 + k] = s->notes[k];
}

/* the first violation of a property: 0 if none; else its kind, with the state involved */
int mc_violation(search_t *s, int prop, int64_t *info, int64_t *state) {
    viol_t *v = &s->first[prop];
    if (!v->kind) return 0;
    info[0] = v->me; info[1] = v->pc; info[2] = v->depth; info[3] = (int64_t)v->key;
    unpack(v->state, state);
    return v->kind;
}

/* the keys from `key` back to an initial state, into out: how many, or -1 */
static int64_t chain(search_t *s, uint64_t key, uint64_t *out, int64_t max) {
    int64_t len = 0;
    if (!s->fp_mode) {
        for (uint64_t i = key; len < max;) {
            out[len++] = i;
            uint64_t p = *parent_at(s, (int64_t)i) == NO_INDEX ? NO_PARENT
                                                               : *parent_at(s, (int64_t)i);
            if (p == NO_PARENT) return len;
            i = p;
        }
        return -1;
    }
    /* parents come before their children in the log: one backward pass finds them all */
    enum { CHUNK = 4096 };
    uint64_t buf[2 * CHUNK];
    uint64_t want = key;
    fflush(s->log);
    for (int64_t end = s->logged; end > 0 && len < max;) {
        int64_t start = end > CHUNK ? end - CHUNK : 0;
        if (fseek(s->log, start * 16, SEEK_SET) ||
            fread(buf, 16, (size_t)(end - start), s->log) != (size_t)(end - start)) return -1;
        for (int64_t r = end - start - 1; r >= 0; r--) {
            if (buf[2 * r] != want) continue;
            out[len++] = want;
            want = buf[2 * r + 1];
            if (want == NO_PARENT) { fseek(s->log, 0, SEEK_END); return len; }
            if (len == max) break;
        }
        end = start;
    }
    fseek(s->log, 0, SEEK_END);
    return -1;
}

/* the states from an initial state to `key`, unpacked into out (W slots each): the
 * number of states, or -1 */
int64_t mc_path(search_t *s, uint64_t key, int64_t *out, int64_t max) {
    uint64_t *keys = malloc((size_t)max * sizeof *keys);
    if (!keys) return -1;
    int64_t len = chain(s, key, keys, max);
    for (int64_t k = 0; k < len && !s->fp_mode; k++)
        unpack(state_at(s, (int64_t)keys[len - 1 - k]), out + k * W);
    if (len > 0 && s->fp_mode) {
        int64_t i = 0;
        while (i < s->n_initial && s->initial_fp[i] != keys[len - 1]) i++;
        if (i == s->n_initial) len = -1;
        else unpack(s->initial + (size_t)i * PACKED, out);
        for (int64_t k = 1; k < len; k++) {
            s->finding = 1; s->found = 0; s->find_fp = keys[len - 1 - k];
            expand(&s->ctx, out + (k - 1) * W);
            s->finding = 0;
            if (!s->found) { len = -1; break; }
            unpack(s->found_packed, out + k * W);
        }
    }
    free(keys);
    return len;
}

int mc_shape(int *out) {
    out[0] = W; out[1] = PACKED; out[2] = NPC; out[3] = NPROPS;
    return 0;
}

/* ---------------------------------------------- the stored states (exact store) */

typedef struct { int64_t *counts; } pcs_t;
typedef struct { int64_t first[W]; int8_t *out; int have; } changed_t;

static void each(search_t *s, void (*f)(void *, const uint8_t *), void *arg) {
    for (int64_t i = 0; i < s->n; i++) f(arg, state_at(s, i));
}

/* stored states first .. first + count - 1 (in the order stored), unpacked into out */
void mc_states(search_t *s, int64_t first, int64_t count, int64_t *out) {
    for (int64_t k = 0; k < count; k++) unpack(state_at(s, first + k), out + k * W);
}

static void pcs_one(void *arg, const uint8_t *p) {
    int64_t v[W];
    unpack(p, v);
    for (int t = 0; t < POOL; t++) {
        int64_t pc = v[TB + t * STRIDE];
        if (pc >= 0 && pc < NPC) ((pcs_t *)arg)->counts[pc]++;
    }
}

/* how many (state, thread) pairs have the thread waiting at each pc */
void mc_pc_counts(search_t *s, int64_t *out) {
    pcs_t c = {out};
    memset(out, 0, sizeof(int64_t) * NPC);
    each(s, pcs_one, &c);
}

static void changed_one(void *arg, const uint8_t *p) {
    changed_t *c = arg;
    int64_t v[W];
    unpack(p, c->have ? v : c->first);
    if (!c->have) { c->have = 1; return; }
    for (int k = 0; k < W; k++) c->out[k] |= v[k] != c->first[k];
}

/* for each slot, whether the stored states hold more than one value there */
void mc_changed(search_t *s, int8_t *out) {
    changed_t c;
    c.out = out; c.have = 0;
    memset(out, 0, W);
    each(s, changed_one, &c);
}

/* whether some thread of v waits at a pc marked in pcs */
static int waits_at(const int64_t *v, const int8_t *pcs) {
    for (int t = 0; t < POOL; t++) {
        int64_t pc = v[TB + t * STRIDE];
        if (pc >= 0 && pc < NPC && pcs[pc]) return 1;
    }
    return 0;
}

/* from position `start` on: up to `max` stored states with a thread waiting at a pc marked
 * in `pcs`, unpacked into out; *next is where to go on (the number of states: done) */
int64_t mc_scan(search_t *s, int64_t start, const int8_t *pcs, int64_t max, int64_t *out,
                int64_t *next) {
    int64_t got = 0, pos = start;
    for (; pos < s->n && got < max; pos++) {
        unpack(state_at(s, pos), out + got * W);
        got += waits_at(out + got * W, pcs);
    }
    *next = pos;
    return got;
}
