"""Stage 7, reports: what a run found, for a person, a CI system or another tool.

`text` (the terminal summary and traces), `formats` (the file formats, as a registry
the commands read their options from), `html_page` and `prove_page` (self-contained
HTML, with `explain` and `state_graph` behind them).
"""
