"""Stage 3, the type checker: a parsed spec to the checked model of one variant.

Other stages import one thing from here: `checker.check(spec, variant, overrides,
deadlock)`, which returns the `ir.model.Model` of one variant or raises a located
`lang.errors.SpecError`. Everything else is the checker's inside: one module per job,
each a mixin over the tables they share (`tables.Tables`), put together and run in order
by `checker._Checker` (its module docstring lists them).
"""
