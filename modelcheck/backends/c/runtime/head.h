/* mcheck native engine: what generated model code may use.
 *
 * The generator writes, before this file, the model's constants (W, PACKED, NWORDS,
 * POOL, TB, STRIDE, NPC, NPROPS, NINV, EVAL_PROP, DEADLOCK_PROP) and, after it, the
 * model: pack/unpack, defs, invariants, steps and `expand`. search.c follows and is the
 * same for every model. Steps hand each successor to `emit` and everything else a step
 * produces (a failed assertion or range check, an expression that cannot be evaluated,
 * no thread id left) to `happen`; they never know how states are stored. Under symmetry
 * `canon` (generated before the steps) gives the form in which a state is stored.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE INT64_MIN
#define FREE_BIT (1LL << 62)

enum { H_FAIL = 1, H_EVAL = 2, H_BOUND = 3 };

typedef struct search search_t;
struct worker;

typedef struct ctx {
    search_t *s;
    struct worker *w;  /* the search thread running it, when there are several */
    int me;       /* the thread whose step runs */
    int pc;       /* its pc in the state being expanded */
    int entry;    /* the first pc of the signal handler being entered, else 0 (edges.c) */
    int results;  /* results (successors and happenings) of the state so far */
    int bad;      /* the running step could not be evaluated */
    int hold;     /* hold the step's results until it is done (search.c `release`) */
    int64_t *held;  /* held results, W + 2 slots each: kind (0 a state), prop, state */
    int64_t nheld, held_cap;
} ctx_t;

static void emit(ctx_t *c, const int64_t *v);
static void happen(ctx_t *c, int kind, int prop);
static void release(ctx_t *c);
static void overflow(ctx_t *c);

static inline void clear(int64_t *v, int from, int to) {
    for (int k = from; k < to; k++) v[k] = 0;
}

/* the lowest thread id never used, or -1: spawn and fork take it */
static inline int64_t alloc_id(const int64_t *v) {
    for (int i = 0; i < POOL; i++)
        if (v[TB + i * STRIDE] == 0) return i;
    return -1;
}

static inline int64_t free_threads(const int64_t *v) {
    int64_t n = 0;
    for (int i = 0; i < POOL; i++) n += v[TB + i * STRIDE] == 0;
    return n;
}

/* whether a is b's parent, or its parent's parent, ... */
static inline int64_t ancestor(const int64_t *v, int64_t a, int64_t b) {
    int64_t p = v[TB + b * STRIDE + 1];
    for (int k = 0; k < POOL; k++) {
        if (p == NONE) return 0;
        if (p == a) return 1;
        p = v[TB + p * STRIDE + 1];
    }
    return 0;
}
