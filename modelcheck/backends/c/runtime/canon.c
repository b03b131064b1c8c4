/* mcheck native engine: symmetry reduction, the part that is the same for every model.
 *
 * `canon` maps a state to the representative of its class that the Python back end
 * picks (backends/python/canon.py), bit for bit, so both engines store the same states
 * and meet them in the same order. The generated code before this file gives the sizes
 * and tables (NSORTS, MAXN, SIGLEN, TID_SORT, OWNER, LINK, ...); after it come
 * `canon_sigs` (each movable id's signature), `canon_rename` and `state_less`.
 *
 * Ids are ordered by (signature, id). With no two signatures equal, which is most
 * states, the state is renamed once (or not at all when the order is the identity).
 * Tied thread ids are told apart by the kinds of threads they point at and that point
 * at them, for as long as that breaks ties; ids still tied are tried in every
 * arrangement worth trying (ids whose swap fixes the state count as one), and the least
 * image wins. Everything lives on the stack: threads of a parallel search call it at once.
 */

typedef struct {
    int n;                    /* movable ids */
    int ids[MAXN];            /* the movable ids, ascending */
    int len[MAXN];            /* by position in ids: the length of its signature */
    sig_t sig[MAXN][SIGLEN];
    int order[MAXN];          /* positions in ids, by (signature, id) */
    int rank[MAXN];           /* by place in order: the rank of its signature */
} sort_t;

static void canon_sigs(const int64_t *v, const int *O, sort_t *S);
static void canon_rename(const int64_t *v, const int *O, int Q[][MAXN], int64_t *out);
static int state_less(const int64_t *a, const int64_t *b);

static inline int64_t remask(int64_t m, const int *P, int n) {
    uint64_t u = (uint64_t)m, r = 0;
    for (int k = 0; k < n; k++) r |= ((u >> k) & 1) << P[k];
    return (int64_t)r;
}

/* each thread's block layout: its pc's, or under a signal handler the interrupted pc's */
static void owners(const int64_t *v, int *O) {
    for (int i = 0; i < POOL; i++) {
        const int64_t *b = v + TB + i * STRIDE;
        O[i] = OWNER[b[0]];
#if SAVED >= 0
        if (O[i] == -2) O[i] = OWNER[b[SAVED]];
#endif
    }
}

static int sig_cmp(const sort_t *x, int a, int b) {
    int la = x->len[a], lb = x->len[b], m = la < lb ? la : lb;
    for (int i = 0; i < m; i++)
        if (x->sig[a][i] != x->sig[b][i]) return x->sig[a][i] < x->sig[b][i] ? -1 : 1;
    return (la > lb) - (la < lb);
}

/* order the ids by (signature, id) and rank the signatures: whether two ids tie */
static int rank_sigs(sort_t *x) {
    int tied = 0;
    for (int i = 0; i < x->n; i++) {
        int j = i;
        while (j > 0 && sig_cmp(x, x->order[j - 1], i) > 0) { x->order[j] = x->order[j - 1]; j--; }
        x->order[j] = i;
    }
    for (int i = 0; i < x->n; i++) {
        int same = i > 0 && sig_cmp(x, x->order[i - 1], x->order[i]) == 0;
        x->rank[i] = i ? x->rank[i - 1] + !same : 0;
        tied |= same;
    }
    return tied;
}

static int distinct(const sort_t *x) { return x->n ? x->rank[x->n - 1] + 1 : 0; }

/* --------------------------------------------------------- refining thread ids */

typedef struct {
    int kind, nout, ninto;
    int64_t out[MAXLINKS];          /* per link slot: the kind it points at (canon.py) */
    int into[POOL * MAXLINKS][2];   /* (kind, slot) of each link pointing here, sorted */
} refined_t;

static int pair_cmp(const int *a, const int *b) {
    return a[0] != b[0] ? (a[0] > b[0]) - (a[0] < b[0]) : (a[1] > b[1]) - (a[1] < b[1]);
}

