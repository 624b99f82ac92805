"""The environment variables the package reads, named once: a command sets them and the
kernels and workers it starts inherit them."""

from __future__ import annotations

#: the time limit (seconds) of a run, set by ``--time-limit`` (``caseloads.budget``)
TIME_LIMIT_ENV = "JOBCOACH_TIME_LIMIT"
