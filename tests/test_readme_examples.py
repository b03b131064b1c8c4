"""The README's first examples are what the commands print today.

Each code block of the README's opening that starts with `$ mcheck` is run from the
repository root; every line it shows, except `...`, must appear in the output in the
same order. Times, rates and the engine line vary from run to run and machine to machine,
so they are blanked on both sides; state counts, depths and verdicts are not.
"""

from __future__ import annotations

import re
import shlex

import pytest

from modelcheck.app.cli import main
from tests.conftest import ROOT

_VOLATILE = [
    (re.compile(r"\d+\.\d\d s \([\d,]+ states/s\)"), "<seconds>"),
    (re.compile(r"engine: .*$"), "engine: <engine>"),
]


def _examples() -> list[tuple[str, list[str]]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    opening = readme[:readme.index("\n## ")]
    blocks = re.findall(r"```\n\$ (mcheck [^\n]*)\n(.*?)```", opening, re.S)
    return [(command, body.splitlines()) for command, body in blocks]


def _blank(line: str) -> str:
    for pattern, replacement in _VOLATILE:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def test_the_opening_has_examples() -> None:
    assert len(_examples()) >= 2


@pytest.mark.parametrize(("command", "shown"), _examples())
def test_readme_example_matches_a_fresh_run(command: str, shown: list[str],
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    code = main([*shlex.split(command)[1:], "-q", "--no-report"])
    printed = [_blank(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    at = 0
    for line in shown:
        if line.strip() == "...":
            continue
        want = _blank(line)
        assert want in printed[at:], f"README line not in the output (in order): {line!r}"
        at = printed.index(want, at) + 1
