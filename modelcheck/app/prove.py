"""`mcheck prove`: invariants, lemmas and assertions proved by k-induction with z3,
or (`--bmc K`) a symbolic search for violations of at most K steps.

The induction itself is `induction.py`, the search `bmc.py`; the encodings are
`symbolic/proof_encodings.py`, the HTML page `report/prove_page.py`. Exit codes: 0 every
property proved, 1 some property refuted (a real counterexample from the
initial states; with --bmc, a violation found), 2 usage or spec error, 3
nothing refuted but some property unknown (not k-inductive up to K, or z3 gave
up; with --bmc, no violation within K steps, which proves nothing; or Ctrl-C,
SIGTERM or --time-limit stopped it: what was decided by then is printed, a proof
not yet past its final checks as unknown, and the variants not reached are named).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from ..check.checker import check
from ..ir import model as M
from ..lang.errors import SpecError
from ..lang.source import LoadedSpec, load
from ..report.proof_text import conjunct_text, conjunct_values, invariant_text
from ..report.prove_page import write_bmc_html, write_prove_html
from ..symbolic.bmc import NOT_CHECKED, STOPPED, UNKNOWN, VIOLATED, Found, bmc
from ..symbolic.induction import Result, Step, Trace, flat
from ..symbolic.proof_encodings import Bounded, ProofEncoding, Unbounded
from ..symbolic.proving import Proof, prove_all, prove_unbounded
from . import interrupts
from .options import UsageError, defines, write_html_report, write_output

# Spacer's default seconds a property: what it proved on the shipped specs took 1 to 4 s,
# and where it fails it runs out of any limit, once per unknown property of every variant
PDR_TIMEOUT = 30.0


def encoding(spec: LoadedSpec, model: M.Model, overrides: dict[str, str],
             unbounded: bool) -> ProofEncoding:
    return (Unbounded if unbounded else Bounded)(spec, model, overrides)


def prove_variant(spec: LoadedSpec, variant: str | None, k: int, timeout: float,
                  only: list[str], overrides: dict[str, str], unbounded: bool,
                  inference: bool = True, decided: list[Result] | None = None,
                  pdr_limit: float | None = None) -> tuple[ProofEncoding, Proof]:
    """`decided` gets each result as it is judged (see `_partial`); `pdr_limit`: Spacer's
    seconds per property left unknown on the fixed pool (None: no PDR)."""
    model = check(spec.ast, variant, overrides)
    known = {p.name for p in model.properties if p.kind in ("invariant", "lemma", "assertion")}
    for name in only:
        if name not in known:
            raise SpecError(f"--property {name}: variant {model.variant} has no invariant, "
                            f"lemma or assertion '{name}'")
    if unbounded and inference:
        return prove_unbounded(spec, variant, overrides, k, timeout, only, decided)
    enc = encoding(spec, model, overrides, unbounded)
    return enc, prove_all(enc, k, timeout, only, inference, decided, pdr_limit)


def _partial(path: str, model: M.Model, only: list[str], decided: list[Result],
             why: str) -> tuple[str, list[dict[str, object]], int]:
    """An interrupted variant: its text, its results as JSON, and its exit code. A
    refutation is final (its trace is real); a proof is not until the checks after the
    last goal (the thread table's structural invariants, the lemmas it assumed) pass, so
    it is unknown here, as is every goal not reached."""
    refuted = {r.name: r for r in decided if r.outcome == "refuted"}
    proved = {r.name for r in decided if r.outcome == "proved"}
    goals = [(p.name, p.kind) for p in model.properties
             if p.kind in ("invariant", "lemma", "assertion")
             and (p.kind == "lemma" or not only or p.name in only)]
    width = max((len(name) for name, _ in goals), default=4)
    lines = [f"{path}  variant {model.variant}: prove stopped: {why}"]
    results: list[dict[str, object]] = []
    for name, kind in goals:
        r = refuted.get(name)
        reason = r.reason if r else (f"a proof was found, but {why} before its final checks"
                                     if name in proved else f"not decided: {why}")
        lines.append(f"  {name:<{width}}  {kind:<9}  {'REFUTED' if r else 'UNKNOWN'}: {reason}")
        results.append(r.json() if r else {"name": name, "kind": kind, "outcome": "unknown",
                                            "reason": reason})
    for r in refuted.values():
        if r.counterexample is not None:
            lines += ["", f"Counterexample for {r.name}: {r.reason}"]
            lines += _trace_lines(r.counterexample, model)
    outcomes = {name: "refuted" if name in refuted else "unknown" for name, _ in goals}
    return "\n".join(lines), results, exit_code(outcomes, model.expected())


def exit_code(outcomes: dict[str, str], expected: frozenset[str]) -> int:
    """A variant's exit code against its `expect` line, as `mcheck SPEC`'s: 1 when a
    property is refuted that should hold or proved that should be violated, 0 when every
    property is refuted exactly as expected and the rest proved, 3 otherwise. Expected
    violations that prove does not judge (liveness, or left out by --property) are not
    counted."""
    if any(o == "refuted" and n not in expected or o == "proved" and n in expected
           for n, o in outcomes.items()):
        return 1
    return 0 if all(o == ("refuted" if n in expected else "proved")
                    for n, o in outcomes.items()) else 3


# ----------------------------------------------------------------- reports
def _text(path: str, enc: ProofEncoding, k: int, proof: Proof) -> str:
    results = proof.results
    lines = [f"{path}  variant {enc.m.variant}: prove (k <= {k}, {enc.scope})"]
    width = max((len(r.name) for r in results), default=4)
    for r in results:
        lines.append(f"  {r.name:<{width}}  {r.kind:<9}  {r.outcome.upper()}: {r.reason}")
        if r.outside_epr:
            lines.append(f"  {'':<{width}}  {'':<9}  outside EPR (z3 may answer unknown): "
                         + "; ".join(r.outside_epr))
    lines += _inferred_lines(proof)
    for found in proof.strengthened:
        lines += ["", f"Inductive invariant found by PDR for {found.name}, checked (lemmas "
                      "about this pool's thread ids; a clause the spec cannot say is in SMT-LIB):"]
        lines += [f"  {c}" for c in found.clauses] + ([f"  ({found.legend})"] * bool(found.legend))
    for r in results:
        if r.counterexample is not None:
            lines += ["", f"Counterexample for {r.name}: {r.reason}"]
            lines += _trace_lines(r.counterexample, enc.m)
        if r.cti is not None and r.counterexample is None:
            lines += ["", f"Counterexample to induction for {r.name} (k = {r.k}): "
                          f"{len(r.cti.states) - 1} step(s) inside {r.name} and the lemmas, "
                          "then a step out of it"]
            whole = invariant_text(enc, r.name)
            if whole is not None:
                lines.append(f"  {r.name}: {whole}")
            for b in r.cti.broken:
                which = f"conjunct {b['conjunct']} of {b['of']}" if b["conjunct"] else r.name
                lines.append(f"  broken {which} at {b['at']}: {conjunct_text(enc, b)}")
                values = conjunct_values(enc, b, r.cti)
                if values:
                    lines.append("    where " + ", ".join(values))
            if r.reachable:
                lines.append(f"  the CTI's first state is {r.reachable}")
            lines += _trace_lines(r.cti, enc.m)
    return "\n".join(lines)


def _inferred_lines(proof: Proof) -> list[str]:
    found = proof.inferred
    if found is None:
        return []
    if found.note:
        return ["", f"Inferred lemmas: none ({found.note})"]
    part = f"the first {found.states} of " if found.states < proof.states else ""
    head = (f"Inferred lemmas: {len(found.lemmas)} of {found.mined} candidates mined from "
            f"{part}{proof.states} reachable states are inductive")
    if not found.shown:
        return ["", head + "; no proof needs one"]
    return ["", head + "; the proofs use these (paste them into the spec):"] + \
        [f"  {text}" for text in found.shown]


def _trace_lines(t: Trace, m: M.Model) -> list[str]:
    out = []
    for n, state in enumerate(t.states):
        step = t.steps[n - 1] if 0 < n <= len(t.steps) else None
        out.append(f"  state {n}" + (f" after thread {step.thread}: {step.action}"
                                     if step else ""))
        out += [f"      {k} = {v}" for k, v in flat(state, m).items()]
    return out


def _bmc_text(path: str, enc: ProofEncoding, k: int, found: list[Found], depth: int,
              why: str | None) -> str:
    lines = [f"{path}  variant {enc.m.variant}: bounded model checking to depth {k} "
             f"({enc.scope})"]
    width = max((len(f.prop) for f in found), default=4)
    for f in found:
        status = f"VIOLATED in {f.length} step{'s' if f.length != 1 else ''}" \
            if f.status == VIOLATED else NOT_CHECKED if f.status == UNKNOWN \
            else f"no violation within {depth} steps"
        lines.append(f"  {f.prop:<{width}}  {f.kind:<9}  {status}")
    if why == STOPPED:
        lines.append(f"  stopped after depth {depth}: {interrupts.reason()}")
    elif why is not None:
        lines.append(f"  z3 gave up after depth {depth} ({why})")
    for f in found:
        if f.states is not None:
            steps = [Step(*s) for s in f.steps or []]
            lines += ["", f"Counterexample for {f.prop}: {f.length} step(s)"]
            lines += _trace_lines(Trace(f.states, steps), enc.m)
            if len(steps) == len(f.states):
                lines.append(f"  then thread {steps[-1].thread}: {steps[-1].action} fails "
                             f"{f.prop}")
    return "\n".join(lines)


def _not_run(rest: list[str | None]) -> bool:
    """After a stop: whether it ends the whole run (a signal, not the per-variant time
    limit), naming the variants left out if so."""
    if not rest or not interrupts.ends_run([interrupts.reason()]):
        return False
    names = [v or "" for v in rest]
    print(f"not run: variant{'s' if len(names) > 1 else ''} {', '.join(names)} "
          f"({interrupts.reason()})\n")
    return True


# --------------------------------------------------------------------- CLI
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mcheck prove",
                                description="Prove invariants by k-induction with z3.")
    p.add_argument("spec")
    p.add_argument("--variant", help="prove for this variant only (default: every variant)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--k", type=int, default=1,
                     help="try k-induction for k = 1 .. K (default 1)")
    how.add_argument("--bmc", type=int, metavar="K",
                     help="instead of induction, search symbolically for violations of at "
                          "most K steps")
    p.add_argument("--unbounded", action="store_true",
                   help="thread ids are an uninterpreted sort: proofs hold for every number "
                        "of threads")
    p.add_argument("--property", action="append", default=[], metavar="NAME",
                   help="prove only this property (repeatable; lemmas are always proved)")
    p.add_argument("--no-infer", action="store_true",
                   help="do not infer lemmas from the fixed pool's reachable states")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="z3's time limit per query (default 60)")
    p.add_argument("--no-pdr", action="store_true",
                   help="do not hand a property left unknown on the fixed pool to z3's "
                        "Spacer (IC3/PDR)")
    p.add_argument("--pdr-timeout", type=float, default=PDR_TIMEOUT, metavar="SECONDS",
                   help=f"Spacer's time limit per property (default {PDR_TIMEOUT:g}, at most "
                        "--timeout)")
    p.add_argument("--time-limit", type=float, metavar="SECONDS",
                   help="stop each variant's proof after this long and print what is "
                        "decided by then (exit 3 unless something is refuted)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--json", metavar="FILE")
    report = p.add_mutually_exclusive_group()
    report.add_argument("--report", metavar="PATH",
                        help="write the HTML page to PATH (a directory when several variants "
                             "are proved); by default reports/SPEC-VARIANT-prove.html (-bmc.html "
                             "with --bmc) when a "
                             "property is refuted or has a counterexample to induction")
    report.add_argument("--no-report", action="store_true", help="write no HTML page")
    return p


def _report(args: argparse.Namespace, several: bool, variant: str, needed: bool,
            write: Callable[[Path], None]) -> None:
    """`--report` always writes; without it, only a page with a trace on it is written. A
    BMC page has a name of its own, so it never replaces the proof's."""
    if args.no_report or (args.report is None and not needed):
        return
    kind = "bmc" if args.bmc is not None else "prove"
    write_html_report(args.report, several, f"{Path(args.spec).stem}-{variant}-{kind}.html",
                      write)


def _query_time(args: argparse.Namespace) -> float:
    """z3's limit per query: no query may outlast the whole run's (a signal reaches Python
    only between two queries)."""
    return args.timeout if args.time_limit is None else min(args.timeout, args.time_limit)


def _pdr_time(args: argparse.Namespace) -> float | None:
    """Spacer's limit per property, inside z3's limit per query (None: no PDR). PDR follows
    inference, as the strengthening tried after it: `--no-infer` is plain k-induction."""
    if args.no_pdr or args.no_infer or args.unbounded:
        return None
    return min(args.pdr_timeout, _query_time(args))


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    try:
        if args.k < 1:
            raise SpecError("--k must be at least 1")
        if not args.timeout > 0 or not (args.time_limit is None or args.time_limit > 0) \
                or not args.pdr_timeout > 0:
            raise SpecError("--timeout, --time-limit and --pdr-timeout must be positive")
        overrides = defines(args.defines)
        if args.bmc is not None and args.bmc < 0:
            raise SpecError("--bmc must not be negative")
        spec = load(args.spec)
        docs, codes = [], []
        variants = [args.variant] if args.variant else spec.variants
        for n, variant in enumerate(variants):
            if args.bmc is None:
                decided: list[Result] = []
                try:
                    with interrupts.time_limit(args.time_limit):
                        proved = prove_variant(spec, variant, args.k, _query_time(args),
                                               args.property, overrides, args.unbounded,
                                               not args.no_infer, decided, _pdr_time(args))
                except KeyboardInterrupt:
                    model = check(spec.ast, variant, overrides)
                    text, results, code = _partial(spec.path, model, args.property, decided,
                                                   interrupts.reason())
                    print(text + "\n")
                    codes.append(code)
                    docs.append({"spec": spec.path, "variant": model.variant, "k": args.k,
                                 "stopped": interrupts.reason(), "results": results})
                    if _not_run(variants[n + 1:]):
                        break
                    continue
            if args.bmc is not None:
                model = check(spec.ast, variant, overrides)
                try:  # building the encoding counts against the time limit too
                    with interrupts.time_limit(args.time_limit):
                        enc = encoding(spec, model, overrides, args.unbounded)
                        found, depth, why = bmc(enc, args.bmc, _query_time(args))
                except KeyboardInterrupt:
                    print(f"{spec.path}  variant {model.variant}: bmc stopped while "
                          f"encoding: {interrupts.reason()}\n")
                    codes.append(3)
                    docs.append({"spec": spec.path, "variant": model.variant,
                                 "bmc": args.bmc, "depth": -1, "gave_up": None,
                                 "stopped": interrupts.reason(), "unbounded": args.unbounded,
                                 "results": []})
                    if _not_run(variants[n + 1:]):
                        break
                    continue
                print(_bmc_text(spec.path, enc, args.bmc, found, depth, why))
                print()
                codes.append(1 if any(f.status == VIOLATED for f in found) else 3)
                _report(args, len(variants) > 1, enc.m.variant, codes[-1] == 1,
                        lambda path, enc=enc, found=found, depth=depth, why=why:
                        write_bmc_html(path, enc, args.bmc, found, depth, why))
                stopped = interrupts.reason() if why == STOPPED else None
                docs.append({"spec": spec.path, "variant": enc.m.variant, "bmc": args.bmc,
                             "depth": depth, "gave_up": None if stopped else why,
                             "stopped": stopped, "unbounded": args.unbounded,
                             "results": [f.json() for f in found]})
                if stopped and _not_run(variants[n + 1:]):
                    break
                continue
            enc, proof = proved
            results = proof.results
            print(_text(spec.path, enc, args.k, proof))
            print()
            codes.append(exit_code({r.name: r.outcome for r in results}, enc.m.expected()))
            _report(args, len(variants) > 1, enc.m.variant,
                    any(r.counterexample or r.cti for r in results),
                    lambda path, enc=enc, proof=proof:
                    write_prove_html(path, enc, args.k, args.unbounded, proof))
            docs.append({"spec": spec.path, "variant": enc.m.variant, "k": args.k,
                         "unbounded": args.unbounded, "timeout": args.timeout,
                         "inferred_lemmas": proof.inferred.shown if proof.inferred else None,
                         "pdr_invariants": {f.name: f.clauses for f in proof.strengthened},
                         "results": [r.json() for r in results]})
        if args.json:
            doc = docs if len(docs) > 1 else docs[0]
            write_output(args.json, lambda p: p.write_text(json.dumps(doc, indent=2) + "\n",
                                                           encoding="utf-8"))
    except SpecError as e:
        source = Path(args.spec).read_text(errors="replace") if Path(args.spec).is_file() else ""
        print(e.render(args.spec, source), file=sys.stderr)
        return 2
    except UsageError as e:
        print(f"mcheck prove: error: {e}", file=sys.stderr)
        return 2
    return 1 if 1 in codes else 3 if 3 in codes else 0
