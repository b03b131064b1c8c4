"""The HTML report: `explain` against the compiled invariants, the report's content, the
command line's --report, and the page itself in a real headless chromium.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from modelcheck.app.cli import main
from modelcheck.app.pipeline import compile_variant
from modelcheck.backends.python.system import TransitionSystem
from modelcheck.backends.runtime import EvalError
from modelcheck.engine.search import search
from modelcheck.ir.values import state_dict
from modelcheck.lang.source import load, load_text
from modelcheck.report.evaluate import holds
from modelcheck.report.explain import explain
from modelcheck.report.html_page import html, write_html
from tests.conftest import OSV, ROOT, run, trace_of, write

TLS = ROOT / "specs" / "tls_swap.spec"
CHROMIUM = Path("/usr/bin/chromium")

# One state, several invariants that fail in it in different ways.
SETS = """
var s: set of 0..3 = {1, 2};
var n: 0..3 = 3;
invariant ALL: forall x in 0..3 : x in s -> x < 2;
invariant SOME: exists x in s : x == 3;
invariant NESTED: forall a in 0..1 : exists b in 0..3 : b in s && b > a + 1;
invariant NONE: !(exists x in s : x == 2);
def big(k: 0..3): bool = k > n - 1;
invariant DEF: forall x in s : !big(x + 1);
thread t() { go: { skip; } }
start t();
"""

# Every kind of expression the evaluator knows, over a few threads and steps.
MIXED = """
threads 3;
enum E { a, b, c }
var s: set of 0..3 = {};
var e: E = a;
var r: record { k: 0..3, o: tid? } = {k: 0, o: none};
var arr: array[1..2] of 0..3 = [0];
thread_local m: 0..2 = 0;
def half(x: 0..3): 0..3 = x / 2;
thread w() {
    one: { either { s = s | {1}; e = b; } or { r.k = 2; r.o = self; arr[2] = 3; }
           or { m = 1; if free_threads() > 0 { spawn w(); } } }
    two: { choose v in 0..3 where v != 2 { s = s - {v}; arr[1] = half(v + 1); } }
}
start w();
invariant I1: count(x in s : x > 0) <= 1 || size(filter(x in 0..3 : x in s)) == 2;
invariant I2: (if r.o == none then 0 else r.k) % 3 < 2 || e == c;
invariant I3: forall t in tid : alive(t) -> (m@t < 1 || parent(t) == none || ancestor(0, t));
invariant I4: arr[1] - arr[2] * 2 > -6 && -arr[2] < 1 || half(r.k) + 0 == 1;
invariant I5: done(1) || freed(2) || !(e in {b, c}) || s & {1, 3} != {};
invariant I6: e != b || arr[r.k] >= 0;
"""


def ts_of(src: str, variant: str | None = None) -> TransitionSystem:
    return compile_variant(load_text(src), variant)


def initial(ts: TransitionSystem) -> tuple:
    return next(iter(ts.init()))


def truth(fn: Any, *args: Any) -> Any:
    """A truth value, or the fact that evaluation failed: both must agree."""
    try:
        return bool(fn(*args))
    except EvalError:
        return EvalError


@pytest.mark.parametrize("spec, variant", [
    (MIXED, None), (OSV, "fe37650"), (OSV, "levels"),
    *((TLS, v) for v in ("sb0_base", "sb1_c5f2ffa", "sb3_335e530", "sb4_93b110d"))],
    ids=lambda x: x.name if isinstance(x, Path) else "mixed" if x == MIXED else str(x))
def test_explain_agrees_with_the_compiled_invariants(spec: Any, variant: str | None) -> None:
    ts = compile_variant(load(spec), variant) if isinstance(spec, Path) else ts_of(spec)
    states = search(ts).store.states
    assert len(states) > 5
    seen = set()
    for s in states:
        for inv, (name, fn) in zip(ts.model.invariants, ts.invariants):
            value = truth(fn, s)
            assert truth(holds, ts.model, inv.expr, s) == value, (name, s)
            seen.add(value)
    assert True in seen and False in seen  # both outcomes were compared
    if spec == MIXED:
        assert EvalError in seen  # and a failed evaluation (I6 indexes arr with 0)


def test_explain_osv_v_safe_names_the_thread_that_sees_too_early() -> None:
    ts, v = run(OSV.read_text(), "fe37650")
    ce = trace_of(v, "V-SAFE")
    state = ce.steps[-1].state
    inv = next(i for i in ts.model.invariants if i.name == "V-SAFE")
    why = explain(ts.model, "V-SAFE", inv.expr, state)
    d = state_dict(ts.model, state)
    early = [t["id"] for t in d["threads"] if t["status"] == "alive" and t["id"] != d["loader"]]
    assert d["phase"] == "loading" and len(early) == 1
    assert why.bindings == [("t", str(early[0]))]
    assert why.frames[0].value == "false" and why.frames[0].note == f"false for t = {early[0]}"
    assert [f.expr for f in why.frames[2:4]] == ["!sees_too_early(t)", "sees_too_early(t)"]
    assert why.culprit.expr.startswith("visible(t) && (phase == loading && t != loader")
    assert why.culprit.value == "true"
    assert ("phase", "loading") in why.reads and ("loader", str(d["loader"])) in why.reads
    assert ("visible(t)", "true") in why.reads


def explained(name: str) -> Any:
    ts = ts_of(SETS)
    inv = next(i for i in ts.model.invariants if i.name == name)
    return explain(ts.model, name, inv.expr, initial(ts))


def test_explain_forall_gives_the_witness_and_the_false_conclusion() -> None:
    why = explained("ALL")
    assert why.bindings == [("x", "2")]
    assert why.frames[1].note == "the premise holds and the conclusion does not"
    assert (why.culprit.expr, why.culprit.value) == ("x < 2", "false")


def test_explain_failing_exists_says_no_value_satisfies_it() -> None:
    why = explained("SOME")
    assert len(why.frames) == 1 and why.bindings == []
    assert why.culprit.note == "no x in s satisfies the body"
    assert why.reads == [("s", "{1, 2}")]


def test_explain_nested_quantifiers() -> None:
    why = explained("NESTED")
    assert why.bindings == [("a", "1")]
    assert why.culprit.expr == "exists b in 0..3 : b in s && b > a + 1"
    assert why.culprit.note == "no b in 0..3 satisfies the body"


def test_explain_negated_exists_gives_its_witness() -> None:
    why = explained("NONE")
    assert why.bindings == [("x", "2")]
    assert (why.culprit.expr, why.culprit.value) == ("x == 2", "true")


def test_explain_walks_into_definitions() -> None:
    why = explained("DEF")
    assert why.bindings == [("x", "2"), ("k", "3")]
    assert (why.culprit.expr, why.culprit.value) == ("k > n - 1", "true")
    assert why.reads == [("n", "3")]


def test_explain_an_assertion_in_the_state_it_failed_in() -> None:
    """OSv's V-MEM: the walk reads the object of a thread that has exited and been freed."""
    ts, v = run(OSV.read_text(), "fe37650")
    ce = trace_of(v, "V-MEM")
    last = ce.steps[-1]
    walk = state_dict(ts.model, last.state)["threads"][last.thread]["locals"]["walk"]
    freed = [t["id"] for t in state_dict(ts.model, last.state)["threads"]
             if t["status"] == "freed"]
    assert walk in freed
    page = html(ts, v)
    assert "freed(walk)" in page and f"walk = {walk}" in page and f"self = {last.thread}" in page


