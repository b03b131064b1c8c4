/* The state machine of specs/stop_world.spec, variant `master_fix`, step for step:
 * each step of the spec (each branch of an `either`) is one d_step here, and so is
 * each signal delivery together with the first step of its handler, as mcheck runs
 * them. An `await` inside an `if` of the spec (c_barrier) becomes part of the
 * d_step's guard, as a d_step can block only before its first statement. Only the
 * transitions are encoded, not the invariants (they read the state and do not
 * change which states are reachable), so SPIN explores the same states.
 *
 * Every spec slot is a global here and each process's Promela pc stays at the head
 * of its do loop, so a SPIN state and an mcheck state determine each other:
 *   gpc         the collector's (thread 0's) step, DONE after its exit;
 *   pc[t]       mutator t's step: UNUSED before `boot` spawns it, M_USER in user
 *               code, S_* inside the suspend handler, DONE once finished;
 *   rmask[t]    SIG_THR_RESTART masked (the only handler that is ever masked);
 *   the thread-locals of the spec, indexed by thread (index 0, the collector's,
 *   holds only `stopper` and `scanning`; its other thread-locals stay 0 in both
 *   tools, as the collector never receives a signal).
 * mcheck's other runtime slots are functions of these on every reachable state,
 * so they are not stored: a mutator's parent (0 once spawned), installed handlers
 * (all three while alive, none before or after, likewise for the collector, which
 * installs them at `boot` and loses them with its block at exit), the active
 * handler, nesting depth and interrupted pc (the suspend handler is the only one
 * with more than one step and only ever interrupts `m_user`; restart and foreign
 * are one step each, so they return within the transition that delivers them).
 * The pinspect variables (inspecting, tries, mode, ipi) never change in this
 * variant and are left out. A finished thread's thread-locals are reset, as mcheck
 * clears a finished thread's block. Ranges are not checked (bytes would wrap where
 * mcheck reports `bounds`; bounds holds in every configuration below).
 *
 * SPIN hides write-only variables from its state vector: here checking, sp_round,
 * stopper and scanning, which only the spec's invariants read. Each is a function
 * of the stored variables (checking: the collector at c_check; stopper: the
 * collector between c_idle and the c_check that ends a collection; scanning: the
 * collector at c_start_world; sp_round: `my` from s_post on, else 0), so the counts
 * are the same either way (`spin -o2` stores them: same counts).
 *
 * Checked equal, states and transitions (SPIN counts one transition more, the step
 * into the initial state): NM=1 960, NM=2 51,488 (the state sets themselves were
 * compared too), NM=3 2,260,072, NM=4 90,753,239; NM=2 with EXT=1 LOSS=1, ROUNDS=3,
 * and ROUNDS=3 EXT=2 LOSS=2; NM=1 with EXT=1 LOSS=2 ROUNDS=3.
 *
 * Constants, named as the spec's -D: NM mutators (1..4; the spec itself stops at 3,
 * its `threads 4` pool has no id for a fourth mutator: NM=4 is compared with the
 * spec widened by bench.py's stop_world_5()), ROUNDS collections, EXT foreign
 * signals, LOSS signals that may be lost.
 *   spin -DNM=3 -a stop_world.pml   is   mcheck specs/stop_world.spec
 *                                        --variant master_fix -D NM=3
 */
#ifndef NM
#define NM 2
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
#ifndef EXT
#define EXT 0
#endif
#ifndef LOSS
#define LOSS 0
#endif

/* the collector's steps */
#define BOOT 0
#define C_IDLE 1
#define C_SUSPEND_ALL 2
#define C_TIMEDWAIT 3
#define C_POLL 4
#define C_RESEND 5
#define C_BARRIER 6
#define C_CHECK 7
#define C_START_WORLD 8
#define C_RESTART_ALL 9
#define DONE 10

/* a mutator's steps (DONE as above) */
#define UNUSED 0
#define M_USER 1
#define S_SP 2
#define S_POST 3
#define S_LAST 4
#define S_WOKE 5
#define S_POST2 6
#define S_LAST2 7
#define S_RETURN 8
#define ALIVE(t) (pc[t] >= M_USER && pc[t] <= S_RETURN)

/* enum HS */
#define USER 0
#define ENTERED 1
#define SAVED 2
#define POSTED 3
#define SIGSUSP 4
#define WOKEN 5
#define LEAVING 6

