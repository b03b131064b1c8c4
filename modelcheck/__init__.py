"""mcheck: write a thread protocol once, get a proof that it holds or its shortest failure."""

import os

# numpy (the fingerprint store) would start a BLAS thread per core that mcheck never uses and
# that competes with the search's own threads; one is enough.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