# ------------------------------------------------------------------- report content


def test_report_content_osv() -> None:
    ts, v = run(OSV.read_text(), "fe37650", path="specs/osv_visibility.spec")
    page = html(ts, v)
    for p in v.properties:
        assert f"<b>{p.name}</b>" in page
    assert page.count('<section class="trace"') == len(v.counterexamples) == 4
    for k, ce in enumerate(v.counterexamples):
        section = page.split(f'id="trace-{k}"')[1].split("</section>")[0]
        used = {t["id"] for st in ce.steps for t in state_dict(ts.model, st.state)["threads"]}
        assert set(map(int, re.findall(r'data-thread="(\d+)"', section))) == used
        shared = re.search(r'<td class="step">0–(\d+)</td>', section)  # drawn in another
        assert section.count("<details") == len(ce.steps) - (int(shared[1]) + 1 if shared else 0)
        assert f'id="trace-{k}-fail"' in section
    assert "created by thread 0" in page and "exited, object freed" in page
    assert "Not drawn: the state space has more than 300 states" in page
    assert not re.search(r"https?:|<link|\bsrc=|@import|url\(", page)  # nothing to fetch


def test_signal_handler_steps_sit_in_the_interrupted_threads_column() -> None:
    spec = ROOT / "specs" / "rseq_refcount.spec"
    ts, v = run(spec.read_text(), "v4_late_signal")
    ce = v.counterexamples[0]
    entered = [n for n, st in enumerate(ce.steps) if "signal" in st.choices]
    assert entered, "the trace enters the signal handler"
    page = html(ts, v)
    section = page.split('id="trace-0"')[1].split("</section>")[0]
    columns = [int(t) for t in re.findall(r'data-thread="(\d+)"', section)]
    rows = section.split('<tr class="lane')[1:]
    for n in entered:
        cells = rows[n].split("<details")[0].split("<td")[1:]
        acting = cells[1 + columns.index(ce.steps[n].thread)]  # type: ignore[arg-type]
        assert ce.steps[n].action in acting and "signal" in acting


