"""Published schemas the format tests validate against, fetched rather than committed.

The JUnit XML schema that CI dashboards (Jenkins, GitLab) follow is the MIT-licensed
junit-10.xsd. No wheel ships it, but pytest's source distribution carries it for pytest's own
tests, so it is taken from there: the sdist of the pytest that is installed, fetched once with
pip into tests/data/schemas/published/ (ignored by git). A machine that cannot reach the
package index fails the JUnit tests with this module's message; it never falls back to a
hand-made schema, which would only check what we already believe.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

PUBLISHED = Path(__file__).resolve().parent / "data" / "schemas" / "published"
JUNIT_MEMBER = "testing/example_scripts/junit-10.xsd"


def junit_xsd() -> Path:
    """The path of junit-10.xsd, downloaded on first use."""
    target = PUBLISHED / "junit-10.xsd"
    if target.exists():
        return target
    pytest_version = version("pytest")
    with tempfile.TemporaryDirectory() as tmp:
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", "--dest", tmp, f"pytest=={pytest_version}"],
            capture_output=True, text=True, timeout=300)
        sdists = sorted(Path(tmp).glob("pytest-*.tar.gz"))
        assert fetched.returncode == 0 and sdists, (
            f"could not fetch pytest {pytest_version}'s sdist for the published JUnit schema:"
            f" {fetched.stderr.strip()}")
        with tarfile.open(sdists[0]) as sdist:
            member = sdist.extractfile(f"{sdists[0].name[:-len('.tar.gz')]}/{JUNIT_MEMBER}")
            assert member is not None, f"{JUNIT_MEMBER} is not in {sdists[0].name}"
            text = member.read()
    PUBLISHED.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(text)
    partial.replace(target)  # atomic: a concurrent or interrupted run never sees half a file
    return target
