"""Stage 5, the explicit-state engine: search a transition system, rebuild the traces.

`search.search` (exact store) and `levels.search_levels` (fingerprints, in this process
or in workers or Ray actors through a `transport`, saved by `checkpoint`) return an
`outcome.Outcome`; `trace.counterexample`
turns a violation into readable steps; `verdict.verdict` into per-property results;
`lints.lints` reads the stored states for signs of vacuity.
"""
