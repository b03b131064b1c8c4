"""A tuple or record as a thread's parameter: `thread p(l: Link)`, `start p((0, 1));`.

A thread's block gives each parameter one slot, and every back end, encoding and
canonical form fills and reads parameters slot by slot. So a tuple or record parameter is
kept as one scalar parameter per item (`l[0]`, `l[1]`, `r.f`, nested as its type is), in
consecutive slots, and no consumer needs a case for it: the name reads the tuple built
from those places (a literal printed as the name), and a spawn passes each item of its
argument. The template keeps the parameter as declared (`ir/parameters.py`) for the
reports, which decode its slots as one value, and for the names the checker looks up.
"""

from __future__ import annotations

from collections.abc import Callable

from ..ir import model as M
from ..ir.typesys import RecordType, SeqType, TupleType, Type
from ..lang.errors import Pos, SpecError
from .spelling import ATOM, spelled
from .tuples import item_of

# makes the read of one scalar slot: (its type, its name, its slot)
Leaf = Callable[[Type, str, int], M.TExpr]


def split(name: str, t: Type, slot: int, pos: Pos) -> list[M.Local]:
    """The scalar parameters that hold parameter `name` of type t from `slot` on."""
    if t.width() == 1:
        return [M.Local(name, t, slot, None, pos)]
    if not isinstance(t, RecordType) or isinstance(t, SeqType):
        raise SpecError(f"a thread's parameters are scalars, sets, or tuples and records of "
                        f"them, not {t}; pass an index into a shared variable", pos)
    return [loc for part, ft, off in _parts(name, t) for loc in split(part, ft, slot + off, pos)]


def read(loc: M.Local, leaf: Leaf) -> M.TExpr:
    """The value of a declared parameter or local: the place itself, or for a tuple or
    record the literal of its items' places, printed as its name."""
    value = _built(loc.name, loc.type, loc.slot, leaf)
    return value if loc.type.width() == 1 else spelled(value, loc.name, ATOM)


def arguments(value: M.TExpr, t: Type, pos: Pos) -> list[M.TExpr]:
    """The scalar arguments a spawn passes for one argument of type t, item by item."""
    if t.width() == 1:
        return [value]
    if isinstance(value, M.Const):
        return [M.Const(lt, value.value[off]) for lt, off in _scalars(t, 0)]
    if not (M.is_place(value) or isinstance(value, M.Compound)):
        raise SpecError(f"a {t} argument is a variable, a literal or a parameter; name the "
                        "value with a variable first", pos)
    return [a for n, ft in t.fields  # type: ignore[attr-defined]
            for a in arguments(item_of(value, n, f"{{}}[{n}]"), ft, pos)]


def _parts(name: str, t: RecordType) -> list[tuple[str, Type, int]]:
    return [(f"{name}[{n}]" if isinstance(t, TupleType) else f"{name}.{n}", ft,
             t.field(n)[0]) for n, ft in t.fields]  # type: ignore[index]


def _built(name: str, t: Type, slot: int, leaf: Leaf) -> M.TExpr:
    if t.width() == 1:
        return leaf(t, name, slot)
    return M.Compound(t, tuple(_built(part, ft, slot + off, leaf)
                               for part, ft, off in _parts(name, t)))  # type: ignore[arg-type]


def _scalars(t: Type, off: int) -> list[tuple[Type, int]]:
    if t.width() == 1:
        return [(t, off)]
    return [s for _, ft, o in _parts("", t) for s in _scalars(ft, off + o)]  # type: ignore
