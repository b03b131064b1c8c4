"""One variant's proof: the explicit search of the fixed pool, inferred lemmas, k-induction
for what they leave, and every counterexample to induction judged against the search.

The order matters for what the user reads. Inference (`inference.py`, fixed pool only)
proves properties together with lemmas mined from the reachable states; the rest go to
k-induction (`induction.py`), assuming the spec's lemmas and the inferred ones. A property
still unknown has a CTI: when its first state is reachable the CTI is a real
counterexample, printed with the search's trace to it; when the search found the
property violated elsewhere, that trace refutes it; otherwise the CTI is said to be
unreachable (when the search was complete), so the user knows a lemma is missing rather
than a bug present.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..check.checker import check
from ..lang.errors import SpecError
from ..lang.source import LoadedSpec, load_text
from .explicit import Reachable, explore
from .induction import Prover, Result, Trace
from .inference import Inferred, infer
from .keyboard import passes_interrupts
from .pdr import Strengthening, pdr
from .proof_encodings import Bounded, ProofEncoding, Unbounded
from .unbounded_lemmas import needed_lemmas
from .unbounded_prune import prune
from .unbounded_slice import dead_variables, reading


@dataclass
class Proof:
    results: list[Result]
    inferred: Inferred | None
    states: int          # reachable states of the fixed pool (0: not searched)
    strengthened: list[Strengthening] = field(default_factory=list)  # PDR's invariants


@passes_interrupts
def prove_all(enc: ProofEncoding, k: int, timeout: float, only: list[str],
              inference: bool, decided: list[Result] | None = None,
              pdr_limit: float | None = None) -> Proof:
    """`decided` gets each goal's result as soon as it is judged (what an interrupted
    `mcheck prove` can still report). `pdr_limit`: Spacer's seconds for each property
    still unknown on the fixed pool (`pdr.py`; None: not tried)."""
    prover = Prover(enc, timeout)
    goals = enc.goals(only)
    reach = explore(enc.m)
    holding = [g for g in goals if g.name not in reach.violated()]
    found = infer(enc.m, enc, reach.states(), holding) \
        if inference and isinstance(enc, Bounded) else None
    lemmas = [g for g in goals if g.kind == "lemma"] + (found.lemmas if found else [])
    results = [] if decided is None else decided
    strengthened = []
    for goal in goals:
        if found is not None and goal.name in found.proved:
            results.append(Result(goal.name, goal.kind, "proved",
                                  f"1-inductive with {len(found.lemmas)} inferred lemmas", 1))
            continue
        r = judge(prover.prove(goal, k, lemmas), reach)
        if r.outcome == "unknown" and pdr_limit is not None and isinstance(enc, Bounded):
            tried = pdr(enc, goal, lemmas, pdr_limit, reach)
            if tried.result.outcome != "unknown":
                r = tried.result
                strengthened += [tried.invariant] if tried.invariant else []
            else:
                r.reason += f"; {tried.result.reason}"
        results.append(r)
    # The structural invariants are shown inductive assuming what is itself proved:
    # Houdini's survivors, and the spec's lemmas when every one of them is proved.
    spec_lemmas = [g for g in goals if g.kind == "lemma"]
    unproved = [r.name for r in results if r.kind == "lemma" and r.outcome != "proved"]
    survivors = (found.lemmas + [g for g in goals if g.name in found.proved]) if found else []
    broken = prover.wellformed(survivors + ([] if unproved else spec_lemmas))
    for r in results:
        by_houdini = found is not None and r.name in found.proved
        if r.outcome == "proved" and broken:
            r.outcome, r.reason = "unknown", f"{r.reason}, but {broken}"
        elif r.outcome == "proved" and unproved and spec_lemmas and not by_houdini:
            r.outcome = "unknown"
            r.reason += f", but lemma {', '.join(unproved)} is not proved"
    return Proof(results, found, len(reach.states()), strengthened)


@passes_interrupts
def prove_unbounded(spec: LoadedSpec, variant: str | None, overrides: dict[str, str], k: int,
                    timeout: float, only: list[str],
                    decided: list[Result] | None = None) -> tuple[ProofEncoding, Proof]:
    """`--unbounded` with inference: the lemmas inferred on the fixed pool that the language
    can say are added to the spec as lemmas and proved for every number of threads with the
    rest. A lemma true of the pool may fail beyond it (or be outside what the unbounded
    encoding supports): those are dropped and the proof is run once more. When a property
    is left unknown, the lemmas are chosen again from every printable survivor, by the
    unbounded encoding's own cores (`unbounded_lemmas`), and the better proof is kept."""
    model = check(spec.ast, variant, overrides)
    pool = prove_all(Bounded(spec, model, overrides), k, timeout, only, True, decided)
    found = pool.inferred
    dead = dead_variables(prune(model))
    texts = _sayable(spec, variant, overrides, found.shown if found else [], dead)
    enc, proof = _prove_with(spec, variant, overrides, texts, k, timeout, only)
    if found is not None and _unknown(proof):
        every = _sayable(spec, variant, overrides, found.printable, dead)
        wider = _extended(spec, variant, overrides, every)
        names = None if wider is None else needed_lemmas(
            wider, [r.name for r in proof.results if not r.name.startswith("INFERRED-")],
            timeout)
        if names is not None:
            chosen = [t for t in every if _name(t) in names]
            enc2, proof2 = _prove_with(spec, variant, overrides, chosen, k, timeout, only)
            if len(_unknown(proof2)) < len(_unknown(proof)):
                enc, proof, found = enc2, proof2, replace(found, shown=chosen)
    proof.inferred = found
    return enc, proof


