"""Shares as Ray actors, on this machine or across a cluster (`--cluster ray[://ADDRESS]`).

The coordinator stays where `mcheck` runs and asks every actor for one operation at
a time (`RayTransport.call`), as it asks forked workers. Each actor owns the shard of
the visited set whose fingerprints are its number modulo the number of actors, and
builds its own transition system from the spec's text (`Sharing.rebuild`); native
shares also load the compiled verifier, whose bytes the coordinator puts once in Ray's
object store for machines whose compile cache lacks it (`native_library.load`).
Fingerprints are the same in every process (`fingerprint.py`, and its copy in C), so a
state is routed to the same owner on every machine.

During an operation the actors swap batches directly, actor to actor: a message is
one pickled buffer (numpy arrays of fingerprints, keys and parents, and only the states
their owner kept: packed rows from native shares, tuples from Python ones), delivered
into the receiver's inbox by a second thread of the actor while its first thread waits
in the exchange. Messages carry the exchange's round, so they may arrive in any order.
The bytes sent are counted, for `Stats.exchanged_bytes`.

An actor that dies makes `call` raise `ShareLost`: the coordinator then kills the
others and goes back to its last checkpoint (`levels.py`). Ray is imported only
here, and this module only when a cluster is asked for.
"""

from __future__ import annotations

import logging
import pickle
import threading
import uuid
from collections.abc import Callable
from typing import Any

import ray
from ray.exceptions import RayActorError, RayTaskError

from ..backends.base import TransitionSystem
from .native_library import NativeLibrary
from .native_share import share
from .transport import ShareLost, Sharing


class RayTransport:
    """`sharing.workers` actors, spread over the nodes of the Ray cluster."""

    def __init__(self, sharing: Sharing) -> None:
        if sharing.rebuild is None:
            raise ValueError("shares on a cluster build the system from a recipe: "
                             "Sharing.rebuild")
        self.parts = sharing.workers
        self.started = not ray.is_initialized()
        if self.started:
            address = None if sharing.cluster == "ray" else sharing.cluster
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False,
                     **({"include_dashboard": False} if address is None else {}))
        actor = ray.remote(ShareActor)
        run = uuid.uuid4().hex[:8]  # names the actors in Ray's tools: mcheck-RUN-share-W
        library = None if sharing.library is None else ray.put(sharing.library)  # once
        self.actors = [actor.options(  # type: ignore[attr-defined]
            name=f"mcheck-{run}-share-{w}", num_cpus=0, max_concurrency=2,
            scheduling_strategy="SPREAD").remote(sharing.rebuild, w, self.parts, library)
            for w in range(self.parts)]
        self._wait([a.connect.remote(self.actors) for a in self.actors])

    def call(self, op: str, per_share: list[Any] | None = None, *args: Any) -> list[Any]:
        return self._wait([a.handle.remote(op, (per_share[w], *args) if per_share is not None
                                           else args) for w, a in enumerate(self.actors)])

    def _wait(self, refs: list[Any]) -> list[Any]:
        """Every reply, but a dead actor as soon as it is known (the others may be waiting
        for its messages); Ctrl-C is held until the replies are in, as for forked workers."""
        pending, interrupted = list(refs), False
        while pending:
            try:
                ready, pending = ray.wait(pending, num_returns=1)
                ray.get(ready)
            except KeyboardInterrupt:
                interrupted = True
            except RayActorError as e:
                raise ShareLost(f"a Ray share died: {e}") from None
            except RayTaskError as e:
                raise RuntimeError(f"a search share failed:\n{e}") from None
        if interrupted:
            raise KeyboardInterrupt
        return ray.get(refs)  # type: ignore[no-any-return]

    def exchanged(self) -> int:
        return sum(ray.get([a.sent.remote() for a in self.actors]))

    def close(self) -> None:
        for a in self.actors:
            ray.kill(a, no_restart=True)
        self.actors = []
        if self.started and ray.is_initialized():
            ray.shutdown()
            self.started = False


class ShareActor:
    """One share in a Ray worker process: the partition, its inbox and its way out."""

    def __init__(self, rebuild: Callable[[], TransitionSystem], me: int, parts: int,
                 library: NativeLibrary | None) -> None:
        self.share = share(rebuild(), me, parts, library)
        self.inbox = Inbox()
        self.mail: RayMailbox | None = None

    def connect(self, peers: list[Any]) -> None:
        self.mail = RayMailbox(self.share.me, peers, self.inbox)

    def handle(self, op: str, args: tuple) -> Any:
        return self.share.handle(op, args, self.mail)  # type: ignore[arg-type]

    def deliver(self, round_: int, sender: int, payload: bytes) -> None:
        self.inbox.put(round_, sender, payload)

    def sent(self) -> int:
        return self.mail.sent if self.mail is not None else 0


class Inbox:
    """Messages by (round, sender), filled by one thread and emptied by another."""

    def __init__(self) -> None:
        self.messages: dict[tuple[int, int], bytes] = {}
        self.arrived = threading.Condition()

    def put(self, round_: int, sender: int, payload: bytes) -> None:
        with self.arrived:
            self.messages[round_, sender] = payload
            self.arrived.notify_all()

    def take(self, round_: int, sender: int) -> bytes:
        with self.arrived:
            self.arrived.wait_for(lambda: (round_, sender) in self.messages)
            return self.messages.pop((round_, sender))


class RayMailbox:
    """All-to-all exchanges between actors; every share makes the same exchanges in the same
    order, so the count of exchanges so far names a round on every share."""

    shared = False

    def __init__(self, me: int, peers: list[Any], inbox: Inbox) -> None:
        self.me, self.peers, self.inbox = me, peers, inbox
        self.round = 0
        self.sent = 0

    def exchange(self, outgoing: list[Any]) -> list[Any]:
        self.round += 1
        for w, msg in enumerate(outgoing):
            if w != self.me:
                payload = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
                self.sent += len(payload)
                self.peers[w].deliver.remote(self.round, self.me, payload)
        return [msg if w == self.me else pickle.loads(self.inbox.take(self.round, w))
                for w, msg in enumerate(outgoing)]
