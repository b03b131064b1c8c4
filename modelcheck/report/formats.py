"""The report files a run can write, in one registry the commands read their options from.

Each format turns the results of a run (every checked variant, or the spec that failed
to check) into the text of one or more files. A command adds one option per format
(`add_options`) and writes whatever was asked for (`files`); a new format is one entry
here, not an option and a writer call in each command. The HTML report is different:
it is written per variant as the run goes, by default only on a violation (see
`html_page` and the commands).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the writers load with the first file written, not with `mcheck --help`
    from .junit import Checked, SpecFailure

Results = Sequence["Checked | SpecFailure"]


@dataclass(frozen=True)
class FileFormat:
    option: str   # the command-line flag, without its dashes (argparse's dest: - becomes _)
    metavar: str
    help: str
    # (the path asked for, the results, whether several variants were asked for) -> the
    # text of each file to write
    render: Callable[[str, Results, bool], dict[Path, str]]


def _json_text(doc: Any) -> str:
    return json.dumps(doc, indent=2) + "\n"


def _json(path: str, results: Results, several: bool) -> dict[Path, str]:
    from .json_doc import verdict_json
    from .junit import SpecFailure
    docs = [_error_doc(r) if isinstance(r, SpecFailure) else verdict_json(*r) for r in results]
    return {Path(path): _json_text(docs if several else docs[0])} if docs else {}


def _error_doc(failure: SpecFailure) -> dict[str, Any]:
    return {"spec": failure.spec, "variant": failure.variant, "result": "error",
            "error": failure.message.splitlines()[0]}


def _itf(path: str, results: Results, several: bool) -> dict[Path, str]:
    from .itf import itf_files
    from .junit import SpecFailure
    checked = [r for r in results if not isinstance(r, SpecFailure)]
    return {p: _json_text(doc) for p, doc in itf_files(path, checked).items()}


def _junit(path: str, results: Results, several: bool) -> dict[Path, str]:
    from .junit import junit_xml
    return {Path(path): junit_xml(results)}


def _sarif(path: str, results: Results, several: bool) -> dict[Path, str]:
    from .junit import SpecFailure
    from .sarif import sarif_document
    checked = [r for r in results if not isinstance(r, SpecFailure)]
    if len(checked) < len(results):
        return {}  # a spec that does not check has no results to locate
    return {Path(path): _json_text(sarif_document(checked))}


def _markdown(path: str, results: Results, several: bool) -> dict[Path, str]:
    from .junit import SpecFailure
    from .markdown import markdown
    failures = [r.message for r in results if isinstance(r, SpecFailure)]
    text = markdown([r for r in results if not isinstance(r, SpecFailure)])
    if failures:
        text += "".join(f"```\n{message}\n```\n" for message in failures)
    return {Path(path): text}


FORMATS = [
    FileFormat("json", "FILE", "write the verdict(s) as JSON", _json),
    FileFormat("itf", "PATH", "write counterexamples as ITF traces: the shortest into a file, "
               "or one per violated property into a directory (a path ending in /)", _itf),
    FileFormat("junit", "FILE", "write JUnit XML, one test per property", _junit),
    FileFormat("sarif", "FILE", "write SARIF 2.1.0 results for violations", _sarif),
    FileFormat("report-md", "FILE", "write the verdicts and traces as Markdown, to paste where "
               "HTML attachments are refused", _markdown),
]


def add_options(p: argparse.ArgumentParser, only: Sequence[str] | None = None) -> None:
    """One option per file format (`only`: just these formats)."""
    for f in FORMATS:
        if only is None or f.option in only:
            p.add_argument(f"--{f.option}", metavar=f.metavar, help=f.help)


def files(args: argparse.Namespace, results: Results, several: bool) -> dict[Path, str]:
    """Every file the options ask for, with its text."""
    out: dict[Path, str] = {}
    for f in FORMATS:
        target = getattr(args, f.option.replace("-", "_"), None)
        if target:
            out.update(f.render(target, results, several))
    return out