def test_fired_counts_every_successor_once() -> None:
    ts, v = run(TLS.read_text(), "sb4_93b110d")
    assert sum(v.stats.fired) == v.stats.transitions > 0
    page = html(ts, v)
    fired = page.split('id="fired"')[1].split("</table>")[0]
    rows = re.findall(r"<tr( class=\"never\")?><td><code>([^<]+)</code>", fired)
    never = {name for flag, name in rows if flag}
    # the spec's client signal handler is off by default: its later steps never run
    assert never == {"client_signal.handler_syscall", "client_signal.handler_sysret",
                     "client_signal.sigreturn"}
    assert f"{v.stats.transitions:,}" in fired  # all of them by client.run


def test_state_graph_has_every_state_and_the_traces() -> None:
    ts, v = run(TLS.read_text(), "sb4_93b110d")
    page = html(ts, v)
    svg = page.split('id="state-graph"')[1].split("</svg>")[0]
    states = svg.count("<circle") + svg.count("<rect")
    assert states == v.stats.distinct_states
    failed = sum(1 for ce in v.counterexamples if ce.steps[-1].failed)
    assert svg.count('class="node failure"') == failed
    assert svg.count('class="trace-edge"') >= max(ce.length for ce in v.counterexamples)


def test_report_of_a_passing_run(tmp_path: Path) -> None:
    ts, v = run(TLS.read_text(), "sb6_4e245f5")
    assert v.result == "holds"
    out = tmp_path / "deep" / "r.html"
    write_html(ts, v, out)
    page = out.read_text(encoding="utf-8")
    assert ">HOLDS<" in page and "search complete" in page and "<section" not in page


# ------------------------------------------------------------------- command line


VIOLATES = """
variants a, b;
var x: 0..3 = 0;
thread w() { s: { x = x + 1; goto s; } }
start w();
expect a violates bounds;
expect b violates bounds;
"""


