"""Stage 2, the intermediate representation every back end reads: the checked model.

`model` (typed, resolved nodes; the state layout), `typesys` (types and their finite
domains), `slots` (what each state slot can hold), `values` (decoding slots into the
values users read) and `walk` (the `Visitor` every consumer of the model subclasses).
Nothing here knows how states are searched.
"""
