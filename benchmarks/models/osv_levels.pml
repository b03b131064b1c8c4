/* The state machine of specs/osv_visibility.spec, variant `levels`, THREADS = T,
 * step for step: each branch of the spec's `either` is one d_step here. Only the
 * transitions are encoded, not the invariants (they read the state and do not
 * change which states are reachable), so SPIN explores the same states.
 *
 * Every spec slot is a global here and each process's Promela pc stays at the
 * head of its do loop, so a SPIN state and an mcheck state determine each other:
 *   st[t]     thread t's pc slot: 0 never used, 1 finished, 2 finished and freed,
 *             4 at `run`;
 *   parent[t] its parent slot (NONE for none);
 *   walk[t]   its local `walk` (NONE for none; 0 once finished or never used,
 *             as mcheck clears a finished thread's block).
 * Thread 0 starts at `run` with walk = none while the others start unused;
 * Promela initialises all elements of an array alike, so st and walk of thread
 * 0 are stored XOR-ed with their initial values (ST and WALK undo it): a
 * bijection, which leaves the count of states unchanged.
 * spin -DT=5 -a osv_levels.pml for five thread ids. */
#ifndef T
#define T 4
#endif
#define NONE 255

#define ABSENT 0
#define LOADING 1
#define INITING 2
#define READY 3
#define PUBLIC 0
#define THREAD_ONLY 1
#define WITH_CHILDREN 2

byte phase, lvl;
byte owner = NONE, loader = NONE, initzr = NONE;
byte spawned;                   /* init_spawned, a bitmask */
byte st[T];
byte parent[T] = NONE;
byte walk[T];
hidden byte c, p;               /* temporaries of one d_step, not part of a state */

#define ST(t) (st[t] ^ ((t) == 0 -> 4 : 0))
#define SETST(t, v) st[t] = (v) ^ ((t) == 0 -> 4 : 0)
#define WALK(t) (walk[t] ^ ((t) == 0 -> NONE : 0))
#define SETWALK(t, v) walk[t] = (v) ^ ((t) == 0 -> NONE : 0)
#define ALIVE(t) (ST(t) == 4)

active [T] proctype thr() {
    do
    :: d_step {                 /* spawn */
        ALIVE(_pid) && WALK(_pid) == NONE && (ST(0) == 0 || ST(1) == 0 || ST(2) == 0
            || ST(3) == 0
#if T > 4
            || ST(4) == 0
#endif
#if T > 5
            || ST(5) == 0
#endif
        ) ->
        c = 0;
        do
        :: ST(c) != 0 -> c++
        :: else -> break
        od;
        SETST(c, 4); parent[c] = _pid; SETWALK(c, NONE);
        if
        :: phase == INITING && (_pid == initzr || (spawned >> _pid) & 1) ->
           spawned = spawned | (1 << c)
        :: else -> skip
        fi;
        c = 0
       }
    :: d_step {                 /* exit (free self) */
        ALIVE(_pid) && WALK(_pid) == NONE && _pid != 0 && !(phase == INITING && initzr == _pid) ->
        SETST(_pid, 2); SETWALK(_pid, 0)
       }
    :: d_step {                 /* load */
        ALIVE(_pid) && WALK(_pid) == NONE && _pid == 0 && phase == ABSENT ->
        phase = LOADING; loader = _pid; owner = _pid; lvl = THREAD_ONLY
       }
    :: d_step {                 /* init_begin */
        ALIVE(_pid) && WALK(_pid) == NONE && phase == LOADING && (_pid == 0 || parent[_pid] == 0) ->
        phase = INITING; initzr = _pid; owner = _pid; lvl = WITH_CHILDREN
       }
    :: d_step {                 /* init_end */
        ALIVE(_pid) && WALK(_pid) == NONE && phase == INITING && initzr == _pid ->
        phase = READY; lvl = PUBLIC; owner = NONE
       }
    :: d_step {                 /* finish (exit) */
        ALIVE(_pid) && WALK(_pid) == NONE && _pid == 0 && phase == READY ->
        SETST(_pid, 1); SETWALK(_pid, 0)
       }
    :: d_step {                 /* walk_start */
        ALIVE(_pid) && WALK(_pid) == NONE && owner != NONE && owner != _pid &&
            lvl == WITH_CHILDREN ->
        SETWALK(_pid, _pid)
       }
    :: d_step {                 /* walk_step */
        ALIVE(_pid) && WALK(_pid) != NONE ->
        if
        :: !ALIVE(WALK(_pid)) -> SETWALK(_pid, NONE)
        :: else ->
           assert(ST(WALK(_pid)) != 2);     /* V-MEM */
           p = parent[WALK(_pid)];
           if
           :: p == NONE || p == owner || !ALIVE(p) -> SETWALK(_pid, NONE)
           :: else -> SETWALK(_pid, p)
           fi
        fi;
        p = 0
       }
    od
}
