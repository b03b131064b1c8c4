"""`python -m modelcheck` is the `mcheck` command."""

import sys

from .app.cli import main

sys.exit(main())
