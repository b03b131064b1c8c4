"""The HTML page of `mcheck prove`: what it shows of each outcome and trace, when the
command line writes it, and the page itself in a real headless chromium.

Every outcome, state and conjunct the tests look for comes from z3 through the
prover; the tests check that the page shows what the prover found.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from modelcheck.app.cli import main
from modelcheck.app.prove import encoding, prove_variant
from modelcheck.check.checker import check
from modelcheck.lang.source import load_text
from modelcheck.report.prove_page import bmc_html, prove_html
from modelcheck.symbolic.bmc import VIOLATED, bmc
from modelcheck.symbolic.induction import Result, flat
from tests.conftest import OSV, ROOT, write
from tests.test_prove import CLIMB, MODES, TOGETHER
from tests.test_report_html import browser, open_offline  # noqa: F401 (a fixture)

PROVED = TOGETHER + "lemma SAME: x == y;\n"

TWO = "variants a, b;\n" + TOGETHER


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default page goes to ./reports: keep it out of the tree."""
    monkeypatch.chdir(tmp_path)


def proved(src: str, k: int = 1, unbounded: bool = False, variant: str | None = None,
           only: list[str] | None = None, inference: bool = False
           ) -> tuple[str, list[Result]]:
    """The page of proving a spec text, and the prover's results it shows."""
    enc, proof = prove_variant(load_text(src, path="t.spec"), variant, k, 60.0, only or [],
                               {}, unbounded, inference)
    return prove_html(enc, k, unbounded, proof), proof.results


def named(results: list[Result], name: str) -> Result:
    return next(r for r in results if r.name == name)


def section(page: str, anchor: str) -> str:
    start = page.index(f'<section class="trace" id="{anchor}">')
    return page[start:page.index("</section>", start)]


def row(sec: str, name: str) -> list[tuple[str, bool]]:
    """One variable's values across the trace's states, each with whether it is highlighted."""
    found = re.search(rf'<tr><td class="mono">{re.escape(html.escape(name))}</td>(.*?)</tr>',
                      sec, re.S)
    assert found is not None, name
    return [(html.unescape(value), bool(changed)) for changed, value in
            re.findall(r'<td class="mono( changed)?">(.*?)</td>', found.group(1))]


def shows_states(sec: str, states: list[dict]) -> None:
    """Every variable of every state is in its column, highlighted where it changed."""
    views = [flat(s) for s in states]
    for name in {n for v in views for n in v}:
        values = [v.get(name, "-") for v in views]
        assert row(sec, name) == [(value, n > 0 and value != values[n - 1])
                                  for n, value in enumerate(values)]


# ------------------------------------------------------------------ content
@MODES
def test_cti_shows_the_broken_conjunct_and_both_states(mode: list[str]) -> None:
    unbounded = mode == ["--unbounded"]
    page, results = proved(TOGETHER, unbounded=unbounded)
    r = named(results, "BOTH")
    assert r.outcome == "unknown" and r.cti is not None
    sec = section(page, "cti-BOTH")
    assert "Counterexample to induction for BOTH (k = 1)" in sec
    for b in r.cti.broken:
        assert f"broken conjunct {b['conjunct']} of {b['of']}" in sec
        assert f"<code>{b['at']}</code>" in sec
    # the broken conjunct and the whole invariant, rendered (not a cut source line)
    assert "<code>y &lt;= 2</code>" in sec
    assert "BOTH: x &lt;= 2 &amp;&amp; y &lt;= 2" in sec
    assert len(r.cti.states) == 2
    shows_states(sec, r.cti.states)
    assert any(changed for _, changed in row(sec, "y"))  # the step that broke y <= 2
    step = r.cti.steps[0]
    assert f"thread {step.thread}: {step.action}" in sec
    # the false sub-expression needs the state as a tuple, which only the pool encoding has
    assert ("This sub-expression makes BOTH false" in sec) == (not unbounded)
    assert 'href="#cti-BOTH"' in page


def test_proved_properties_are_listed_with_the_lemmas_they_assume() -> None:
    page, results = proved(PROVED)
    assert {r.name: r.outcome for r in results} == {"BOTH": "proved", "SAME": "proved"}
    assert re.search(r'id="result">PROVED<', page)
    for r in results:
        line = page[page.index(f'<tr id="property-{r.name}">'):]
        line = line[:line.index("</tr>")]
        assert '<span class="badge holds">proved</span>' in line and r.reason in line
        assert line.count("SAME") == 1 + 2 * (r.name == "SAME")  # assumed lemmas: once
    assert "<section" not in page


