"""How the level search reaches its shares, and how the shares reach each other.

The coordinator (`levels.search_levels`) never touches a share: it asks the
transport to run one operation on every share (`call`) and reads the replies.
Inside an operation a share may swap batches with the other shares through a
`Mailbox`. What an operation does is the share's (`Partition.handle`); where the
shares live and how messages travel is all a transport decides. Three exist: one
share in this process; forked worker processes with a pipe to each and a queue
per inbox; and Ray actors, on this machine or a cluster (`ray_transport.py`,
imported only when asked for). A transport whose share died raises `ShareLost`.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, NoReturn, Protocol

from ..backends.base import TransitionSystem
from .native_library import NativeLibrary
from .native_share import share


class Transport(Protocol):
    parts: int

    def call(self, op: str, per_share: list[Any] | None = None, *args: Any) -> list[Any]:
        """Run `op` on every share, with per_share[w] (if given) before `args`; the replies
        in share order. Waits for every reply, even after Ctrl-C (raised after)."""
        ...

    def exchanged(self) -> int | None:
        """Bytes the shares sent each other so far, if this transport counts them."""
        ...

    def close(self) -> None: ...


class ShareLost(Exception):
    """A share stopped answering (its process or machine died): its part of the search is
    gone, so the run must go back to a checkpoint."""


@dataclass(frozen=True)
class Sharing:
    """How many shares a level search has and where they run."""

    workers: int = 1
    cluster: str | None = None  # "ray" (a Ray of its own) or "ray://ADDRESS"
    # how a share in another process builds the transition system (one cannot be sent)
    rebuild: Callable[[], TransitionSystem] | None = None
    library: NativeLibrary | None = None  # the shares expand with it (native), else Python
    keep: bool = False  # native shares keep their states, for an exact store (`kept` op)


def open_transport(ts: TransitionSystem, sharing: Sharing) -> Transport:
    """Native shares on one machine are threads (their levels run in C without the GIL);
    Python shares need processes."""
    if sharing.cluster is not None:
        from .ray_transport import RayTransport  # Ray is an optional extra
        return RayTransport(sharing)
    if sharing.workers <= 1:
        return LocalTransport(ts, sharing)
    if sharing.library is not None:
        return ThreadTransport(ts, sharing)
    return ForkTransport(ts, sharing)


class Loopback:
    """The mailbox of the only share: what it sends is what it gets."""

    shared = True

    def exchange(self, outgoing: list[Any]) -> list[Any]:
        return outgoing


class LocalTransport:
    """One share, in this process."""

    parts = 1

    def __init__(self, ts: TransitionSystem, sharing: Sharing) -> None:
        self.share = share(ts, 0, 1, sharing.library, sharing.keep)
        self.mail = Loopback()

    def call(self, op: str, per_share: list[Any] | None = None, *args: Any) -> list[Any]:
        own = (per_share[0], *args) if per_share is not None else args
        return [self.share.handle(op, own, self.mail)]

    def exchanged(self) -> int | None:
        return 0

    def close(self) -> None:
        pass


class ThreadTransport:
    """`parts` shares in this process, each run by a thread of its own. Only native shares
    (`native_share.NativePartition`) gain from it: their work is C calls, which release
    the GIL, and an owner reads the buckets sent to it in place, so an exchange is a
    barrier that passes references."""

    def __init__(self, ts: TransitionSystem, sharing: Sharing) -> None:
        self.parts = sharing.workers
        self.shares = [share(ts, me, self.parts, sharing.library, sharing.keep)
                       for me in range(self.parts)]
        boards: tuple[list[Any], list[Any]] = ([None] * self.parts, [None] * self.parts)
        self.barrier = threading.Barrier(self.parts)
        self.mail = [ThreadMailbox(me, boards, self.barrier) for me in range(self.parts)]
        self.pool = ThreadPoolExecutor(self.parts, thread_name_prefix="mcheck-share")

    def _run(self, w: int, op: str, args: tuple) -> Any:
        try:
            return self.shares[w].handle(op, args, self.mail[w])
        except BaseException:
            self.barrier.abort()  # the others must not wait for this one's messages
            raise

    def call(self, op: str, per_share: list[Any] | None = None, *args: Any) -> list[Any]:
        futures = [self.pool.submit(self._run, w, op,
                                    (per_share[w], *args) if per_share is not None else args)
                   for w in range(self.parts)]
        interrupted = False
        while True:
            try:
                wait_all(futures)
                break
            except KeyboardInterrupt:  # the threads go on: a level is finished, then raised
                interrupted = True
        if interrupted:
            raise KeyboardInterrupt
        errors = [f.exception() for f in futures]
        first = next((e for e in errors if e is not None and
                      not isinstance(e, threading.BrokenBarrierError)), None)
        if first is not None or any(errors):
            raise first or errors[0]  # type: ignore[misc]
        return [f.result() for f in futures]

    def exchanged(self) -> int | None:
        return 0  # nothing is copied between the shares

    def close(self) -> None:
        self.pool.shutdown()


class ThreadMailbox:
    """All-to-all exchanges between the threads of `ThreadTransport` through two boards
    used in turn, with one barrier an exchange: a thread that writes a board again has
    passed the barrier after the next exchange, which every thread reached only once it
    had read this one."""

    shared = True

    def __init__(self, me: int, boards: tuple[list[Any], list[Any]],
                 barrier: threading.Barrier) -> None:
        self.me, self.boards, self.barrier = me, boards, barrier
        self.turn = 0

    def exchange(self, outgoing: list[Any]) -> list[Any]:
        board = self.boards[self.turn]
        self.turn ^= 1
        board[self.me] = outgoing
        self.barrier.wait()
        return [sent[self.me] for sent in board]


class ForkTransport:
    """`parts` forked worker processes, each a share; the coordinator talks to each through a
    pipe, and the workers pass batches to each other through one inbox queue each. Forking
    hands every worker the compiled transition system; a worker dies with the coordinator."""

    def __init__(self, ts: TransitionSystem, sharing: Sharing) -> None:
        ctx = mp.get_context("fork")
        parts = sharing.workers
        self.parts = parts
        self.lost = False
        inboxes = [ctx.Queue() for _ in range(parts)]
        self.conns: list[Connection] = []
        self.procs = []
        for me in range(parts):
            here, there = ctx.Pipe()
            p = ctx.Process(target=_serve, args=(ts, me, sharing, inboxes, there, os.getpid()),
                            daemon=True)
            p.start()
            self.conns.append(here)
            self.procs.append(p)

    def call(self, op: str, per_share: list[Any] | None = None, *args: Any) -> list[Any]:
        # the whole call holds signals: a worker that got its operation waits in the
        # exchange for the others, so an interrupt between two sends would leave it there;
        # and every answer is read whole, so none is left for a later call
        with signals_after():
            for w, conn in enumerate(self.conns):
                try:
                    conn.send((op, (per_share[w], *args) if per_share is not None else args))
                except OSError as e:
                    self._lose(repr(e))
            replies: dict[int, Any] = {}
            ends = {p.sentinel: w for w, p in enumerate(self.procs)}
            while len(replies) < self.parts:
                waiting = [c for w, c in enumerate(self.conns) if w not in replies]
                for r in wait([*waiting, *ends]):
                    if r in ends:  # the others may be waiting for its messages: all is lost
                        self._lose(f"worker {ends[r]} exited")  # type: ignore[index]
                    w = self.conns.index(r)  # type: ignore[arg-type]
                    try:
                        replies[w] = self.conns[w].recv()
                    except (EOFError, ConnectionError) as e:
                        self._lose(repr(e))
        for r in replies.values():
            if isinstance(r, _Crash):
                raise RuntimeError(f"a search worker failed:\n{r.trace}")
        return [replies[w] for w in range(self.parts)]

    def _lose(self, why: str) -> NoReturn:
        self.lost = True
        raise ShareLost(f"a search worker died: {why}")

    def exchanged(self) -> int | None:
        return None  # the queues pickle what they carry out of sight

    def close(self) -> None:
        """Stop the workers; after a lost one, the others may wait for its messages forever,
        so they are killed."""
        for conn in self.conns:
            if not self.lost:
                conn.send(("close", ()))
        for p in self.procs:
            if self.lost:
                p.kill()
            p.join()
        self.procs = []


@contextmanager
def signals_after() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done, then deliver them to the handlers
    that were in place. A KeyboardInterrupt raised inside `recv` could land between a
    message's length and its bytes, and the next read would take the rest for a message."""
    held: list[int] = []
    try:
        before = {s: signal.signal(s, lambda signum, _: held.append(signum))
                  for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: signals do not reach this one anyway
        yield
        return
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
        for s in dict.fromkeys(held):
            signal.raise_signal(s)


class _Crash:
    """A worker's exception, sent back instead of an answer so the coordinator never waits
    for a dead worker."""

    def __init__(self, trace: str) -> None:
        self.trace = trace


class QueueMailbox:
    """All-to-all exchanges between workers through one inbox queue each. A worker may be a
    phase ahead of another, so a message from a sender already heard from in this exchange
    is kept for the next; messages from one sender arrive in the order sent."""

    shared = False

    def __init__(self, me: int, inboxes: list[Any]) -> None:
        self.me, self.inboxes = me, inboxes
        self.early: dict[int, deque[Any]] = {w: deque() for w in range(len(inboxes))}

    def exchange(self, outgoing: list[Any]) -> list[Any]:
        for w, msg in enumerate(outgoing):
            if w != self.me:
                self.inboxes[w].put((self.me, msg))
        got = {self.me: outgoing[self.me]}
        for w, queue in self.early.items():
            if queue:
                got[w] = queue.popleft()
        while len(got) < len(outgoing):
            w, msg = self.inboxes[self.me].get()
            if w in got:
                self.early[w].append(msg)
            else:
                got[w] = msg
        return [got[w] for w in range(len(outgoing))]


def _serve(ts: TransitionSystem, me: int, sharing: Sharing, inboxes: list[Any],
           conn: Connection, coordinator: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides when to stop
    _die_with(coordinator)
    for inbox in inboxes:  # a dying worker must not wait to flush what no one will read
        inbox.cancel_join_thread()
    mine = share(ts, me, sharing.workers, sharing.library, sharing.keep)
    mail = QueueMailbox(me, inboxes)
    while True:
        op, args = conn.recv()
        if op == "close":
            return
        try:
            conn.send(mine.handle(op, args, mail))
        except Exception:
            conn.send(_Crash(traceback.format_exc()))


def _die_with(coordinator: int) -> None:
    """Ask Linux to end this worker when its coordinator dies, however it dies (a SIGKILL
    runs no clean-up); elsewhere the closed pipe ends it at its next receive."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != coordinator:  # it died before the request took effect
        os._exit(1)
