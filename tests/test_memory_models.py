"""The memory models' semantics, one rule at a time, each through the pipeline.

Every verdict comes from a search; each spec is small enough that the expected answer
can be seen by hand, and each test says which rule it pins down.
"""

from __future__ import annotations

import pytest

from tests.conftest import actions, check, prop, spec_error, trace_of, violated

# p stores x = 1 and reads it back in the same step: under TSO it reads 1 from its buffer
# while memory still holds 0.
FORWARD = """
option memory = tso;
atomic var x: 0..1 = 0;
var seen: 0..1 = 0;
thread p() { a: { x = 1; seen = x; } }
start p();
invariant NOT_FORWARDED: !(seen == 1 && x == 0);
"""


def test_a_load_sees_its_own_buffered_store_before_memory_does() -> None:
    v = check(FORWARD)
    assert violated(v) == {"NOT_FORWARDED": 1}
    assert actions(trace_of(v, "NOT_FORWARDED"))[1:] == [(0, "p.a", [])]


def test_under_sc_the_same_store_is_in_memory_at_once() -> None:
    assert violated(check(FORWARD.replace("tso", "sc"))) == {}


# One thread stores x = 1 and finishes; the other waits until it is done, then loads x.
AFTER_DONE = """
option memory = MODEL;
atomic var x: 0..1 = 0;
var r: 0..1 = 1;
thread w() { a: { x = 1; } }
thread j() { a: { await done(0); r = load(x, relaxed); } }
start w();
start j();
invariant JOINED: done(1) -> r == 1;
"""


def test_a_thread_is_done_only_after_its_buffer_drained() -> None:
    """tso: `done(t)` means t's stores are in memory, so the load after it reads 1."""
    src = AFTER_DONE.replace("MODEL", "tso")
    assert violated(check(src)) == {}
    v = check(src.replace("invariant JOINED: done(1) -> r == 1;",
                          "invariant BUFFERED: x == 0 || done(0);"))
    assert violated(v) == {"BUFFERED": 2}
    assert actions(trace_of(v, "BUFFERED"))[1:] == [(0, "w.a", []), (0, "w.sb_exit", ["flush x"])]


def test_a_relaxed_load_may_read_an_old_message_and_shows_which() -> None:
    """release_acquire: `done(t)` is no join, so a relaxed load may still read message 0."""
    v = check(AFTER_DONE.replace("MODEL", "release_acquire"))
    assert violated(v) == {"JOINED": 2}
    assert actions(trace_of(v, "JOINED"))[2] == (1, "j.a", ["x message = 0"])


def test_stores_reach_memory_in_order() -> None:
    """FIFO: with `a` then `b` buffered, memory never holds b's store without a's."""
    src = """
option memory = tso;
atomic var a: 0..1 = 0;
atomic var b: 0..1 = 0;
thread p() { s: { a = 1; b = 1; } t: { skip; } }
start p();
invariant FIFO: b == 1 -> a == 1;
"""
    assert violated(check(src)) == {}
    # at s; at t or sb_exit with [a, b], [b] or [] buffered (6 states); done
    assert check(src).stats.distinct_states == 8


@pytest.mark.parametrize(("model", "prop"), [("tso", "STORE-BUFFER"),
                                              ("release_acquire", "MEMORY-BOUND")])
def test_a_full_buffer_or_history_is_reported_not_hidden(model: str, prop: str) -> None:
    """Three stores do not fit in a bound of 2: the third fails an assertion instead of
    blocking or being dropped; a bound of 3 holds them."""
    src = f"""
option memory = {model};
option memory_bound = BOUND;
atomic var x: 0..3 = 0;
thread p() {{ s: {{ x = 1; }} t: {{ x = 2; }} u: {{ x = 3; }} }}
start p();
"""
    assert violated(check(src.replace("BOUND", "2"))) == {prop: 3}
    assert violated(check(src.replace("BOUND", "3"))) == {}


@pytest.mark.parametrize("model", ["tso", "release_acquire"])
def test_a_locked_increment_loses_no_update(model: str) -> None:
    """A step that reads and writes x is one read-modify-write on memory's newest value."""
    src = f"""
option memory = {model};
option memory_bound = 3;
atomic var n: 0..2 = 0;
thread inc() {{ a: {{ n = n + 1; }} }}
start inc();
start inc();
invariant BOTH: done(0) && done(1) -> n == 2;
"""
    assert violated(check(src)) == {}