def _name(text: str) -> str:
    return text.split()[1].rstrip(":")


def _unknown(proof: Proof) -> list[str]:
    return [r.name for r in proof.results
            if r.outcome == "unknown" and not r.name.startswith("INFERRED-")]


def _sayable(spec: LoadedSpec, variant: str | None, overrides: dict[str, str],
             texts: list[str], dead: set[str]) -> list[str]:
    """The printable lemmas, without those about state the unbounded encoding cuts away
    (another variant's variables): they would keep that state, and with it a construct the
    encoding may refuse."""
    texts = [t for t in texts if not t.startswith("//")]
    if not dead or not texts:
        return texts
    extended = load_text(spec.source + "\n" + "\n".join(texts) + "\n", spec.path)
    cut = reading(check(extended.ast, variant, overrides), dead)
    return [t for t in texts if _name(t) not in cut]


def _extended(spec: LoadedSpec, variant: str | None, overrides: dict[str, str],
              texts: list[str]) -> ProofEncoding | None:
    """The unbounded encoding of the spec with `texts` added (None: a lemma is refused)."""
    extended = load_text(spec.source + "\n" + "\n".join(texts) + "\n", spec.path)
    try:
        return Unbounded(extended, check(extended.ast, variant, overrides), overrides)
    except SpecError:
        if not texts:
            raise  # the spec itself is outside the unbounded encoding
        return None


def _prove_with(spec: LoadedSpec, variant: str | None, overrides: dict[str, str],
                texts: list[str], k: int, timeout: float,
                only: list[str]) -> tuple[ProofEncoding, Proof]:
    """The unbounded proof with `texts` as lemmas, retried once without those it could not
    prove (or without any, when one is refused)."""
    for _ in range(2):
        enc = _extended(spec, variant, overrides, texts)
        if enc is None:
            texts = []
            enc = _extended(spec, variant, overrides, texts)
            assert enc is not None  # without lemmas it is built or refused (raised)
        proof = prove_all(enc, k, timeout, only, False)
        failed = {r.name for r in proof.results
                  if r.name.startswith("INFERRED-") and r.outcome != "proved"}
        if not failed:
            break
        texts = [t for t in texts if _name(t) not in failed]
    return enc, proof


def judge(r: Result, reach: Reachable) -> Result:
    """Say whether an unknown result's CTI can happen, and refute what the search refutes."""
    if r.outcome != "unknown":
        return r
    first = r.cti.concrete[0] if r.cti is not None and r.cti.concrete else None
    path = reach.trace_to(first) if first is not None else None
    # every state of the CTI stored, not only the first: z3 keeps paths on which the
    # explicit engine's step raises, so its successor need not be one the search has
    stored = r.cti is not None and all(reach.stored(s) for s in r.cti.concrete or [])
    if path is not None and r.cti is not None and stored:
        r.reachable = "reachable"
    if r.name in reach.violated():  # the search's trace is the shortest
        r.counterexample = reach.counterexample(r.name)
        r.outcome = "refuted"
        r.reason = (f"violated {len(r.counterexample.steps)} steps from an initial state "
                    f"(found by the explicit search; z3's answer: {r.reason})")
    elif r.reachable and path is not None and r.cti is not None:
        r.outcome, r.counterexample = "refuted", _joined(path, r.cti)
        r.reason = (f"violated {len(r.counterexample.steps)} steps from an initial state: the "
                    "counterexample to induction starts in a reachable state")
    elif first is not None and reach.complete:
        r.reachable = (f"unreachable: the explicit search of the fixed pool ({len(reach.states())}"
                       " states) never meets the CTI's first state, so a lemma is missing, "
                       "not the property wrong")
    elif first is not None:
        r.reachable = "unknown: the explicit search of the fixed pool did not finish"
    return r


def _joined(path: Trace, cti: Trace) -> Trace:
    """The search's path to the CTI's first state, then the CTI's steps."""
    concrete = (path.concrete or []) + (cti.concrete or [])[1:]
    return Trace(path.states + cti.states[1:], path.steps + cti.steps, cti.broken, concrete)