/* bdwgc shared state */
byte sc = 1;            /* GC_stop_count */
byte sem;               /* GC_suspend_ack_sem */
byte ext = EXT;         /* foreign signals still to come */
byte loss = LOSS;       /* signals still allowed to be lost */
byte round;             /* collections finished */
bool gc_over;
bool restarting;
byte gi = 1;
byte gn;
byte gk;
byte gnew;
bool checking;

/* per thread */
byte gpc = BOOT;
byte pc[NM + 1];
bool rmask[NM + 1];
bool pend_susp[NM + 1];
bool pend_rest[NM + 1];
byte last[NM + 1];
byte my[NM + 1];
byte sp_round[NM + 1];
byte hs[NM + 1];
bool fresh[NM + 1];
bool stopper;           /* thread-locals of the collector */
bool scanning;

/* The end of a GC_suspend_all / GC_restart_all / resend pass step: the next thread,
 * or what follows the pass. */
#define NEXT_THREAD(here, after) \
    if \
    :: gi != NM -> gi++; gpc = here \
    :: else -> after \
    fi

#define AFTER_FIRST_PASS \
    if \
    :: gn == 0 -> checking = true; gpc = C_CHECK \
    :: else -> gpc = C_TIMEDWAIT \
    fi

#define AFTER_RESEND \
    if \
    :: gnew + sem < gn -> gn = sem + gnew \
    :: else -> skip \
    fi; \
    gpc = C_POLL

active proctype collector() {
end:
    do
    :: d_step {                 /* boot */
        gpc == BOOT ->
        pc[1] = M_USER;
#if NM >= 2
        pc[2] = M_USER;
#endif
#if NM >= 3
        pc[3] = M_USER;
#endif
#if NM >= 4
        pc[4] = M_USER;
#endif
        gpc = C_IDLE
       }
    :: d_step {                 /* c_idle */
        gpc == C_IDLE ->
        if
        :: round == ROUNDS -> gc_over = true; stopper = false; scanning = false; gpc = DONE
        :: else -> sc++; stopper = true; restarting = false; gi = 1; gn = 0;
                   gpc = C_SUSPEND_ALL
        fi
       }
    :: d_step {                 /* c_suspend_all: counted, or [sent] */
        gpc == C_SUSPEND_ALL ->
        gn++;
        if
        :: last[gi] == sc -> skip         /* master_fix: counted, not signalled */
        :: else -> pend_susp[gi] = true
        fi;
        NEXT_THREAD(C_SUSPEND_ALL, AFTER_FIRST_PASS)
       }
    :: d_step {                 /* c_suspend_all [lost] */
        gpc == C_SUSPEND_ALL && last[gi] != sc && loss > 0 ->
        gn++; loss--;
        NEXT_THREAD(C_SUSPEND_ALL, AFTER_FIRST_PASS)
       }
    :: d_step {                 /* c_timedwait */
        gpc == C_TIMEDWAIT ->
        if
        :: gk < gn && sem > 0 && gk + 1 < gn -> sem--; gk++     /* and wait again */
        :: else ->
           if
           :: gk < gn && sem > 0 -> sem--; gk++
           :: else -> skip                                      /* timed out */
           fi;
           gn = gn - gk; gk = 0;
           if
           :: gn == 0 -> checking = true; gpc = C_CHECK
           :: else -> gpc = C_POLL
           fi
        fi
       }
    :: d_step {                 /* c_poll */
        gpc == C_POLL ->
        if
        :: sem == gn -> gpc = C_BARRIER
        :: else ->
           assert(sem < gn);    /* L */
           gi = 1; gnew = 0; gpc = C_RESEND
        fi
       }
    :: d_step {                 /* c_resend: skipped, or [sent] */
        gpc == C_RESEND ->
        if
        :: last[gi] == sc -> skip
        :: else ->
           gnew++;
           if
           :: restarting -> pend_rest[gi] = true
           :: else -> pend_susp[gi] = true
           fi
        fi;
        NEXT_THREAD(C_RESEND, AFTER_RESEND)
       }
    :: d_step {                 /* c_resend [lost] */
        gpc == C_RESEND && last[gi] != sc && loss > 0 ->
        gnew++; loss--;
        NEXT_THREAD(C_RESEND, AFTER_RESEND)
       }
    :: d_step {                 /* c_barrier */
        gpc == C_BARRIER && (gk >= gn || sem > 0) ->
        if
        :: gk < gn -> sem--; gk++
        :: else -> skip
        fi;
        if
        :: gk < gn -> skip      /* gpc stays C_BARRIER */
        :: else -> gk = 0; checking = true; gpc = C_CHECK
        fi
       }
    :: d_step {                 /* c_check */
        gpc == C_CHECK ->
        checking = false;
        if
        :: restarting -> round++; stopper = false; gpc = C_IDLE
        :: else -> scanning = true; gpc = C_START_WORLD
        fi
       }
    :: d_step {                 /* c_start_world */
        gpc == C_START_WORLD ->
        scanning = false; sc++; restarting = true; gi = 1; gn = 0;
        gpc = C_RESTART_ALL
       }
    :: d_step {                 /* c_restart_all: counted (d07d2ff6), or [sent] */
        gpc == C_RESTART_ALL ->
        gn++;
        if
        :: last[gi] == sc -> skip
        :: else -> pend_rest[gi] = true
        fi;
        NEXT_THREAD(C_RESTART_ALL, AFTER_FIRST_PASS)
       }
    :: d_step {                 /* c_restart_all [lost] */
        gpc == C_RESTART_ALL && last[gi] != sc && loss > 0 ->
        gn++; loss--;
        NEXT_THREAD(C_RESTART_ALL, AFTER_FIRST_PASS)
       }
    od
}

