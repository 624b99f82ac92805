"""``python -m jobcoach_model.cli``: the ``jobcoach`` command."""

import sys

from . import main

sys.exit(main())
