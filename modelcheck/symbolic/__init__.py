"""The checked model read a second time, as z3 formulas: certification, lints and proofs.

The package's face (what other packages import from it):

- `certify`: `certify`, `CertificationError`, `INTERNAL_ERROR` (z3 checks every
  counterexample of the explicit engine)
- `lints`: `z3_lints` (vacuity lints z3 decides)
- `proof_encodings`: `ProofEncoding`, `Bounded`, `Unbounded` (both encodings
  behind the one interface `mcheck prove` uses)
- `induction`: `Prover`, `Result`, `Step`, `Trace`, `flat` (k-induction)
- `bmc`: `bmc`, `Found`, `VIOLATED` (bounded model checking)

Everything else is how those are built, and stays inside the package:

- the fixed-pool encoding, slot for slot the explicit engine's state tuple:
  `encoding` (the formulas: `Encoding`, `encode`) over `pool_runs` (what a
  thread may do from a state), `pool_statements` and `pool_expressions` (the
  `Visitor`s that execute steps path by path), `pool_threads` (the thread
  table), `pool_paths`, `pool_slots` (the state as z3 constants) and
  `pool_folds` (formulas that fold to values on concrete states);
- the unbounded encoding, thread ids as an uninterpreted sort: `unbounded`
  (`UnboundedEncoding`, `encode_unbounded`) over `unbounded_steps` and
  `unbounded_expressions` (the `Visitor`s), `unbounded_state`, the passes that
  run first, `unbounded_prune` (code the constants make unreachable) and
  `unbounded_slice` (variables nothing depends on), `unbounded_lemmas` (which
  inferred lemmas its proofs need), and the readers of its queries and models,
  `epr` and `unbounded_readback`;
- `encoder`: what both share, `Unsupported` and the `Encoder` visitor base
  that refuses a construct rather than approximate it.
"""
