"""Stage 4, back ends: the checked model made executable over flat state tuples.

`base.TransitionSystem` is the interface the engine, trace replay, lints and reports
use; `runtime` is the contract of what a compiled step returns. `python` is the
reference back end (generated Python, `python.system.build`).
"""
