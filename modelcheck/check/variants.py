"""A spec as one variant sees it: steps, definitions and invariants written
`when variant in {a, b}` exist only in those variants.

A fix that adds a step, or a definition that differs between versions of a protocol,
is then written where it belongs instead of being hidden behind `if variant == ...` in
another step. The filtering happens before any checking, so every later stage sees a
plain spec: in another variant the declaration is simply not there (a `goto` to a step
that does not exist in the variant is an unknown label, as any other).
"""

from __future__ import annotations

import dataclasses

from ..lang import syntax as S
from ..lang.errors import SpecError, suggest


def for_variant(spec: S.Spec, variant: str) -> S.Spec:
    """The declarations of `spec` that exist in `variant`; every `when` clause must name
    declared variants, and every template and handler must keep a step."""
    names = spec.variant_names

    def keeps(only: S.Variants) -> bool:
        for name, pos in only:
            if name not in names:
                raise SpecError(f"unknown variant '{name}' in 'when variant in'", pos,
                                suggest(name, names))
        return not only or variant in {n for n, _ in only}

    def steps(owner: str, decls: tuple[S.StepDecl, ...], pos: S.Pos) -> tuple[S.StepDecl, ...]:
        kept = tuple(s for s in decls if keeps(s.only))
        if not kept:
            raise SpecError(f"'{owner}' has no step in variant {variant}", pos)
        return kept

    templates = [dataclasses.replace(t, steps=steps(t.name, t.steps, t.pos))
                 for t in spec.templates]
    handlers = [dataclasses.replace(h, steps=steps(h.name, h.steps, h.pos))
                for h in spec.handlers]
    guarded = [(name, expr, pos) for name, expr, pos, only in spec.guarded_invariants
               if keeps(only)]
    invariants = sorted([*spec.invariants, *guarded], key=lambda i: (i[2].line, i[2].col))
    return dataclasses.replace(spec, templates=templates, handlers=handlers,
                               defs=[d for d in spec.defs if keeps(d.only)],
                               invariants=invariants, guarded_invariants=[])