def test_refuted_property_shows_its_real_trace() -> None:
    page, results = proved(CLIMB, k=3)
    r = named(results, "LOW")
    assert r.outcome == "refuted" and r.counterexample is not None
    assert re.search(r'id="result">REFUTED<', page)
    sec = section(page, "trace-LOW")
    assert html.escape(r.reason) in sec
    shows_states(sec, r.counterexample.states)
    assert [v for v, _ in row(sec, "x")] == [str(s["x"]) for s in r.counterexample.states]


def test_unbounded_page_says_which_queries_leave_epr() -> None:
    page, results = proved(OSV.read_text(), unbounded=True, variant="fe37650",
                           only=["V-SAFE"])
    notes = named(results, "V-SAFE").outside_epr
    assert notes, "V-SAFE's CTI query has a quantifier alternation"
    line = page[page.index('<tr id="property-V-SAFE">'):]
    assert "outside EPR" in line[:line.index("</tr>")]
    assert html.escape("; ".join(notes)) in line


def test_bmc_page_shows_the_violation_it_found() -> None:
    spec = load_text(CLIMB, path="t.spec")
    enc = encoding(spec, check(spec.ast, None, {}), {}, False)
    found, depth, why = bmc(enc, 3, 60.0)
    page = bmc_html(enc, 3, found, depth, why)
    low = next(f for f in found if f.prop == "LOW")
    assert low.status == VIOLATED and low.states is not None
    assert re.search(r'id="result">VIOLATED<', page)
    sec = section(page, "trace-LOW")
    assert f"LOW violated in {low.length} steps" in sec
    shows_states(sec, low.states)
    assert "This sub-expression makes LOW false" in sec  # the pool encoding has tuples


# ------------------------------------------------------------- command line
def test_default_page_only_when_a_trace_is_on_it(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    assert main(["prove", write(tmp_path, PROVED)]) == 0
    assert not reports.exists()
    assert main(["prove", write(tmp_path, TOGETHER), "--bmc", "1"]) == 3  # nothing found
    assert not reports.exists()
    assert main(["prove", write(tmp_path, TOGETHER), "--no-infer"]) == 3
    assert [p.name for p in reports.iterdir()] == ["t-default-prove.html"]
    assert "HTML report written to reports/t-default-prove.html" in capsys.readouterr().err
    (reports / "t-default-prove.html").unlink()
    assert main(["prove", write(tmp_path, TOGETHER), "--no-report", "--no-infer"]) == 3
    assert list(reports.iterdir()) == []
    assert main(["prove", write(tmp_path, TOGETHER), "--no-infer"]) == 3
    assert main(["prove", write(tmp_path, CLIMB), "--bmc", "3"]) == 1  # beside, not over it
    assert sorted(p.name for p in reports.iterdir()) == ["t-default-bmc.html",
                                                         "t-default-prove.html"]


def test_report_option_writes_a_file_or_one_per_variant(tmp_path: Path) -> None:
    assert main(["prove", write(tmp_path, PROVED), "--report", "one.html"]) == 0
    assert (tmp_path / "one.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["prove", write(tmp_path, TWO, "two.spec"), "--report", "dir",
                 "--no-infer"]) == 3
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == \
        ["two-a-prove.html", "two-b-prove.html"]
    assert not (tmp_path / "reports").exists()


# ---------------------------------------------------------- the real browser
def test_cti_page_in_chromium(browser: Browser, tmp_path: Path) -> None:  # noqa: F811
    out, doc = tmp_path / "prove.html", tmp_path / "prove.json"
    # in a process of its own, as a user runs it
    run = subprocess.run([sys.executable, "-m", "modelcheck", "prove", str(OSV), "--variant",
                          "orig", "--property", "V-SAFE", "--no-infer", "--report", str(out),
                          "--json", str(doc)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 3, run.stderr
    cti = next(r for r in json.loads(doc.read_text())["results"] if r["name"] == "V-SAFE")["cti"]
    page, requests, problems = open_offline(browser, out)

    assert page.locator("#result").inner_text() == "UNKNOWN"
    page.locator('#properties a[href="#cti-V-SAFE"]').click()
    section = page.locator("#cti-V-SAFE")
    assert section.is_visible()
    why = section.locator(".why")
    assert why.is_visible() and cti["broken_conjuncts"][0]["at"] in why.inner_text()
    assert section.locator(".chain li.culprit").is_visible()
    columns = section.locator("th.state-col")
    assert columns.count() == len(cti["states"]) == 2
    assert f"thread {cti['steps'][0]['thread']}: {cti['steps'][0]['action']}" in \
        columns.nth(1).inner_text()
    changed = section.locator("td.changed")
    assert changed.count() > 0 and all(c.is_visible() for c in changed.all())
    phase = section.locator("tr", has=page.locator("td.mono", has_text=re.compile("^phase$")))
    assert phase.locator("td").nth(2).inner_text() == cti["states"][1]["phase"]

    page.close()
    assert requests == [out.as_uri()]
    assert problems == []
