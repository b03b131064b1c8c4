"""The Python source every compiled model starts with: helpers the generated steps call.

They are the run-time half of `codegen`: what is not worth emitting inline at every
use (range and index checks that raise `EvalError` with the (line, col) of the
expression, C-style division, set-bit
helpers, thread-id allocation, ancestry). The names they expect (`EvalError`, `TB`,
`STRIDE`, `POOL`) are in the namespace `system.build` compiles into.
"""

RUNTIME = '''
def _u(x, at):
    if x is None:
        raise EvalError("'none' used as a value", at)
    return x

def _need(x, why, at):
    if x is None:
        raise EvalError(why, at)
    return x

def _absent(t, message, at):
    raise EvalError(message.format(t), at)

def _ix(i, lo, hi, at):
    if not lo <= i <= hi:
        raise EvalError(f"index {i} is outside {lo}..{hi}", at)
    return i - lo

def _rng(x, lo, hi, at):
    if not lo <= x <= hi:
        raise EvalError(f"result {x} is outside {lo}..{hi}", at)
    return x

def _div(a, b, at):
    if b == 0:
        raise EvalError("division by zero", at)
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q

def _mod(a, b, at):
    return a - _div(a, b, at) * b

def _emod(a, b, at):
    if b <= 0:
        raise EvalError(f"'mod' needs a positive divisor, got {b}", at)
    return a % b

def _pick(candidates, at):
    for x in candidates:
        return x
    raise EvalError("pick() found no value that satisfies its condition", at)

def _in(mask, x, lo, hi):
    return lo <= x <= hi and (mask >> (x - lo)) & 1 == 1

def _bit(x, lo, hi, at):
    if not lo <= x <= hi:
        raise EvalError(f"set element {x} is outside {lo}..{hi}", at)
    return 1 << (x - lo)

def _members(mask, values):
    return [x for i, x in enumerate(values) if mask >> i & 1]

def _check_slots(vals, checks):
    for i, lo, hi in checks:
        if not (vals[i] is None or lo <= vals[i] <= hi):
            return vals[i]
    return None

def _free_error(v, t, me):
    pc = v[TB + t * STRIDE]
    if t == me:
        return "a thread frees itself with 'free self', not 'free " + str(t) + "'"
    if pc == 2:
        return "thread " + str(t) + " is freed twice"
    return "thread " + str(t) + " is freed before it has finished"

def _alloc(v):
    pcs = v[TB::STRIDE]
    return pcs.index(0) if 0 in pcs else None

def _free_count(v):
    return v[TB::STRIDE].count(0)

def _anc(v, a, b):
    p = v[TB + b * STRIDE + 1]
    for _ in range(POOL):
        if p is None:
            return False
        if p == a:
            return True
        p = v[TB + p * STRIDE + 1]
    return False
'''