def test_cli_report_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    spec = write(tmp_path, VIOLATES, "two.spec")
    assert main([spec, "-q", "--no-trace"]) == 0  # both verdicts as expected: no page
    assert not (tmp_path / "reports").exists()
    unexpected = write(tmp_path, VIOLATES.replace("expect b violates bounds;",
                                                  "expect b holds;"), "three.spec")
    assert "expect b holds;" in Path(unexpected).read_text()
    assert main([unexpected, "-q", "--no-trace"]) == 1
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["three-b.html"]
    assert "reports/three-b.html" in capsys.readouterr().err
    assert main([spec, "-q", "--no-trace", "--variant", "a", "--report", "one.html"]) == 0
    assert (tmp_path / "one.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main([spec, "-q", "--no-trace", "--report", "dir"]) == 0
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == ["two-a.html", "two-b.html"]
    (tmp_path / "reports" / "three-b.html").unlink()
    assert main([unexpected, "-q", "--no-trace", "--variant", "b", "--no-report"]) == 1
    assert not (tmp_path / "reports" / "three-b.html").exists()


def test_cli_no_default_report_when_everything_holds(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([str(TLS), "-q", "--no-trace", "--variant", "sb6_4e245f5"]) == 0
    assert not (tmp_path / "reports").exists()


# ------------------------------------------------------------------- the real browser


def test_chromium_is_installed() -> None:
    """The browser tests need it; a machine without it must fail here, not skip."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)"


@pytest.fixture(scope="module")
def browser() -> Any:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def open_offline(browser: Browser, path: Path) -> tuple[Page, list[str], list[str]]:
    """The page at `path`, loaded with every other request refused; the URLs it requested
    (its own included) and its console errors and uncaught exceptions, as they come."""
    url = path.as_uri()
    requests: list[str] = []
    problems: list[str] = []
    page = browser.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.route("**/*", lambda route: route.continue_() if route.request.url == url
               else route.abort())
    page.goto(url)
    page.wait_for_load_state("load")
    return page, requests, problems


@pytest.mark.parametrize("spec, variant", [(OSV, "fe37650"), (TLS, "sb4_93b110d")])
def test_report_in_chromium(browser: Browser, tmp_path: Path, spec: Path, variant: str) -> None:
    ts, v = run(spec.read_text(), variant, path=f"specs/{spec.name}")
    out = tmp_path / "report.html"
    write_html(ts, v, out)
    page, requests, problems = open_offline(browser, out)

    assert page.locator("#result").inner_text() == "VIOLATED"
    for k, ce in enumerate(v.counterexamples):
        section = page.locator(f"#trace-{k}")
        used = sorted({t["id"] for st in ce.steps
                       for t in state_dict(ts.model, st.state)["threads"]})
        headers = section.locator("th.thread-col")
        assert [int(h.get_attribute("data-thread") or -1) for h in headers.all()] == used
        for h in headers.all():
            assert h.is_visible()
        why = section.locator(".why")
        assert why.is_visible() and ce.prop in why.inner_text()
        assert section.locator(f"#trace-{k}-fail").is_visible()

    first = page.locator("#trace-0 details.state").last
    table = first.locator("table")
    assert not table.is_visible()
    first.locator("summary").click()
    assert table.is_visible() and "thread 0" in table.inner_text()
    page.locator("#trace-0 button[data-open]").click()
    opened = page.locator("#trace-0 details.state")
    assert all(d.get_attribute("open") is not None for d in opened.all())
    if v.stats.distinct_states <= 300:
        assert page.locator("#state-graph").is_visible()

    page.close()
    assert requests == [out.as_uri()]
    assert problems == []


def test_long_report_fits_800_and_1400_pixels(browser: Browser, tmp_path: Path) -> None:
    """The stop-world master report (four traces of 43 to 60 steps, seven threads): no
    horizontal scrolling of the page at either width; wide traces scroll in their box."""
    spec = ROOT / "specs" / "stop_world.spec"
    ts, v = run(spec.read_text(), "master", path="specs/stop_world.spec")
    out = tmp_path / "report.html"
    write_html(ts, v, out)
    for width in (800, 1400):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(out.as_uri())
        page.wait_for_load_state("load")
        shot = tmp_path / f"report-{width}.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate("document.querySelector('.scroll').clientWidth") <= width
        page.close()


def test_shared_prefix_is_shown_once() -> None:
    """Two traces along one counter: the longer shows only its own steps after the ones it
    shares with the shorter, and links to it; the shorter shows all of its own."""
    ts, v = run("""
    var x: 0..9 = 0;
    thread t() { s: { await x < 6; x = x + 1; goto s; } }
    start t();
    option deadlock = false;
    invariant LOW: x < 3;
    invariant MID: x < 5;
    """)
    assert [(ce.prop, ce.length) for ce in v.counterexamples] == [("LOW", 3), ("MID", 5)]
    page = html(ts, v)
    low, mid = (page[page.index(f'id="trace-{k}"'):] for k in (0, 1))
    low = low[:low.index("</section>")]
    mid = mid[:mid.index("</section>")]
    steps = re.compile(r'<td class="step">(\d+)[< ]')
    assert steps.findall(low) == ["0", "1", "2", "3"]
    # MID's steps 0-2 are LOW's (its failing step 3 is not): they are not drawn again
    assert steps.findall(mid) == ["3", "4", "5"]
    assert '<td class="step">0–2</td>' in mid and 'href="#trace-0"' in mid
