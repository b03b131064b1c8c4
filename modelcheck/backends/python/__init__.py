"""The Python back end: a checked model compiled to Python functions over state tuples.

Its face is two names in `system`, and no other package imports anything else from here:

- `build(model, symmetry=True) -> TransitionSystem` compiles one checked model
  (`ir.model.Model`) once; `app.pipeline` and `symbolic.proof_encodings` call it.
- `TransitionSystem` is what `build` returns: the generated source and the compiled
  steps, behind the back-end interface `backends.base.TransitionSystem`, which is all
  the searches, traces, lints and reports read. `app.pipeline` names the concrete class
  in its signatures.

(The tests also import `canon.Canonicaliser`, to check the symmetry reduction alone.)

Inside, by job: `codegen` assembles the generated module from its parts (`context`,
`expressions`, `emitter`, `os_primitives`, `statements`); `helpers` is the run-time
Python every generated module starts with; `expand` generates the successor loop over
a state's threads; `canon` and `canon_code` the canonical form under symmetry.
"""
