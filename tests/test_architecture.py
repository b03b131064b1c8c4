"""The package layout holds: stages import only earlier stages, modules stay small, and
every consumer of the checked model handles every node.

The stage order is written once, here; ARCHITECTURE.md draws the same pipeline.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import modelcheck
from modelcheck.ir.walk import Visitor

PACKAGE = Path(modelcheck.__file__).parent
STAGES = ["lang", "ir", "check", "backends", "engine", "symbolic", "report", "app"]
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 300


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(absolute module, imported names, line) of every import in a module of ours."""
    here = _name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((target, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
    return [(t, names, line) for t, names, line in out if t.startswith("modelcheck")]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: _name(p))
def test_imports_go_down_the_pipeline(path: Path) -> None:
    own = _stage(_name(path))
    if own is None:
        return  # modelcheck/__init__ and __main__ sit above every stage
    for target, names, line in _imports(path):
        for module in [target] + [f"{target}.{n}" for n in names]:
            stage = _stage(module)
            if stage is not None:
                assert STAGES.index(stage) <= STAGES.index(own), \
                    f"{_name(path)}:{line} imports {module}, a later stage than {own}"
        if _stage(target) not in (None, own):
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{_name(path)}:{line} imports private {private} from {target}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: _name(p))
def test_modules_and_classes_are_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{_name(path)} is too long"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            assert size <= MAX_CLASS_LINES, f"class {node.name} in {_name(path)}: {size} lines"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: _name(p))
def test_every_module_says_why_it_exists(path: Path) -> None:
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), _name(path)


def _visitors() -> list[type[Visitor]]:
    for info in pkgutil.walk_packages(modelcheck.__path__, "modelcheck."):
        if not info.name.endswith("__main__"):
            try:
                importlib.import_module(info.name)
            except ModuleNotFoundError as e:  # only the optional [cluster] extra may be absent
                if e.name != "ray":
                    raise
    found, todo = [], list(Visitor.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def test_every_visitor_handles_every_node_of_its_kinds() -> None:
    """A node added to ir/model.py fails here, naming each consumer that needs a case."""
    visitors = _visitors()
    assert visitors, "no consumer of the checked model is a Visitor"
    missing = {f"{v.__module__}.{v.__qualname__}": v.missing() for v in visitors if v.covers}
    assert not {k: v for k, v in missing.items() if v}, missing
