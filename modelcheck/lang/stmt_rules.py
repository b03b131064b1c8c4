"""The parser's rules for statements (`decl_rules` says why the rules are split in three).

Besides the control statements, these build the operating-system primitives (spawn, fork,
free, exit, the signal and destructor operations) in each form the grammar allows for a
result: stored in a place, bound by `let`, or dropped. The places a statement assigns
(`lv_*`) are built here too, as the expressions that name them.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer, v_args

from . import syntax as S
from .positions import meta_pos, token_pos


@v_args(meta=True)
class StatementRules(Transformer):
    """Builds `syntax.Stmt` nodes, and the places they assign."""

    def block(self, meta: Any, c: list) -> tuple:
        return tuple(c)

    def assign(self, meta: Any, c: list) -> S.Stmt:
        return S.Assign(meta_pos(meta), c[0], c[1])

    def spawn_assign(self, meta: Any, c: list) -> S.Stmt:
        return S.Spawn(meta_pos(meta), c[0], str(c[1]), tuple(c[2] or ()))

    def spawn(self, meta: Any, c: list) -> S.Stmt:
        return S.Spawn(meta_pos(meta), None, str(c[0]), tuple(c[1] or ()))

    def spawn_let(self, meta: Any, c: list) -> S.Stmt:
        return S.Spawn(meta_pos(meta), None, str(c[1]), tuple(c[2] or ()), str(c[0]))

    def let(self, meta: Any, c: list) -> S.Stmt:
        return S.Let(meta_pos(meta), str(c[0]), c[1])

    def if_stmt(self, meta: Any, c: list) -> S.Stmt:
        branches = [(c[0], c[1])]
        otherwise: tuple = ()
        for part in c[2:]:
            if part[0] == "elif":
                branches.append((part[1], part[2]))
            else:
                otherwise = part[1]
        return S.If(meta_pos(meta), tuple(branches), otherwise)

    def elif_part(self, meta: Any, c: list) -> tuple:
        return ("elif", c[0], c[1])

    def else_part(self, meta: Any, c: list) -> tuple:
        return ("else", c[0])

    def await_stmt(self, meta: Any, c: list) -> S.Stmt:
        return S.Await(meta_pos(meta), c[0])

    def assert_stmt(self, meta: Any, c: list) -> S.Stmt:
        msg = _unescape(c[1]) if c[1] is not None else None
        return S.Assert(meta_pos(meta), c[0], msg, str(c[2]) if c[2] is not None else None)

    def either(self, meta: Any, c: list) -> S.Stmt:
        return S.Either(meta_pos(meta), tuple(b for _, b in c), tuple(n for n, _ in c))

    def branch(self, meta: Any, c: list) -> tuple:
        return (str(c[0]) if c[0] is not None else None, c[1])

    def choose(self, meta: Any, c: list) -> S.Stmt:
        return S.Choose(meta_pos(meta), str(c[0]), c[1], c[2], c[3])

    def goto(self, meta: Any, c: list) -> S.Stmt:
        return S.Goto(meta_pos(meta), str(c[0]))

    def exit_stmt(self, meta: Any, c: list) -> S.Stmt:
        return S.Exit(meta_pos(meta))

    def skip(self, meta: Any, c: list) -> S.Stmt:
        return S.Skip(meta_pos(meta))

    def fence(self, meta: Any, c: list) -> S.Stmt:
        return S.Fence(meta_pos(meta))

    def store(self, meta: Any, c: list) -> S.Stmt:
        return S.Store(meta_pos(meta), c[0], c[1], None if c[2] is None else str(c[2]))

    def lv_name(self, meta: Any, c: list) -> S.Expr:
        return S.Name(token_pos(c[0]), str(c[0]))

    def lv_index(self, meta: Any, c: list) -> S.Expr:
        return S.Index(meta_pos(meta), c[0], c[1])

    def lv_field(self, meta: Any, c: list) -> S.Expr:
        return S.FieldOf(meta_pos(meta), c[0], str(c[1]))

    # ---- fork, free, and the signal and destructor operations
    def free_stmt(self, meta: Any, c: list) -> S.Stmt:
        return S.Free(meta_pos(meta), c[0])

    def fork_assign(self, meta: Any, c: list) -> S.Stmt:
        return S.Fork(meta_pos(meta), c[0])

    def fork_let(self, meta: Any, c: list) -> S.Stmt:
        return S.Fork(meta_pos(meta), None, str(c[0]))

    def fork(self, meta: Any, c: list) -> S.Stmt:
        return S.Fork(meta_pos(meta), None)

    def install(self, meta: Any, c: list) -> S.Stmt:
        return S.SigOp(meta_pos(meta), "install", str(c[0]))

    def uninstall(self, meta: Any, c: list) -> S.Stmt:
        return S.SigOp(meta_pos(meta), "uninstall", str(c[0]))

    def mask(self, meta: Any, c: list) -> S.Stmt:
        return S.SigOp(meta_pos(meta), "mask", str(c[0]))

    def unmask(self, meta: Any, c: list) -> S.Stmt:
        return S.SigOp(meta_pos(meta), "unmask", str(c[0]))

    def on_exit(self, meta: Any, c: list) -> S.Stmt:
        return S.SigOp(meta_pos(meta), "on_exit", str(c[0]))


def _unescape(tok: Token) -> str:
    body = str(tok)[1:-1]
    return body.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
