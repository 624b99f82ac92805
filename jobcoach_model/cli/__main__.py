"""``python -m jobcoach_model.cli``: the ``jobcoach`` command."""

import sys

from jobcoach_model.cli import main

sys.exit(main())
