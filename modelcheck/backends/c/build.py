"""Compiling a model's C verifier with the system C compiler, once per source text.

The shared library is cached under the user's cache folder by a hash of the source
and the compiler command, so checking an unchanged spec again loads it without
compiling; the folder is `$MCHECK_CACHE`, else `$XDG_CACHE_HOME/mcheck/native`, else
`~/.cache/mcheck/native`. cffi loads the library (its ABI mode needs no Python headers)
and describes the few functions the search driver calls.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cffi

CDEF = """
typedef struct search search_t;
search_t *mc_new(int, int64_t, int64_t, int, int, const char *, int);
void mc_free(search_t *);
int mc_add_initial(search_t *, const int64_t *);
void mc_mark_violated(search_t *, int);
int mc_run(search_t *, int64_t);
void mc_counts(search_t *, int64_t *);
void mc_fired(search_t *, int64_t *);
void mc_flags(search_t *, int *);
int mc_violation(search_t *, int, int64_t *, int64_t *);
int64_t mc_path(search_t *, uint64_t, int64_t *, int64_t);
int mc_shape(int *);
void mc_states(search_t *, int64_t, int64_t, int64_t *);
void mc_pc_counts(search_t *, int64_t *);
void mc_changed(search_t *, int8_t *);
int64_t mc_scan(search_t *, int64_t, const int8_t *, int64_t, int64_t *, int64_t *);
void mc_canon(const int64_t *, int64_t *);
typedef struct expander expander_t;
typedef struct bucket bucket_t;
expander_t *mc_x_new(int, int, int, int);
void mc_x_free(expander_t *);
void mc_x_local(expander_t *);
int mc_x_store(expander_t *, const uint8_t *, const int64_t *, const int64_t *, const int64_t *,
               int64_t);
int mc_x_exact(expander_t *);
int mc_x_levels(expander_t *);
int mc_x_parents(const expander_t *, const int64_t *, const int64_t *, int64_t, int64_t *);
void mc_x_place(const expander_t *, int64_t, const int64_t *, int64_t, int64_t, uint8_t *);
int mc_x_legacy(expander_t *, const int64_t *, int64_t);
int64_t mc_x_stored(const expander_t *);
int64_t mc_x_store_bytes(const expander_t *);
void mc_x_store_read(const expander_t *, int64_t *, int64_t *, int64_t *);
int mc_x_set_frontier(expander_t *, const uint8_t *, const int64_t *, const int64_t *, int64_t);
int64_t mc_x_frontier_size(const expander_t *);
void mc_x_frontier(const expander_t *, int64_t, int64_t, uint8_t *, int64_t *, int64_t *);
int mc_x_begin(expander_t *);
int mc_x_expand(expander_t *, int64_t, int64_t);
int64_t mc_x_outside(expander_t *);
int mc_x_take(expander_t *, int64_t *, int64_t *);
bucket_t *mc_x_out(expander_t *, int);
bucket_t *mc_b_new(void);
void mc_b_free(bucket_t *);
int mc_b_fill(bucket_t *, const uint8_t *, const int64_t *, const int64_t *, const int64_t *,
              int64_t);
int64_t mc_b_size(const bucket_t *);
void mc_b_offer(const bucket_t *, int64_t *, int64_t *, int64_t *);
void mc_b_rows(const bucket_t *, const int64_t *, int64_t, uint8_t *);
int64_t mc_x_collect(expander_t *, bucket_t *const *, int);
int64_t mc_x_wanted(const expander_t *, int, int64_t *);
void mc_x_fill(expander_t *, int, const uint8_t *);
int64_t mc_x_pending(const expander_t *);
const int64_t *mc_x_keys(const expander_t *);
void mc_x_rank(expander_t *, const int64_t *const *, const int64_t *, int);
void mc_x_set_ranks(expander_t *, const int64_t *);
int64_t mc_x_accept(expander_t *, int64_t, const int8_t *, int64_t *);
void mc_pack_n(const int64_t *, int64_t, uint8_t *);
void mc_unpack_n(const uint8_t *, int64_t, int64_t *);
int64_t mc_fingerprint(const int64_t *);
void mc_hash_n(const uint8_t *, int64_t, int64_t *);
int64_t mc_edges(search_t *, int64_t, int64_t, int, int, int64_t *, int32_t *, int16_t *,
                 int32_t *, int64_t);