def test_the_model_can_depend_on_the_variant() -> None:
    src = FORWARD.replace("option memory = tso;", """variants weak, strong;
option memory = if variant in {weak} then tso else sc;
expect weak violates NOT_FORWARDED;
expect strong holds;""")
    assert violated(check(src, variant="weak")) == {"NOT_FORWARDED": 1}
    assert violated(check(src, variant="strong")) == {}


def test_a_spec_without_memory_features_is_unchanged() -> None:
    assert "STORE-BUFFER" not in [p.name for p in check(FORWARD.replace(
        "option memory = tso;", "").replace("atomic var", "var")).properties]
    # a def of its own called load stays a def there
    assert violated(check("""
var x: 0..1 = 0;
def load(v: 0..1): 0..1 = 1 - v;
thread t() { a: { x = load(x); } }
start t();
invariant ONE: x == 1 || !done(0);
""")) == {}


@pytest.mark.parametrize(("src", "message"), [
    ("option memory = pso;", "unknown memory model 'pso'"),
    ("atomic var o: 0..1? = none;", "under tso an atomic variable cannot be optional"),
    ("thread t() { a: { r = load(r, acquire); } }", "load takes an atomic variable"),
    ("thread t() { a: { store(x, 1, acquire); } }", "'acquire' is not an order here"),
    ("def f(): 0..1 = x;\nthread t() { a: { r = f(); } }", "'f' reads an atomic variable"),
    ("thread t() { a: { let x = 1; r = x; } }", "hides the atomic variable"),
    ("var sb_len: 0..1 = 0;", "'sb_len' is a name the memory model declares"),
    ("def load(v: 0..1): 0..1 = v;", "'load' is the atomic load"),
])
def test_memory_model_errors(src: str, message: str) -> None:
    base = "option memory = tso;\natomic var x: 0..1 = 0;\nvar r: 0..1 = 0;\n"
    if "thread" not in src:
        src += "\nthread t() { a: { skip; } }"
    err = spec_error(base.replace("option memory = tso;", "") + src + "\nstart t();"
                     if src.startswith("option") else base + src + "\nstart t();")
    assert message in err.message


def test_orders_only_matter_under_a_weak_model() -> None:
    src = """
atomic var x: 0..1 = 0;
thread t() { a: { store(x, 1, release); fence; } b: { await load(x, acquire) == 1; } }
start t();
"""
    v = check(src)
    assert v.result == "holds" and prop(v, "deadlock").status == "holds"


@pytest.mark.parametrize("model", ["tso", "release_acquire"])
def test_a_new_thread_sees_what_its_creator_stored(model: str) -> None:
    """pthread_create synchronises: the creator's buffer drains (tso), the child starts with
    the creator's views (release_acquire), so even a relaxed load reads the new value."""
    src = f"""
option memory = {model};
atomic var x: 0..1 = 0;
var r: 0..1 = 0;
thread parent() {{ a: {{ store(x, 1, relaxed); spawn child(); }} }}
thread child() {{ a: {{ r = load(x, relaxed); }} }}
start parent();
threads 2;
invariant SEEN: done(1) -> r == 1;
"""
    assert violated(check(src)) == {}
    # started beside it instead, the child may read first (tso: then waits at sb_exit)
    beside = src.replace("spawn child();", "skip;").replace("start parent();",
                                                          "start parent();\nstart child();")
    assert violated(check(beside)) == {"SEEN": 2 if model == "tso" else 1}


def test_a_signal_handler_stores_into_the_interrupted_thread_s_buffer() -> None:
    """The handler runs on the thread, so its store is buffered there: the thread reads it
    back before memory has it, and it reaches memory through a flush of that thread."""
    src = """
option memory = tso;
atomic var x: 0..1 = 0;
var seen: 0..1 = 0;
var fired: bool = false;
handler h { a: { await !fired; fired = true; x = 1; } }
thread t() { i: { install h; } j: { seen = x; } k: { uninstall h; } }
start t();
invariant FORWARDED: !(seen == 1 && x == 0);
invariant FLUSHED: !(x == 1 && done(0));
"""
    v = check(src)
    assert violated(v) == {"FORWARDED": 3, "FLUSHED": 6}
    assert actions(trace_of(v, "FORWARDED"))[1:] == [
        (0, "t.i", []), (0, "h.a", ["signal"]), (0, "t.j", [])]
    assert actions(trace_of(v, "FLUSHED"))[-2:] == [
        (0, "t.sb_exit", ["flush x"]), (0, "t.sb_exit", [])]
    looping = src.replace("handler h { a: { await !fired; fired = true; x = 1; } }",
                          "handler h { a: { x = 1; goto a; } }")
    assert "cannot go back to its first step" in spec_error(looping).message
