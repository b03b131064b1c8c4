"""JUnit XML: one test case per spec x variant x property, for CI dashboards.

A test case passes when the property's verdict is what the spec's `expect` line says (a
variant without one is expected to hold), so a historical variant that is known to be
broken is green while it stays broken the known way. An unexpected violation is a
<failure> carrying the trace as text, an expected violation that did not happen is a
<failure> too, and a property the search could not decide is <skipped>. A spec that does
not load or check is one test case with an <error>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..backends.base import TransitionSystem
from ..engine.verdict import PropertyVerdict, Verdict
from .text import trace


@dataclass
class SpecFailure:
    """A spec (or one variant of it) that could not be checked: the rendered SpecError."""

    spec: str
    variant: str | None
    message: str


Checked = tuple[TransitionSystem, Verdict]


def junit_xml(results: Sequence[Checked | SpecFailure]) -> str:
    root = ET.Element("testsuites", name="mcheck")
    # no "skipped": the published schema (Jenkins' junit-10.xsd) allows it per suite only
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    for r in results:
        suite = _error_suite(r) if isinstance(r, SpecFailure) else _suite(*r)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        seconds += float(suite.get("time", "0"))
    root.attrib.update({k: str(n) for k, n in totals.items()}, time=f"{seconds:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _classname(spec: str, variant: str | None) -> str:
    return Path(spec).stem + (f".{variant}" if variant else "")


def _suite(ts: TransitionSystem, v: Verdict) -> ET.Element:
    suite = ET.Element("testsuite", name=f"{v.spec} [{v.variant}]")
    props = ET.SubElement(suite, "properties")
    for name, value in (("spec", v.spec), ("variant", v.variant), ("result", v.result),
                        ("distinct_states", v.stats.distinct_states),
                        ("transitions", v.stats.transitions), ("depth", v.stats.depth),
                        *((("outside_constraint", v.stats.outside),) if v.constrained else ()),
                        *(("incomplete", reason) for reason in v.incomplete)):
        ET.SubElement(props, "property", name=name, value=str(value))
    traces = {ce.prop: trace(ts, ce) for ce in v.counterexamples}
    counts = {"failures": 0, "skipped": 0}
    for p in v.properties:
        case = ET.SubElement(suite, "testcase", name=p.name,
                             classname=_classname(v.spec, v.variant))
        outcome = _outcome(v, p)
        if outcome is not None:
            tag, message = outcome
            counts["failures" if tag == "failure" else tag] += 1
            element = ET.SubElement(case, tag, message=message)
            if tag == "failure":
                element.set("type", "unexpected-violation" if p.status == "violated"
                            else "missing-violation")
                element.text = traces.get(p.name, message)
        elif p.name in traces:  # an expected violation: keep its trace in the log
            ET.SubElement(case, "system-out").text = traces[p.name]
    suite.attrib.update(tests=str(len(v.properties)), failures=str(counts["failures"]),
                        errors="0", skipped=str(counts["skipped"]),
                        time=f"{v.stats.seconds:.3f}")
    return suite


def _outcome(v: Verdict, p: PropertyVerdict) -> tuple[str, str] | None:
    """('failure' | 'skipped', message) or None when the verdict is the expected one."""
    expected = p.name in v.expected
    if p.status == "unknown":
        why = "; ".join(v.incomplete) or "the search was incomplete"
        return "skipped", f"not decided: {why}"
    if p.status == "violated" and not expected:
        return "failure", (f"{p.name} ({p.kind}) is violated in variant {v.variant}: "
                           f"{p.message}; shortest trace {p.trace_length} steps")
    if p.status == "holds" and expected:
        return "failure", (f"the spec expects variant {v.variant} to violate {p.name}, but it "
                           f"holds after a complete search")
    return None


def _error_suite(f: SpecFailure) -> ET.Element:
    suite = ET.Element("testsuite", name=f"{f.spec} [{f.variant or 'spec'}]", tests="1",
                       failures="0", errors="1", skipped="0", time="0.000")
    case = ET.SubElement(suite, "testcase", name=f.variant or "spec",
                         classname=_classname(f.spec, None))
    error = ET.SubElement(case, "error", message=f.message.splitlines()[0], type="spec-error")
    error.text = f.message
    return suite
