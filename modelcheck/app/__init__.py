"""Stage 8, the application: the commands, their options and the pipeline that runs them.

`config.RunConfig` describes a run; `pipeline.run_variant` takes a loaded spec through
every stage to a verdict; `cli`, `ci` and `prove` are the commands.
"""