static int refined_cmp(const refined_t *a, const refined_t *b) {
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    int m = a->nout < b->nout ? a->nout : b->nout;
    for (int i = 0; i < m; i++)
        if (a->out[i] != b->out[i]) return a->out[i] < b->out[i] ? -1 : 1;
    if (a->nout != b->nout) return a->nout < b->nout ? -1 : 1;
    m = a->ninto < b->ninto ? a->ninto : b->ninto;
    for (int i = 0; i < m; i++) {
        int c = pair_cmp(a->into[i], b->into[i]);
        if (c) return c;
    }
    return (a->ninto > b->ninto) - (a->ninto < b->ninto);
}

/* tied thread ids: signatures that also hold the kinds of the threads each points at and
 * of those pointing at it, until no more ties break (Canonicaliser._refine) */
static void refine(const int64_t *v, const int *O, sort_t *x) {
    refined_t R[MAXN];
    int kind[POOL], pos[POOL], order[MAXN];
    for (;;) {
        for (int t = 0; t < POOL; t++) kind[t] = -1;
        for (int i = 0; i < x->n; i++) {
            kind[x->ids[x->order[i]]] = x->rank[i];
            pos[x->ids[i]] = i;
        }
        for (int i = 0; i < x->n; i++) {
            R[i].kind = kind[x->ids[i]];
            R[i].nout = R[i].ninto = 0;
        }
        for (int i = 0; i < x->n; i++) {
            int L = O[x->ids[i]];
            const int64_t *b = v + TB + x->ids[i] * STRIDE;
            for (int l = 0; l < NLINK[L]; l++) {
                int64_t t = b[LINK[L][l]];
                int moves = t != NONE && t >= 0 && t < POOL && kind[t] >= 0;
                R[i].out[R[i].nout++] = t == NONE ? -1 : moves ? kind[t] : -2 - t;
                if (moves) {
                    refined_t *to = &R[pos[t]];
                    to->into[to->ninto][0] = R[i].kind;
                    to->into[to->ninto++][1] = LINK[L][l];
                }
            }
        }
        for (int i = 0; i < x->n; i++) {
            refined_t *r = &R[i];
            for (int a = 1; a < r->ninto; a++)
                for (int c = a; c > 0 && pair_cmp(r->into[c - 1], r->into[c]) > 0; c--) {
                    int k0 = r->into[c][0], k1 = r->into[c][1];
                    r->into[c][0] = r->into[c - 1][0]; r->into[c][1] = r->into[c - 1][1];
                    r->into[c - 1][0] = k0; r->into[c - 1][1] = k1;
                }
        }
        for (int i = 0; i < x->n; i++) {
            int j = i;
            while (j > 0 && refined_cmp(&R[order[j - 1]], &R[i]) > 0) { order[j] = order[j - 1]; j--; }
            order[j] = i;
        }
        int rank[MAXN] = {0};
        for (int i = 0; i < x->n; i++)
            rank[i] = i ? rank[i - 1] + (refined_cmp(&R[order[i - 1]], &R[order[i]]) != 0) : 0;
        if (rank[x->n - 1] + 1 == distinct(x)) return;  /* nothing broke: keep the ranking */
        memcpy(x->order, order, (size_t)x->n * sizeof *order);
        memcpy(x->rank, rank, (size_t)x->n * sizeof *rank);
        if (distinct(x) == x->n) return;
    }
}

/* ------------------------------------------------------------ tied ids: images */

typedef struct {
    const int64_t *v;
    const int *O;
    const sort_t *S;
    int ord[NSORTS][MAXN];     /* per sort, per place: the id put there */
    int run[NSORTS][MAXN];     /* per sort, per place: its run's first class */
    int nclass[NSORTS][MAXN];  /* per sort, per place: how many classes its run has */
    int cur[NSORTS][MAXN];     /* per class: the next place of its not yet placed */
    int next[NSORTS][MAXN];    /* per place: the next place of its class, or -1 */
    int64_t tmp[W];
    int64_t *best;
    int have;
} images_t;

