"""Interruptions: Ctrl-C, SIGTERM, a time limit or a killed parent never give "holds", a
traceback or a process left behind.

The in-process tests raise KeyboardInterrupt from the search's own progress callback,
so the interrupt lands after the first state for certain, whatever the machine's load:
without the searches' "interrupted" bookkeeping the run would end "holds", exit 0. The
subprocess tests send real signals to a real `mcheck`, as a terminal or CI runner does.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest
import z3

from modelcheck.app.check_spec import exit_code
from modelcheck.app.config import RunConfig
from modelcheck.app.pipeline import compile_variant, run_variant
from modelcheck.engine import search as search_module
from modelcheck.engine.outcome import Outcome, Progress
from modelcheck.engine.partition import Partition
from modelcheck.engine.transport import ForkTransport, Sharing
from modelcheck.lang.source import load_text
from modelcheck.symbolic.keyboard import check
from tests.conftest import OSV, ROOT
from tests.test_engine import counters

# (k + 1) ** n states: long enough (Python engine) to be interrupted in the middle
LONG = counters(4, 40)
MCHECK = [sys.executable, "-c", "import sys; from modelcheck.app.cli import main; "
          "sys.exit(main())"]


def _interrupt(p: Progress) -> None:
    raise KeyboardInterrupt


def _traced_search(ts: object, on_line: Callable[[int, dict], None]) -> Outcome:
    """`search(ts)` calling on_line(line, locals) before each line of its own frame."""
    def local(frame: FrameType, event: str, arg: object) -> object:
        if event == "line":
            on_line(frame.f_lineno, frame.f_locals)
        return local

    def call(frame: FrameType, event: str, arg: object) -> object:
        return local if frame.f_code is search_module.search.__code__ else None

    sys.settrace(call)
    try:
        return search_module.search(ts)  # type: ignore[arg-type]
    finally:
        sys.settrace(None)


def test_an_interrupt_on_any_line_of_the_search_keeps_a_whole_store() -> None:
    """A signal lands between two bytecodes, e.g. after a state's tuple is stored and
    before its parent is (once, that ended in an IndexError and no report). Raised on
    each line the search runs, after a few states, the search still ends "interrupted"
    and every stored state has its number and its parent."""
    ts = compile_variant(load_text(counters(2, 3)), None, RunConfig(engine="python"))
    ran: set[int] = set()
    _traced_search(ts, lambda line, _: ran.add(line))
    lines, first = inspect.getsourcelines(search_module.search)
    opening = next(first + k for k, text in enumerate(lines) if text.strip().startswith("try:"))
    closing = next(first + k for k, text in enumerate(lines)
                   if text.strip() == "except KeyboardInterrupt:" and first + k > opening)
    inside = sorted(n for n in ran if opening < n < closing)
    assert len(inside) > 20
    stopped = 0
    for line in inside:
        def interrupt(now: int, names: dict, line: int = line) -> None:
            if now == line and len(names.get("states", ())) >= 3:
                raise KeyboardInterrupt

        out = _traced_search(ts, interrupt)
        if out.complete:  # a line that runs only with fewer states (the first ones)
            continue
        stopped += 1
        store = out.store
        assert out.incomplete == ["interrupted"], line
        assert len(store.states) == len(store.parents) == len(store.index) >= 1, line
        assert all(store.index[s] == k for k, s in enumerate(store.states)), line
        assert all(-1 <= p < k for k, p in enumerate(store.parents)), line
    assert stopped > 15


@pytest.mark.parametrize(("store", "workers"), [("exact", 1), ("fingerprint", 1),
                                                ("fingerprint", 2)])
def test_interrupt_after_the_first_state_is_incomplete(store: str, workers: int) -> None:
    """The plain search, the level search and its workers: an interrupt leaves every
    property unknown, no lints (they would read a partial search), exit 3."""
    spec = load_text(counters(2, 2))
    _, v = run_variant(spec, None, RunConfig(store=store, workers=workers, engine="python",
                                             progress_every=0.0), _interrupt)
    assert v.result == "incomplete"
    assert v.incomplete == ["interrupted"]
    assert {p.status for p in v.properties} == {"unknown"}
    assert 1 <= v.stats.distinct_states < 9  # (2 + 1) ** 2 in all
    assert v.lints == []
    assert exit_code([v], missing=False) == 3


def test_interrupt_during_certification_keeps_the_traces(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """z3 taking Ctrl-C (or Ctrl-C during the replay of traces) ends the variant
    incomplete with what the search found, uncertified and not a traceback."""
    def certify(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("modelcheck.app.pipeline.certify_traces", certify)
    spec = load_text(OSV.read_text(), str(OSV))
    _, v = run_variant(spec, "fe37650", RunConfig(engine="python"))
    assert v.result == "violated" and v.expectation == "open"
    assert v.incomplete == ["interrupted"]
    assert [ce.prop for ce in v.counterexamples][:1] == ["V-SAFE"]
    assert not any(ce.certified for ce in v.counterexamples)
    assert v.lints == []


def test_the_worker_transport_passes_an_interrupt_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the coordinator waits for its workers: every answer is still collected
    (none is left to be mistaken for the next call's) and the interrupt is raised after."""
    original = Partition.handle

    def slow(self: Partition, op: str, args: tuple, mail: object) -> object:
        if op == "nap":
            time.sleep(1.0)
            return "rested"
        return original(self, op, args, mail)  # type: ignore[arg-type]

    monkeypatch.setattr(Partition, "handle", slow)  # before the fork: the workers have it
    shares = ForkTransport(compile_variant(load_text(counters(2, 2))), Sharing(2))
    try:
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        with pytest.raises(KeyboardInterrupt):
            shares.call("nap")
        assert [n for n, _ in shares.call("sizes")] == [0, 0]
    finally:
        shares.close()


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*MCHECK, *args], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def _children(pid: int) -> list[int]:
    """The live child processes of pid (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _alive(int(entry.name)):
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for_workers(p: subprocess.Popen[str], n: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        kids = _children(p.pid)
        if len(kids) >= n:
            return kids
        time.sleep(0.05)
    raise AssertionError("the workers never started")


def _signal_mid_search(tmp_path: Path, sig: int, *args: str) -> tuple[int, str, str, dict]:
    """Run `mcheck LONG.spec ARGS --json` with stderr on a terminal, send sig once the
    progress line shows the search running (whatever the machine's load), and return
    what it printed and wrote."""
    (tmp_path / "long.spec").write_text(LONG)
    term, child_end = pty.openpty()
    p = subprocess.Popen([*MCHECK, "long.spec", "--engine", "python", "--json", "v.json", *args],
                         cwd=tmp_path, stdout=subprocess.PIPE, stderr=child_end, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(child_end)
    shown = b""
    with _reaped(p):
        deadline = time.monotonic() + 60
        while b"states/s" not in shown and time.monotonic() < deadline:
            if select.select([term], [], [], 0.2)[0]:
                shown += os.read(term, 65536)
        assert b"states/s" in shown, "the search never showed progress"
        p.send_signal(sig)
        deadline = time.monotonic() + 30
        while p.poll() is None and time.monotonic() < deadline:  # read on: a full terminal
            if select.select([term], [], [], 0.2)[0]:           # would block the child
                with contextlib.suppress(OSError):
                    shown += os.read(term, 65536)
        assert p.poll() is not None, "the run did not stop within 30 s of the signal"
    os.close(term)
    out = p.stdout.read() if p.stdout else ""
    doc = json.loads((tmp_path / "v.json").read_text())
    return p.returncode, out, shown.decode(errors="replace"), doc


@contextlib.contextmanager
def _reaped(p: subprocess.Popen[str]) -> Iterator[None]:
    """A failing test must not leave its mcheck running (its workers die with it)."""
    try:
        yield
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.parametrize(("sig", "args", "why"), [
    (signal.SIGINT, ("--workers", "2"), "interrupted (Ctrl-C)"),
    (signal.SIGTERM, (), "interrupted (SIGTERM)"),
])
def test_a_signal_mid_search_reports_what_was_found(tmp_path: Path, sig: int,
                                                    args: tuple[str, ...], why: str) -> None:
    """Partial statistics, the files asked for, exit 3; for workers this goes through the
    transport, which waits for every worker's answer before the search notes it."""
    code, out, err, doc = _signal_mid_search(tmp_path, sig, *args)
    assert code == 3, out + err
    assert "Traceback" not in err
    assert doc["result"] == "incomplete"
    assert doc["incomplete_reasons"] == [why]
    assert 0 < doc["stats"]["distinct_states"] < 41 ** 4
    assert out.rstrip().endswith("1 variant: 1 incomplete")


def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    """SIGKILL runs no clean-up in the parent: the workers must notice by themselves."""
    (tmp_path / "long.spec").write_text(LONG)
    p = _start(tmp_path, "long.spec", "-q", "--engine", "python", "--workers", "2")
    with _reaped(p):
        workers = _wait_for_workers(p, 2)
    p.kill()
    p.communicate(timeout=10)
    time.sleep(2)
    assert [w for w in workers if _alive(w)] == []


@pytest.mark.parametrize(("argv", "sig", "delay", "codes"), [
    (["specs/osv_visibility.spec", "-q", "--no-report"], signal.SIGINT, 1.0, (0, 3)),
    # these two take several seconds: the signal always lands before the end
    (["specs/stop_world.spec", "-q", "--no-report", "--traces", "none"], signal.SIGTERM, 1.5,
     (3,)),
    (["ci", "specs/", "-q", "--reports", "@TMP@"], signal.SIGINT, 1.2, (3,)),
    # finished, it refutes V-STRICT and V-COMPLETE as its expect line says (exit 0): 3 s in
    # all on a quiet machine
    (["prove", "specs/osv_visibility.spec", "--variant", "levels", "--no-report"],
     signal.SIGINT, 1.5, (0, 3)),
])
def test_any_command_at_any_moment(tmp_path: Path, argv: list[str], sig: int, delay: float,
                                   codes: tuple[int, ...]) -> None:
    """Wherever the signal lands (start-up, search, lints, z3, the next variant), the
    command ends without a traceback: exit 3 with the variants not run named, or its
    normal exit code when it finished first."""
    argv = [a.replace("@TMP@", str(tmp_path)) for a in argv]
    p = subprocess.Popen([*MCHECK, *argv], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with _reaped(p):
        time.sleep(delay)
        p.send_signal(sig)
        out, err = p.communicate(timeout=30)
    assert "Traceback" not in err and "Traceback" not in out
    assert p.returncode in codes, out + err
    if p.returncode == 3 and argv[0] != "prove":
        assert "interrupted" in out + err


class _Stopped:
    """A solver that z3 stopped, for the given reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def check(self) -> object:
        return z3.unknown

    def reason_unknown(self) -> str:
        return self.reason


@pytest.mark.parametrize(("reason", "timed", "interrupts"), [
    ("interrupted from keyboard", True, True), ("interrupted from keyboard", False, True),
    ("canceled", False, True), ("canceled", True, False),  # with a timeout: its own
    ("max. resource limit exceeded", False, False)])
def test_a_ctrl_c_z3_took_is_passed_on(reason: str, timed: bool, interrupts: bool) -> None:
    """z3 catches SIGINT while it solves; its answer 'unknown' must not swallow it (a ci run
    went on to exit 0 when Ctrl-C hit a lint query)."""
    solver = _Stopped(reason)
    if interrupts:
        with pytest.raises(KeyboardInterrupt):
            check(solver, timed)  # type: ignore[arg-type]
    else:
        assert check(solver, timed) == z3.unknown  # type: ignore[arg-type]



def test_ctrl_c_inside_a_z3_call_is_an_interrupt(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A Ctrl-C that lands while ctypes converts a z3 call's arguments arrives as
    ctypes.ArgumentError (seen in CI: a traceback, exit 1, while certifying). Here it lands
    as the certifier starts: the run ends 'incomplete', exit 3, no exception escapes."""
    import ctypes

    from modelcheck.app.cli import main
    from modelcheck.symbolic import certify

    def interrupted(self: object, model: object) -> None:
        raise ctypes.ArgumentError("argument 1: KeyboardInterrupt: ")

    monkeypatch.setattr(certify.Certifier, "__init__", interrupted)
    assert main(["specs/osv_visibility.spec", "--variant", "fe37650", "-q", "--no-report"]) == 3
    out = capsys.readouterr().out
    assert "incomplete" in out

    def other(self: object, model: object) -> None:
        raise ctypes.ArgumentError("argument 1: TypeError: wrong type")

    monkeypatch.setattr(certify.Certifier, "__init__", other)
    with pytest.raises(ctypes.ArgumentError):  # a real bug stays a bug
        main(["specs/osv_visibility.spec", "--variant", "fe37650", "-q", "--no-report"])