active [NM] proctype mutator() {
end:
    do
    :: d_step {                 /* m_user [work] */
        pc[_pid] == M_USER && !gc_over && !pend_susp[_pid] && !pend_rest[_pid] && fresh[_pid] ->
        fresh[_pid] = false
       }
    :: d_step {                 /* m_user [finish]: the thread's block is cleared */
        pc[_pid] == M_USER && gc_over && !pend_susp[_pid] && !pend_rest[_pid] ->
        pc[_pid] = DONE; rmask[_pid] = false; last[_pid] = 0; my[_pid] = 0;
        sp_round[_pid] = 0; hs[_pid] = USER; fresh[_pid] = false
       }
    :: d_step {                 /* suspend.s_enter: the signal interrupts user code */
        pc[_pid] == M_USER && pend_susp[_pid] ->
        pend_susp[_pid] = false;
        rmask[_pid] = true;
        if
        :: sc % 2 == 1 || last[_pid] - last[_pid] % 2 == sc -> pc[_pid] = S_RETURN
        :: else -> my[_pid] = sc; hs[_pid] = ENTERED; pc[_pid] = S_SP
        fi
       }
    :: d_step {                 /* suspend.s_sp */
        pc[_pid] == S_SP ->
        sp_round[_pid] = my[_pid]; fresh[_pid] = true; hs[_pid] = SAVED; pc[_pid] = S_POST
       }
    :: d_step {                 /* suspend.s_post */
        pc[_pid] == S_POST ->
        sem++; hs[_pid] = POSTED; pc[_pid] = S_LAST
       }
    :: d_step {                 /* suspend.s_last */
        pc[_pid] == S_LAST ->
        last[_pid] = my[_pid]; rmask[_pid] = false; hs[_pid] = SIGSUSP; pc[_pid] = S_WOKE
       }
    :: d_step {                 /* suspend.s_woke */
        pc[_pid] == S_WOKE && hs[_pid] == WOKEN ->
        if
        :: sc == my[_pid] -> rmask[_pid] = false; hs[_pid] = SIGSUSP
        :: else -> hs[_pid] = LEAVING; pc[_pid] = S_POST2
        fi
       }
    :: d_step {                 /* suspend.s_post2 */
        pc[_pid] == S_POST2 ->
        sem++; pc[_pid] = S_LAST2
       }
    :: d_step {                 /* suspend.s_last2 */
        pc[_pid] == S_LAST2 ->
        last[_pid] = my[_pid] + 1; pc[_pid] = S_RETURN
       }
    :: d_step {                 /* suspend.s_return: back to user code */
        pc[_pid] == S_RETURN ->
        rmask[_pid] = false; hs[_pid] = USER; my[_pid] = 0; sp_round[_pid] = 0;
        pc[_pid] = M_USER
       }
    :: d_step {                 /* restart.r_take, between any two steps */
        ALIVE(_pid) && !rmask[_pid] && pend_rest[_pid] ->
        pend_rest[_pid] = false;
        if
        :: hs[_pid] == SIGSUSP -> hs[_pid] = WOKEN; rmask[_pid] = true
        :: else -> skip
        fi
       }
    :: d_step {                 /* foreign.f_take */
        ALIVE(_pid) && ext > 0 && hs[_pid] == SIGSUSP ->
        ext--; hs[_pid] = WOKEN; rmask[_pid] = true
       }
    od
}