static void identity(int Q[][MAXN]) {
    for (int x = 0; x < NSORTS; x++)
        for (int k = 0; k < SIZES[x]; k++) Q[x][k] = k;
}

/* whether swapping ids i and j of type x leaves the state as it is */
static int swap_fixes(images_t *m, int x, int i, int j) {
    int Q[NSORTS][MAXN];
    identity(Q);
    Q[x][i] = j; Q[x][j] = i;
    canon_rename(m->v, m->O, Q, m->tmp);
    return !memcmp(m->tmp, m->v, sizeof m->tmp);
}

/* the classes of each run of tied ids: ids whose swap with the class's first fixes the
 * state (runs of fewer than three ids: each id alone, as canon.py tries both orders) */
static void classes(images_t *m, int x) {
    const sort_t *s = &m->S[x];
    int first[MAXN], ncls = 0;
    for (int a = 0; a < s->n;) {
        int b = a;
        while (b < s->n && s->rank[b] == s->rank[a]) b++;
        int start = ncls;
        for (int i = a; i < b; i++) {
            int id = s->ids[s->order[i]], c = start;
            if (b - a >= 3)
                while (c < ncls && !swap_fixes(m, x, s->ids[s->order[first[c]]], id)) c++;
            else
                c = ncls;
            m->next[x][i] = -1;
            if (c == ncls) {
                first[ncls] = i;
                m->cur[x][ncls++] = i;
            } else {
                int p = first[c];
                while (m->next[x][p] >= 0) p = m->next[x][p];
                m->next[x][p] = i;
            }
        }
        for (int i = a; i < b; i++) { m->run[x][i] = start; m->nclass[x][i] = ncls - start; }
        a = b;
    }
}

static void leaf(images_t *m) {
    int Q[NSORTS][MAXN];
    identity(Q);
    for (int x = 0; x < NSORTS; x++)
        for (int i = 0; i < m->S[x].n; i++) Q[x][m->S[x].ids[i]] = m->ord[x][i];
    canon_rename(m->v, m->O, Q, m->tmp);
    if (!m->have || state_less(m->tmp, m->best)) {
        memcpy(m->best, m->tmp, sizeof m->tmp);
        m->have = 1;
    }
}

/* every arrangement of the classes' ids in their runs, from place i of type x on */
static void arrange(images_t *m, int x, int i) {
    while (x < NSORTS && i == m->S[x].n) { x++; i = 0; }
    if (x == NSORTS) { leaf(m); return; }
    const sort_t *s = &m->S[x];
    for (int c = m->run[x][i]; c < m->run[x][i] + m->nclass[x][i]; c++) {
        int p = m->cur[x][c];
        if (p < 0) continue;
        m->ord[x][i] = s->ids[s->order[p]];
        m->cur[x][c] = m->next[x][p];
        arrange(m, x, i + 1);
        m->cur[x][c] = p;
    }
}

/* ------------------------------------------------------------------ the form */

/* the canonical form of v: v itself, or `out` holding it */
static const int64_t *canon(const int64_t *v, int64_t *out) {
    int O[POOL];
    sort_t S[NSORTS];
    owners(v, O);
    canon_sigs(v, O, S);
    int tied = 0, moved = 0;
    for (int x = 0; x < NSORTS; x++) {
        int t = rank_sigs(&S[x]);
        if (t && x == TID_SORT) {
            refine(v, O, &S[x]);
            t = distinct(&S[x]) < S[x].n;
        }
        tied |= t;
    }
    if (tied) {
        images_t m;
        m.v = v; m.O = O; m.S = S; m.best = out; m.have = 0;
        for (int x = 0; x < NSORTS; x++) classes(&m, x);
        arrange(&m, 0, 0);
        return out;
    }
    int Q[NSORTS][MAXN];
    identity(Q);
    for (int x = 0; x < NSORTS; x++)
        for (int i = 0; i < S[x].n; i++) {
            Q[x][S[x].ids[i]] = S[x].ids[S[x].order[i]];
            moved |= S[x].order[i] != i;
        }
    if (!moved) return v;
    canon_rename(v, O, Q, out);
    return out;
}
