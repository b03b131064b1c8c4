/* Peterson's filter lock for N processes: the state machine of peterson.spec,
 * step for step. Each mcheck step is one d_step here (one transition, no
 * intermediate state), guarded by an explicit pc; the Promela pc of every
 * process stays at the head of its do loop, so a SPIN state and an mcheck state
 * determine each other and the two state counts must be equal.
 * pc: 0 climb, 1 announce, 2 scan, 3 check, 4 leave. _pid is the spec's `i`.
 * spin -DN=3 -a peterson.pml for three processes. */
#ifndef N
#define N 4
#endif

byte level[N];
byte victim[N];    /* victim[0] is never used, as in the spec's array[1..N-1] */
byte crit;

active [N] proctype proc() {
    byte pc = 0, l = 0, k = 0;
    do
    :: d_step { pc == 0 -> l++; level[_pid] = l; pc = 1 }
    :: d_step { pc == 1 -> victim[l] = _pid; k = 0; pc = 2 }
    :: d_step { pc == 2 && k == N && l < N - 1 -> k = 0; pc = 0 }
    :: d_step { pc == 2 && k == N && l == N - 1 -> k = 0; crit++; assert(crit <= 1); pc = 4 }
    :: d_step { pc == 2 && k < N && (k == _pid || level[k] < l) -> k++ }
    :: d_step { pc == 2 && k < N && k != _pid && level[k] >= l -> pc = 3 }
    :: d_step { pc == 3 -> if :: victim[l] == _pid -> k = 0 :: else -> k = N fi; pc = 2 }
    :: d_step { pc == 4 -> crit--; level[_pid] = 0; l = 0; pc = 0 }
    od
}
