"""``python -m jobcoach_model``: the ``jobcoach`` command."""

import sys

from .cli import main

sys.exit(main())
