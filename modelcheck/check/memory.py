"""The memory model: a spec under `option memory = tso | release_acquire` rewritten into an
ordinary spec whose extra state (store buffers, message histories and views) and extra
steps (store-buffer flushes) are the model's.

The rewrite runs on the syntax tree of one variant, before checking, so every back end,
engine, encoding and report sees plain statements and needs no case of its own. Only
variables declared `atomic` are memory locations; every other variable is still read and
written as under sequential consistency (ghost state, or data a lock protects). The
model-specific parts are `memory_tso` and `memory_ra`; this module reads the options,
walks the statements and finds what each step reads and writes.
"""

from __future__ import annotations

from dataclasses import replace

from ..lang import syntax as S
from ..lang.errors import SpecError, suggest
from .memory_base import DEFAULT_BOUND, Lowering, ScLowering
from .memory_ra import RaLowering
from .memory_rewrite import Rewriter
from .memory_tso import TsoLowering

MODELS = ("sc", "tso", "release_acquire")

def apply_memory_model(spec: S.Spec, variant: str | None,
                       overrides: dict[str, str] | None = None) -> S.Spec:
    """The spec as checked under its memory model, for `variant`; the same spec when it
    uses no memory-model feature at all."""
    options = [o for o in spec.options if o[0] not in ("memory", "memory_bound")]
    uses = (len(options) != len(spec.options) or any(v.atomic for v in spec.vars))
    if not uses and not _mentions_memory_ops(spec):
        return spec
    model = _model_option(spec, variant or spec.variant_names[0])
    bound = _bound_option(spec)
    atomics = {v.name: v for v in spec.vars if v.atomic}
    lowering: Lowering = (
        RaLowering(atomics, bound, _pool(spec, overrides or {})) if model == "release_acquire"
        else TsoLowering(atomics, bound) if model == "tso" else ScLowering(atomics, bound))
    out = lowering.declare(replace(spec, options=options))
    rw = Rewriter(lowering, atomics, spec)
    handlers = [rw.handler(h) for h in out.handlers]  # first: a thread's buffer holds theirs
    return replace(out, handlers=handlers, templates=[rw.template(t) for t in out.templates],
                   destructors=[(n, rw.destructor(b, p), p) for n, b, p in out.destructors])


def _mentions_memory_ops(spec: S.Spec) -> bool:
    """Whether a step uses `load`, `store` or `fence` (which then need atomic variables)."""
    text = repr([spec.templates, spec.handlers, spec.destructors])
    return "Fence(" in text or "Store(" in text or "func='load'" in text and \
        all(d.name != "load" for d in spec.defs)


def _model_option(spec: S.Spec, variant: str) -> str:
    for name, expr, _ in spec.options:
        if name == "memory":
            model = _variant_choice(expr, variant, spec)
            if model not in MODELS:
                raise SpecError(f"unknown memory model '{model}'", expr.pos, suggest(model, MODELS))
            return model
    return "sc"


def _variant_choice(e: S.Expr, variant: str, spec: S.Spec) -> str:
    """The value of `sc`, `tso`, ... or `if variant == v then M1 else M2` for `variant`."""
    if isinstance(e, S.Name):
        return e.id
    if isinstance(e, S.Cond):
        return _variant_choice(e.then if _variant_test(e.test, variant, spec) else e.other,
                               variant, spec)
    raise SpecError("option memory takes a model name or 'if variant == V then M else M'", e.pos)


def _variant_test(e: S.Expr, variant: str, spec: S.Spec) -> bool:
    if isinstance(e, S.Unary) and e.op == "!":
        return not _variant_test(e.operand, variant, spec)
    if isinstance(e, S.Binary) and isinstance(e.left, S.VariantRef):
        names = [e.right] if e.op in ("==", "!=") else \
            list(e.right.items) if isinstance(e.right, S.SetLit) and e.op == "in" else []
        ids = [n.id for n in names if isinstance(n, S.Name)]
        if ids and len(ids) == len(names):
            for i in ids:
                if i not in spec.variant_names:
                    raise SpecError(f"unknown variant '{i}'", e.pos, suggest(i, spec.variant_names))
            return (variant in ids) == (e.op != "!=")
    raise SpecError("the memory model can depend only on 'variant == V', 'variant != V' or "
                    "'variant in {V, ...}'", e.pos)


def _pool(spec: S.Spec, overrides: dict[str, str]) -> int:
    """The number of thread ids, read before checking (a store in the middle of a history
    moves every thread's view, one statement per id)."""
    if not spec.threads:
        loop = next((pos for _, _, pos, loop in spec.starts if loop is not None), None)
        if loop is not None:
            raise SpecError("with a memory model, 'start ... for' needs a 'threads N;' line",
                            loop)
        return max(1, len(spec.starts))
    expr, pos = spec.threads[0]
    if isinstance(expr, S.Name) and expr.id in overrides and overrides[expr.id].isdigit():
        return int(overrides[expr.id])
    if isinstance(expr, S.Name):
        expr = next((e for n, e, _ in spec.consts if n == expr.id), expr)
    if isinstance(expr, S.IntLit):
        return expr.value
    raise SpecError("under release_acquire 'threads' takes a number or a constant set to one",
                    pos)


def _bound_option(spec: S.Spec) -> int:
    for name, expr, pos in spec.options:
        if name == "memory_bound":
            if not isinstance(expr, S.IntLit) or not 1 <= expr.value <= 16:
                raise SpecError("option memory_bound takes an integer literal from 1 to 16", pos)
            return expr.value
    return DEFAULT_BOUND