int mc_predicate(search_t *, int, int64_t, int64_t, int8_t *);
int64_t mc_position(search_t *, const int64_t *);
"""
FLAGS = ["-O2", "-shared", "-fPIC", "-std=gnu11", "-pthread", "-w"]

ffi = cffi.FFI()
ffi.cdef(CDEF)
_loaded: dict[Path, Any] = {}


class NativeUnavailable(Exception):
    """The native engine cannot run here (no compiler, or it failed): the message says why."""


@dataclass
class Library:
    lib: Any
    path: Path
    compiled: bool      # False: it came from the cache
    seconds: float      # time spent compiling (0 from the cache)


def cache_dir() -> Path:
    if os.environ.get("MCHECK_CACHE"):
        return Path(os.environ["MCHECK_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mcheck" / "native"


def compiler() -> list[str]:
    cc = shlex.split(os.environ.get("CC", "")) or \
        [next((c for c in ("cc", "gcc", "clang") if shutil.which(c)), "cc")]
    if not shutil.which(cc[0]):
        raise NativeUnavailable(f"no C compiler found ({cc[0]}); install gcc or set CC")
    return cc


class Build:
    """The library of one C source: found in the cache, or compiled by a child process
    once `start`ed, so that a caller can do something else (search with Python) meanwhile
    and need not compile at all when that is enough."""

    def __init__(self, source: str) -> None:
        self.cc = compiler()
        self.source = source
        digest = hashlib.sha256("\0".join([*self.cc, *FLAGS, source]).encode()).hexdigest()
        self.path = cache_dir() / f"mc-{digest[:32]}.so"
        self.began = 0.0
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        """Run the compiler in the background (nothing when cached or already running)."""
        if self.proc is not None or self.cached:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(dir=self.path.parent))
        except OSError as e:
            raise NativeUnavailable(f"cannot use the cache folder {self.path.parent}: {e}") \
                from None
        src = self.tmp / "model.c"
        src.write_text(self.source, encoding="utf-8")
        self.began = time.monotonic()
        try:
            self.proc = subprocess.Popen([*self.cc, *FLAGS, "-o", str(self.tmp / "model.so"),
                                          str(src)], stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True)
        except OSError as e:
            self._clean()
            raise NativeUnavailable(f"the C compiler did not run: {e}") from None

    @property
    def cached(self) -> bool:
        return self.proc is None and self.path.exists()

    def ready(self) -> bool:
        return self.cached or (self.proc is not None and self.proc.poll() is not None)

    def wait(self) -> Library:
        """The loaded library (compiling it first, or to the end)."""
        self.start()
        compiled = self.proc is not None
        if self.proc is not None:
            output, _ = self.proc.communicate()
            code = self.proc.returncode
            if code == 0:
                os.replace(self.tmp / "model.so", self.path)  # atomic for concurrent runs
            self._clean()
            self.proc = None
            if code != 0:
                lines = output.strip().splitlines()
                raise NativeUnavailable("the C compiler rejected the generated verifier (an "
                                        "mcheck bug): " + " / ".join(lines[:3]))
        if self.path not in _loaded:
            try:
                _loaded[self.path] = ffi.dlopen(str(self.path))
            except OSError as e:
                raise NativeUnavailable(f"cannot load {self.path}: {e}") from None
        return Library(_loaded[self.path], self.path, compiled,
                       time.monotonic() - self.began if compiled else 0.0)

    def cancel(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self._clean()

    def _clean(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
