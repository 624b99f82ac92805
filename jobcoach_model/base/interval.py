"""The project's one interval level: every interval it prints is a two-sided 90% one
(the 5th and 95th percentiles of replications or draws, or a normal interval of this
width), so its constants live here, once."""

from __future__ import annotations

#: the percentiles bounding a 90% interval
PERCENTILES = (5, 95)
#: the standard normal quantile of a two-sided 90% interval (``scipy.stats.norm.ppf(0.95)``)
Z90 = 1.6448536269514722
