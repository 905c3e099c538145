"""``python -m k1sim.cli``: the same as the ``k1sim`` command."""

import sys

from k1sim.cli import main

sys.exit(main())
