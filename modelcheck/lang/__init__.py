"""Stage 1, the language: spec text to a syntax tree with positions.

Other stages use `source.load` / `source.load_text` (a `LoadedSpec`), the syntax tree
(`syntax`), and `errors.SpecError` / `errors.Pos`, which every later stage raises and
carries to report a problem at file:line:col.
"""
