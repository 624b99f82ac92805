"""Calibrate a scenario from an agency's own records: every scenario input the three
tables identify, estimated as the simulator would have to be set to produce them, each
with a 90% interval from a bootstrap over cases (or over coaches and providers for their
inputs); everything else kept from a base scenario and still labelled an assumption.

How each input is read from the records (the simulator's own model, inverted):

- **intake and horizon**: the cases counted; a case starts on its first day (the earlier
  of ``authorized_from`` and its first line); the start window spans the first and last
  start, the horizon runs to the last service line.
- **coach hours and fading**: a case's coach hours summed by week since its start; on a
  case with two weeks or more, log weekly hours against week is a line whose start is
  the first week's hours (``initial_share`` x work hours) and whose slope is the case's
  weekly fading. ``fade_per_week`` is the mean fading, ``fade_spread`` the sd of its log.
  Work hours are not in the records: they stay the base's, so ``initial_share`` and
  ``stabilization_share`` are fitted *given* them.
- **stabilization**: a stabilized case reaches the stabilization share in the week of its
  ``stabilized_on``; the share is the geometric mean, over those cases, of the fitted
  weekly hours half a week before it, over work hours.
- **job loss before stabilization**: weekly hazard from the weeks each case was coached
  without stabilizing (a geometric time to loss). A case whose lines reach the export's
  last full week is censored there, never counted as a loss; a stabilized case is
  censored at stabilization.
- **line shares** (group, group sizes, off-site, wrong code) as shares of lines, and
  **case shares** (placement, late and missing plans, concurrent assessment, late
  reports, withdrawals, off-site approval, no customized training, employer able to
  train) as shares of cases; authorized hours and weeks as means.
- **report delay**: among late cases (``reports_current`` false) with a dated last report,
  the mean days it lies behind the export's newest report, less half a day (the
  simulator's delays run evenly from 1 to twice ``report_delay_days``); with late cases
  but no dates, their reports were not in by the export's end: the export's span.
- **coaches and providers**: rate mean and sd, credential mix, training months (the
  largest seen, corrected for a uniform's maximum), CCO, independence (among coaches
  neither CCO nor CRP-accredited, as the simulator draws it), W-9 and insurance shares;
  providers and coaches per provider counted; the spread of provider sizes from cases per
  provider by the method of moments (the variance above a multinomial's).

Need levels come from the optional ``need`` column of cases; without one, every case is
one level (``medium``) and the per-need inputs are fitted once, never split by a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from jobcoach_model.base.dates import NEVER, from_day
from jobcoach_model.base.interval import Z90
from jobcoach_model.base.words import counted
from jobcoach_model.caseloads.scenario import Scenario, scenario_from_dict
from jobcoach_model.law.jurisdictions import codes
from jobcoach_model.law.jurisdictions import get as get_jurisdiction
from jobcoach_model.law.rulebook import get_rulebook
from jobcoach_model.records.contract import NEEDS
from jobcoach_model.records.lines import Lines

#: bootstrap replicates (Poisson weights), drawn in blocks to bound memory
BOOTSTRAP = 400
_BLOCK = 50
#: the level every case takes when the records have no need column
ONE_LEVEL = "medium"
DAYS_PER_MONTH = 30.44  # as the simulator counts training months
#: the longest horizon the simulator runs (caseload.weeks), ten years
MAX_WEEKS = 520


@dataclass(frozen=True)
class Fit:
    """One fitted input: its scenario path, value, 90% interval (None for counts) and
    what it was read from."""

    path: str
    value: Any
    low: float | None = None
    high: float | None = None
    basis: str = "cases"
    per_need: bool = False

    def interval(self) -> str:
        """The 90% interval as text (empty for a count; a factor on every need level
        for a per-need input)."""
        if self.low is None or self.high is None:
            return ""
        if self.per_need:
            return f"90% x{self.low:.3f} to x{self.high:.3f} on every level"
        return f"90% {_num(self.low)} to {_num(self.high)}"


def _num(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 1000 else f"{x:,.0f}"


@dataclass
class Calibration:
    """A base scenario's data with the fitted inputs written in, and what was fitted."""

    data: dict
    fits: list[Fit]
    provenance: str
    files: dict[str, str] = field(default_factory=dict)  # basis -> the file it was read from
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def scenario(self) -> Scenario:
        """The calibrated scenario, validated."""
        return scenario_from_dict(self.data, "calibrated scenario")

    def yaml(self) -> str:
        """The scenario as YAML, each fitted value with its provenance beside it."""
        return scenario_text(self.data, {f.path: f for f in self.fits}, self.provenance, self.files)


# -- the bootstrap -----------------------------------------------------------------------


class Sums:
    """Column sums of per-unit values (cases, coaches, providers), on the data and under
    Poisson bootstrap weights, so that every statistic is a function of sums."""

    def __init__(self, seed: int, n: int) -> None:
        self.seed, self.n = seed, n
        self.columns: dict[str, np.ndarray] = {}

    def add(self, name: str, values: np.ndarray) -> str:
        """Register a per-unit column; returns its name."""
        self.columns[name] = np.asarray(values, dtype=np.float64)
        return name

    def compute(self) -> None:
        """The sums on the data (``point``) and under each bootstrap replicate (``boot``)."""
        names = list(self.columns)
        M = np.column_stack([self.columns[k] for k in names]) if names else np.zeros((self.n, 0))
        self.point = dict(zip(names, M.sum(axis=0), strict=True))
        rng = np.random.default_rng(self.seed)
        parts = []
        for start in range(0, BOOTSTRAP, _BLOCK):
            k = min(_BLOCK, BOOTSTRAP - start)
            W = rng.poisson(1.0, size=(k, self.n)).astype(np.float64)
            parts.append(W @ M)
        B = np.vstack(parts)
        self.boot = {k: B[:, i] for i, k in enumerate(names)}

    def stat(self, f) -> tuple[float, float, float]:
        """A statistic ``f(sums)`` (sums: name -> value or array): its value on the data
        and the 5th and 95th percentiles of its bootstrap replicates."""
        value = float(f(self.point))
        with np.errstate(divide="ignore", invalid="ignore"):
            reps = np.asarray(f(self.boot), dtype=np.float64)
        reps = reps[np.isfinite(reps)]
        if not reps.size or not math.isfinite(value):
            return value, value, value
        lo, hi = np.percentile(reps, [5, 95])
        return value, float(lo), float(hi)


#: hours are recorded to the quarter hour: a fitted hours level is known no closer
#: than half of that over the weekly hours it rests on
HOURS_RESOLUTION = 0.125


def _resolved(fit: tuple[float, float, float], hours: float) -> tuple[float, float, float]:
    """A fit's interval widened, if narrower, to the recording resolution of the
    ``hours`` it rests on (a caseload whose hours follow one curve exactly is otherwise
    reported as known to a few parts in ten thousand)."""
    value, lo, hi = fit
    rel = HOURS_RESOLUTION / hours if hours > 0 else 0.0
    return value, min(lo, value * (1 - rel)), max(hi, value * (1 + rel))


def _share(sums: Sums, num: str, den: str):
    """A share of lines, bootstrapped over the units that hold them (lines of one case
    are not independent: the bootstrap keeps them together)."""
    return sums.stat(lambda s: s[num] / s[den])


def _wilson(sums: Sums, num: str, den: str) -> tuple[float, float, float]:
    """A share of independent units (cases, coaches) with Wilson's 90% score interval,
    which keeps its coverage where a bootstrap of a few events does not (three CCO
    coaches in sixty: the bootstrap's interval covered the truth 79% of the time)."""
    x, n = sums.point[num], sums.point[den]
    if n <= 0:
        return math.nan, math.nan, math.nan
    p, z2 = x / n, Z90**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z90 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def _sd_interval(sd: float, n: int) -> tuple[float, float, float]:
    """A standard deviation of ``n`` normal draws with its chi-square 90% interval (the
    simulator draws rates from a normal; a bootstrap of sixty under-covers)."""
    from scipy.stats import chi2

    df = n - 1
    return sd, sd * math.sqrt(df / chi2.ppf(0.95, df)), sd * math.sqrt(df / chi2.ppf(0.05, df))


# -- reading the records -----------------------------------------------------------------


def _wrong_code(lines: Lines) -> np.ndarray:
    """Lines whose service code is given and is none a rulebook accepts for job coaching
    (every registered rulebook whose sources name coaching codes is asked)."""
    given = lines.line("service_code")
    wrong = np.zeros(lines.n, dtype=bool)
    for code in codes():
        accepted = get_jurisdiction(code).coaching_codes(get_rulebook(code))
        if accepted is not None:
            wrong |= ~lines.line_in("service_code", accepted) & (given != "")
    return wrong


def _need_index(lines: Lines) -> tuple[np.ndarray, list[str]]:
    need = lines.cases["need"]
    given = need != ""
    if not given.any():
        return np.full(len(need), NEEDS.index(ONE_LEVEL)), [ONE_LEVEL]
    idx = np.full(len(need), -1)
    for i, level in enumerate(NEEDS):  # three levels: a comparison each, no loop over cases
        idx[need == level] = i
    return idx, [n for i, n in enumerate(NEEDS) if (idx == i).any()]


#: the least information a fitted value needs, by what it is read from (cases, the cases
#: holding the lines, coaches, providers); below it the input keeps the base scenario's
#: value and a note says why. A spread needs more than a mean, and a rate's spread more
#: than a share: these inputs have minima of their own (``MIN_INFO``).
MIN_UNITS = {"cases": 10, "lines": 10, "coaches": 5, "providers": 5}
MIN_INFO = {
    "services.fade_spread": (50, "cases coached two weeks or more"),
    "services.group_share": (5, "group lines (events)"),
    "services.offsite_share": (5, "off-site lines (events)"),
    "services.wrong_code_share": (5, "lines with a wrong code (events)"),
    "caseload.coaches.provider_size_cv": (30, "cases"),
    "services.stabilization_share": (5, "stabilized cases"),
    "outcomes.weekly_job_loss": (10, "cases coached without stabilizing"),
    "services.fade_per_week": (10, "cases coached two weeks or more"),
    "services.initial_share": (10, "cases coached two weeks or more"),
    "caseload.coaches.rate_sd": (10, "coaches with a rate"),
    "caseload.coaches.rate_mean": (5, "coaches with a rate"),
    "outcomes.report_delay_days": (5, "late cases with a dated report"),
}
#: the values a fitted input may take; a fit outside is refused in one line naming what
#: in the records gave it (such records are not a caseload the simulator can reproduce)
PLAUSIBLE = {
    "services.initial_share": (0.0, 1.5, "the first week's coach hours over the job's hours"),
    "services.stabilization_share": (0.0, 1.0, "coach hours at stabilization over the job's"),
    "services.fade_spread": (0.0, 2.0, "the spread of the cases' weekly fading (log scale)"),
    "outcomes.weekly_job_loss": (0.0, 0.5, "jobs lost per week coached before stabilizing"),
}


@dataclass
class _Fitting:
    """What a calibration is building: the scenario data, the fits and notes so far, and
    the records with the day each case starts. Each step below adds its inputs."""

    lines: Lines
    base: Scenario
    data: dict
    start: np.ndarray  # each case's first day: authorized_from or its first line
    fits: list[Fit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: how many units of each kind the records hold (``MIN_UNITS``' keys)
    units: dict[str, int] = field(default_factory=dict)

    @property
    def seed(self) -> int:
        return self.base.simulation.seed

    @property
    def one_level(self) -> bool:
        """The records carry no need column."""
        return bool((self.lines.cases["need"] == "").all())

    def node(self, path: str) -> tuple[dict, str]:
        """The mapping holding a dotted path's field, and the field's name."""
        parts = path.split(".")
        node = self.data
        for part in parts[:-1]:
            node = node[part]
        return node, parts[-1]

    def enough(self, path: str, basis: str, n: float | None = None) -> bool:
        """Whether the records hold enough to fit ``path``: ``MIN_UNITS`` of its basis,
        and ``MIN_INFO``'s own minimum for it (``n``: what the records hold of that);
        if not, a note says what the base keeps and why."""
        least, what = MIN_UNITS.get(basis, 0), basis
        have = self.units.get(basis, 0)
        if have >= least and path in MIN_INFO:
            least, what = MIN_INFO[path]
            have = have if n is None else n
        if have >= least:
            return True
        self.notes.append(
            f"{path} kept from {self.base.name}: the records hold {int(have):,} {what}, and "
            f"a fit needs at least {least}"
        )
        return False

    def plausible(self, path: str, values: Any) -> None:
        """Refuse a fitted value outside ``PLAUSIBLE``, naming what it was read from."""
        if path not in PLAUSIBLE:
            return
        lo, hi, what = PLAUSIBLE[path]
        for value in values.values() if isinstance(values, dict) else [values]:
            if not lo <= float(value) <= hi:
                from jobcoach_model.base.errors import InputError

                raise InputError(
                    "the records",
                    f"{path} between {lo:g} and {hi:g} ({what}); these records give "
                    f"{float(value):.4g}, which no simulated caseload reproduces",
                )

    def put(
        self,
        path: str,
        fit: tuple[float, float, float],
        basis: str = "cases",
        digits: int = 4,
        n: float | None = None,
    ):
        """Write a fitted value with its 90% interval, when the records hold enough for
        it (``enough``: so that no interval rests on a case or two) and it is plausible."""
        if not self.enough(path, basis, n):
            return
        value, lo, hi = (round(float(x), digits) for x in fit)
        self.plausible(path, value)
        node, name = self.node(path)
        node[name] = value
        self.fits.append(Fit(path, value, lo, hi, basis))

    def count(self, path: str, value: Any, basis: str = "counted") -> None:
        """Write a value counted (or read) from the records, with no interval."""
        node, name = self.node(path)
        node[name] = value
        self.fits.append(Fit(path, value, basis=basis))


def _intake(f: _Fitting) -> None:
    """Consumers, the first start, the start window and the horizon (counted)."""
    date = f.lines.services["date"]
    lo_day, end_obs = int(f.start.min()), int(date.max()) + 1
    months, per_month = np.unique(
        f.start.astype("datetime64[D]").astype("datetime64[M]"), return_counts=True
    )
    f.notes.append(
        "consumers starting per month: "
        + ", ".join(f"{m}: {k:,}" for m, k in zip(months, per_month, strict=True))
        + " (the scenario spreads the same number evenly over its start window)"
    )
    window = int(math.ceil((int(f.start.max()) - lo_day + 1) / 7))
    weeks = int(math.ceil((end_obs - lo_day) / 7))
    if weeks > MAX_WEEKS:
        f.notes.append(
            f"the records span {weeks:,} weeks: the horizon is cut to the simulator's "
            f"longest, {MAX_WEEKS} weeks (caseload.weeks)"
        )
    if f.data.get("window"):
        # a fiscal-note base keeps its window, which sets the horizon and the starts;
        # the records give the intake: their consumers per month, spread over the window
        months_seen = max(1, len(months))
        per = round(float(f.lines.cases["_n"]) / months_seen, 4)
        f.data["caseload"].pop("consumers", None)
        f.count("caseload.intake_per_month", per)
        f.notes.append(
            f"--base {f.base.name} has a budget window (FY{f.data['window']['first_year']} "
            f"to FY{f.data['window']['last_year']}): it keeps the window, which sets the "
            f"horizon and when consumers start; the records set the intake, {per:g} consumers "
            f"a month ({int(f.lines.cases['_n']):,} cases over {months_seen} "
            f"month{'s' if months_seen != 1 else ''})"
        )
        return
    f.count("caseload.consumers", int(f.lines.cases["_n"]))
    f.count("caseload.start_date", str(from_day(lo_day)))
    f.count("caseload.start_window_weeks", max(1, window))
    f.count("caseload.weeks", max(1, min(weeks, MAX_WEEKS)))


@dataclass
class _Weekly:
    """Each case's coach hours by week since its start, as a line through log hours."""

    fitted: np.ndarray  # cases with two weeks or more (the line is defined)
    slope: np.ndarray
    intercept: np.ndarray
    coached: np.ndarray  # weeks with coaching observed (0: no line)
    sessions: int  # lines per case-week (median)

    @property
    def fade(self) -> np.ndarray:
        return np.clip(1 - np.exp(self.slope), 1e-4, 0.95)


def _weekly(f: _Fitting) -> _Weekly:
    s, case, nc = f.lines.services, f.lines.case_idx, f.lines.cases["_n"]
    week = (s["date"] - f.start[case]) // 7
    wmax = int(week.max()) + 1
    uniq, inv = np.unique(case.astype(np.int64) * wmax + week, return_inverse=True)
    y = np.log(np.maximum(np.bincount(inv, weights=s["hours"]), 1e-9))
    wk_case, wk = uniq // wmax, (uniq % wmax).astype(np.float64)
    n_w = np.bincount(wk_case, minlength=nc).astype(np.float64)
    sx, sy = np.bincount(wk_case, wk, nc), np.bincount(wk_case, y, nc)
    sxy, sxx = np.bincount(wk_case, wk * y, nc), np.bincount(wk_case, wk * wk, nc)
    den = n_w * sxx - sx**2
    fitted = (n_w >= 2) & (den > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(fitted, (n_w * sxy - sx * sy) / den, 0.0)
        intercept = np.where(fitted, (sy - slope * sx) / n_w, 0.0)
    last_week = np.full(nc, -1, dtype=np.int64)
    np.maximum.at(last_week, case, week)
    sessions = int(max(1, round(float(np.median(np.bincount(inv))))))
    return _Weekly(fitted, slope, intercept, last_week + 1, sessions)


def _case_sums(f: _Fitting, w: _Weekly, need_idx: np.ndarray, levels: list[str]) -> Sums:
    """Every per-case column the case bootstrap sums: line counts by kind, case flags,
    and, per need level, the fading, first-week hours, stabilization and job-loss terms."""
    c, s, case = f.lines.cases, f.lines.services, f.lines.case_idx
    nc, nl = c["_n"], s["_n"]
    cs = Sums(f.seed, nc)
    cs.add("cases", np.ones(nc))

    def per_case(values: np.ndarray) -> np.ndarray:
        return np.bincount(case, weights=values.astype(np.float64), minlength=nc)

    cs.add("lines", per_case(np.ones(nl)))
    grouped = s["group_size"] > 1
    cs.add("group", per_case(grouped))
    for size in sorted({int(x) for x in np.unique(s["group_size"][grouped])}):
        cs.add(f"size{size}", per_case(s["group_size"] == size))
    cs.add("offsite", per_case(s["setting"] == "off_site"))
    cs.add("absent_on_site", per_case(~s["consumer_present"] & (s["setting"] != "off_site")))
    cs.add("wrong", per_case(_wrong_code(f.lines)))
    stab = c["stabilized_on"] < NEVER
    stab_week = np.where(stab, (c["stabilized_on"] - f.start) // 7, 0)
    full_weeks = (int(s["date"].max()) + 1 - f.start) // 7  # weeks fully inside the export
    logf = np.log(w.fade)
    for lvl in levels:
        m = need_idx == NEEDS.index(lvl)
        ok = m & w.fitted
        st = ok & stab & (stab_week >= 1)
        work = f.base.caseload.work_hours_per_week.get(lvl)  # what the scenario will use
        cs.add(f"fit_{lvl}", ok)
        cs.add(f"fade_{lvl}", np.where(ok, w.fade, 0))
        cs.add(f"logf_{lvl}", np.where(ok, logf, 0))
        cs.add(f"logf2_{lvl}", np.where(ok, logf**2, 0))
        cs.add(f"h0_{lvl}", np.where(ok, np.exp(w.intercept), 0))
        log_s = w.intercept + w.slope * (stab_week - 0.5) - math.log(work)
        cs.add(f"stab_{lvl}", st)
        cs.add(f"logs_{lvl}", np.where(st, log_s, 0))
        # job loss before stabilization: weeks survived and losses (censored cases: none)
        lost = m & ~stab & (w.coached < full_weeks)
        survived = np.where(
            stab, stab_week + 1, np.where(lost, w.coached, np.minimum(w.coached, full_weeks))
        )
        cs.add(f"lost_{lvl}", lost)
        cs.add(f"exposed_{lvl}", np.where(m, survived, 0))
        cs.add(f"n_{lvl}", m)
        cs.add(f"auth_{lvl}", np.where(m, c["authorized_hours"], 0))
    for name, values in (
        ("placement", c["with_placement"]),
        ("plan_missing", c["plan_approved_on"] >= NEVER),
        (
            "plan_late",
            (c["plan_approved_on"] < NEVER) & (c["plan_approved_on"] > c["authorized_from"]),
        ),
        ("concurrent", c["concurrent_services"] != ""),
        ("report_late", ~c["reports_current"]),
        ("withdrawal", c["withdrawal_notice_on"] < NEVER),
        ("offsite_approved", c["offsite_approved"]),
        ("no_training", ~c["needs_customized_training"]),
        ("employer_trains", c["employer_can_train"]),
        ("auth_weeks", (c["authorized_to"] - c["authorized_from"] + 1) / 7),
    ):
        cs.add(name, values)
    # dated reports: how far behind a late case's last report is, against the last report
    # of the export (the simulator dates a late case's last report that many days early)
    last = c["last_report_on"]
    dated = last < NEVER
    newest = int(last[dated].max()) if dated.any() else 0
    late_dated = dated & ~c["reports_current"]
    cs.add("report_dated_late", late_dated)
    cs.add("report_delay", np.where(late_dated, newest - last, 0))
    for lvl in NEEDS:
        cs.add(f"need_{lvl}", c["need"] == lvl)
    cs.compute()
    return cs


def _mix(shares: dict, digits: int = 4) -> dict:
    """Shares rounded, the largest taking what rounding leaves, so that they sum to 1."""
    mix = {k: round(float(v), digits) for k, v in shares.items()}
    biggest = max(mix, key=mix.get)
    mix[biggest] = round(1 - sum(v for k, v in mix.items() if k != biggest), digits)
    return mix


def _line_and_case_inputs(f: _Fitting, cs: Sums) -> None:
    """Shares of lines (group, sizes, off-site, wrong code), of cases (placement, plans,
    assessments, reports, withdrawals, approvals, training) and authorization weeks."""
    f.put("services.group_share", _share(cs, "group", "lines"), "lines", n=cs.point["group"])
    sizes = sorted(int(k.removeprefix("size")) for k in cs.point if k.startswith("size"))
    if sizes:
        mix = _mix({size: cs.point[f"size{size}"] / cs.point["group"] for size in sizes})
        f.count("services.group_sizes", dict(sorted(mix.items())), "lines")
    f.put("services.offsite_share", _share(cs, "offsite", "lines"), "lines", n=cs.point["offsite"])
    absent = cs.point["absent_on_site"] / cs.point["lines"]
    if absent > 0:
        f.notes.append(
            f"{absent:.1%} of lines are on site with the consumer absent: the simulator "
            "draws absence only off site, so these are not in the calibrated scenario"
        )
    wrong = cs.point["wrong"]
    f.put("services.wrong_code_share", _share(cs, "wrong", "lines"), "lines", n=wrong)
    for path, name in (
        ("services.placement_share", "placement"),
        ("services.plan_missing_share", "plan_missing"),
        ("services.plan_late_share", "plan_late"),
        ("services.concurrent_assessment_share", "concurrent"),
        ("outcomes.report_late_share", "report_late"),
        ("outcomes.withdrawal_share", "withdrawal"),
        ("services.offsite_approved_share", "offsite_approved"),
        ("services.no_customized_training_share", "no_training"),
        ("services.employer_can_train_share", "employer_trains"),
    ):
        f.put(path, _wilson(cs, name, "cases"))
    dated_late = cs.point["report_dated_late"]
    if dated_late > 0 and f.enough("outcomes.report_delay_days", "cases", dated_late):
        # a late case is late by 1 .. 2 x report_delay_days (mean: the delay + 0.5 days)
        delay = cs.stat(lambda t: t["report_delay"] / np.maximum(t["report_dated_late"], 1) - 0.5)
        days = max(1, int(round(delay[0])))
        f.data["outcomes"]["report_delay_days"] = days
        lo, hi = max(1, math.floor(min(delay[1], days))), math.ceil(max(delay[2], days))
        f.fits.append(Fit("outcomes.report_delay_days", days, float(lo), float(hi)))
    elif dated_late == 0 and cs.point["report_late"] > 0:
        # undated late reports were not in by the export's end: late for its whole span
        date = f.lines.services["date"]
        span = int(date.max()) + 1 - int(f.start.min())
        f.count("outcomes.report_delay_days", int(min(365, max(1, span))))
        f.notes.append(
            "no late case carries a last_report_on date: its reports are taken as not in "
            "by the export's end (report_delay_days = the export's span, at most 365)"
        )
    if not f.enough("authorizations.length_weeks", "cases"):
        return
    weeks_fit = cs.stat(lambda t: t["auth_weeks"] / t["cases"])
    length = max(1, int(round(weeks_fit[0])))  # whole weeks: the interval too
    f.data["authorizations"]["length_weeks"] = length
    low, high = math.floor(min(weeks_fit[1], length)), math.ceil(max(weeks_fit[2], length))
    f.fits.append(Fit("authorizations.length_weeks", length, float(low), float(high)))


def _need_inputs(f: _Fitting, cs: Sums, levels: list[str]) -> None:
    """The need mix and every per-need input, per level present (one level: every level
    the same), plus the fading spread within levels and the stabilization share."""
    work = {lvl: f.base.caseload.work_hours_per_week.get(lvl) for lvl in levels}
    if f.one_level:
        mix = {n: (1.0 if n == ONE_LEVEL else 0.0) for n in NEEDS}
        f.count("caseload.need_mix", mix, "one level")
        targets = list(NEEDS)
    else:
        mix = _mix({n: cs.point[f"need_{n}"] / cs.point["cases"] for n in NEEDS})
        f.count("caseload.need_mix", mix, "cases")
        targets = levels

    def per_need(path: str, stat, digits: int = 4, count: str = "fit") -> None:
        have = min(cs.point[f"{count}_{lvl}"] for lvl in levels)
        if not f.enough(path, "cases", have):  # the thinnest level decides
            return
        values, lows, highs = {}, [], []
        for lvl in targets:
            got = stat(lvl if lvl in levels else levels[0])
            if not math.isfinite(got[0]):
                return  # not identified: the base value stays
            values[lvl] = round(float(got[0]), digits)
            lows.append(float(got[1] / got[0]) if got[0] else 1.0)
            highs.append(float(got[2] / got[0]) if got[0] else 1.0)
        f.plausible(path, values)
        node, name = f.node(path)
        node[name].update(values)
        f.fits.append(Fit(path, dict(values), min(lows), max(highs), per_need=True))

    per_need(
        "services.fade_per_week", lambda lv: cs.stat(lambda t: t[f"fade_{lv}"] / t[f"fit_{lv}"])
    )
    per_need(
        "services.initial_share",
        lambda lv: _resolved(
            cs.stat(lambda t: t[f"h0_{lv}"] / t[f"fit_{lv}"] / work[lv]),
            cs.point[f"h0_{lv}"] / cs.point[f"fit_{lv}"],
        ),
    )
    per_need(
        "outcomes.weekly_job_loss",
        lambda lv: cs.stat(lambda t: t[f"lost_{lv}"] / (t[f"exposed_{lv}"] + t[f"lost_{lv}"])),
        5,
        count="n",
    )
    per_need(
        "authorizations.hours",
        lambda lv: cs.stat(lambda t: t[f"auth_{lv}"] / t[f"n_{lv}"]),
        2,
        count="n",
    )

    def total(t, prefix):
        return sum(t[f"{prefix}_{lv}"] for lv in levels)

    def spread(t):  # within need levels: the levels' own means differ by design
        n = total(t, "fit")
        within = sum(t[f"logf2_{lv}"] - t[f"logf_{lv}"] ** 2 / t[f"fit_{lv}"] for lv in levels)
        return np.sqrt(np.maximum(within / n, 0))

    fitted = sum(cs.point[f"fit_{lv}"] for lv in levels)
    if cs.point[f"fit_{levels[0]}"] > 1:
        f.put("services.fade_spread", cs.stat(spread), n=fitted)
    stabilized = sum(cs.point[f"stab_{lv}"] for lv in levels)
    if stabilized > 0:
        share = cs.stat(lambda t: np.exp(total(t, "logs") / total(t, "stab")))
        hours = share[0] * float(np.mean([work[lv] for lv in levels]))
        f.put("services.stabilization_share", _resolved(share, hours), n=stabilized)
    else:
        f.notes.append("no case has a stabilized_on date: stabilization_share kept from the base")


def _coach_inputs(f: _Fitting) -> None:
    """Rates, credentials, training months and the CCO, independent, W-9 and insurance
    shares (over coaches)."""
    k = f.lines.coaches
    nk = k["_n"]
    co = f.data["caseload"]["coaches"]
    sums = Sums(f.seed + 1, nk)
    sums.add("coaches", np.ones(nk))
    rated = np.isfinite(k["hourly_rate"])
    sums.add("rated", rated)
    sums.add("rate", np.where(rated, k["hourly_rate"], 0.0))
    training = (k["credential"] == "none") & (k["training_started_on"] < NEVER)
    cred = np.where(training, "none_in_training", k["credential"])
    for name in co["credential_mix"]:
        sums.add(f"cred_{name}", cred == name)
    cco = k["cco_approved"]
    sums.add("cco", cco)
    eligible = ~cco & (k["credential"] != "crp_accredited")  # as the simulator draws it
    sums.add("eligible", eligible)
    sums.add("independent", eligible & k["independent"])
    sums.add("w9", k["w9_on_file"])
    sums.add("insurance", k["liability_insurance"])
    sums.compute()
    if rated.sum() >= 2:
        rates = k["hourly_rate"][rated]
        mean = sums.stat(lambda t: t["rate"] / t["rated"])
        f.put("caseload.coaches.rate_mean", mean, "coaches", 2, n=int(rated.sum()))
        sd = _sd_interval(float(np.std(rates, ddof=1)), int(rated.sum()))
        f.put("caseload.coaches.rate_sd", sd, "coaches", 2, n=int(rated.sum()))
        co["rate_min"] = round(min(co["rate_min"], float(rates.min())), 2)
        co["rate_max"] = round(max(co["rate_max"], float(rates.max())), 2)
    mix = _mix({name: sums.point[f"cred_{name}"] / nk for name in co["credential_mix"]})
    f.count("caseload.coaches.credential_mix", mix, "coaches")
    f.put("caseload.coaches.cco_share", _wilson(sums, "cco", "coaches"), "coaches")
    if sums.point["eligible"] > 0:
        f.put(
            "caseload.coaches.independent_share",
            _wilson(sums, "independent", "eligible"),
            "coaches",
        )
    f.put("caseload.coaches.w9_share", _wilson(sums, "w9", "coaches"), "coaches")
    f.put("caseload.coaches.insurance_share", _wilson(sums, "insurance", "coaches"), "coaches")
    months = (int(f.start.min()) - k["training_started_on"][training]) / DAYS_PER_MONTH
    months = months[months >= 0]
    if months.size:
        n, top = months.size, float(months.max())
        value = top * (n + 1) / n  # the unbiased maximum of a uniform
        low, high = top / 0.95 ** (1 / n), top / 0.05 ** (1 / n)
        f.put("caseload.coaches.training_months_max", (value, low, high), "coaches", 2)


def _provider_of_coach(lines: Lines) -> np.ndarray:
    """Each coach's provider: its provider_id, or the coach itself when it has none."""
    k = lines.coaches
    return np.where(k["provider_id"] == "", k["coach_id"], k["provider_id"]).astype(str)


def _provider_inputs(f: _Fitting) -> int:
    """Providers and coaches per provider (counted) and the spread of provider sizes
    (over providers); returns the number of providers."""
    k, case, nc = f.lines.coaches, f.lines.case_idx, f.lines.cases["_n"]
    names_p, p_of_coach = np.unique(_provider_of_coach(f.lines), return_inverse=True)
    n_p = len(names_p)
    f.count("caseload.coaches.providers", int(n_p))
    f.count("caseload.coaches.coaches_per_provider", max(1, int(round(k["_n"] / n_p))))
    first_coach = np.full(nc, -1, dtype=np.int64)
    order = np.argsort(f.lines.services["date"], kind="stable")
    first_coach[case[order][::-1]] = f.lines.coach_idx[order][::-1]  # each case's first line
    has = first_coach >= 0
    per_provider = np.bincount(p_of_coach[first_coach[has]], minlength=n_p).astype(np.float64)
    if f.enough("caseload.coaches.provider_size_cv", "providers", nc):
        ps = Sums(f.seed + 2, n_p)
        ps.add("p", np.ones(n_p))
        ps.add("c", per_provider)
        ps.add("c2", per_provider**2)
        ps.compute()

        def cv(t):
            mean = t["c"] / t["p"]
            var = (t["c2"] / t["p"] - mean**2) * t["p"] / (t["p"] - 1)
            return np.sqrt(np.maximum(var - mean, 0)) / mean

        f.put("caseload.coaches.provider_size_cv", ps.stat(cv), "providers", n=nc)
    return n_p


def calibrate(
    lines: Lines,
    base: Scenario,
    names: Mapping[str, str],
) -> Calibration:
    """Fit every input the records identify (see the module's notes) into a copy of
    ``base``; ``names`` gives each table's file name for the provenance."""
    c, s = lines.cases, lines.services
    nc, nk, nl = c["_n"], lines.coaches["_n"], s["_n"]
    if nc == 0 or nl == 0:
        from jobcoach_model.base.errors import InputError

        raise InputError(names["services"], "at least one case with a service line")
    date = s["date"]
    first_line = np.full(nc, NEVER, dtype=np.int64)
    np.minimum.at(first_line, lines.case_idx, date)
    data = base.model_dump(mode="json", exclude={"fit_check"})  # a base's verdict is not ours
    f = _Fitting(lines, base, data, np.minimum(c["authorized_from"], first_line))
    f.units = {
        "cases": nc,
        "lines": nc,  # a share of lines is bootstrapped over the cases that hold them
        "coaches": nk,
        "providers": len(np.unique(_provider_of_coach(lines))) if nk else 0,
    }
    file = {k: Path(v).name for k, v in names.items()}
    span = f"{from_day(int(date.min()))} to {from_day(int(date.max()))}"
    provenance = (
        f"fitted from {file['services']}: {counted(nl, 'line')}, {counted(nc, 'case')}, {span}"
    )
    f.data["name"] = f"{base.name} calibrated"
    f.data["description"] = (
        f"{base.name} calibrated to an agency's records ({provenance}); inputs the "
        f"records do not identify keep {base.name}'s values."
    )
    need_idx, levels = _need_index(lines)
    if f.one_level:
        f.notes.append(
            f"no need column: every case is one level ({ONE_LEVEL}); per-need inputs "
            "are fitted once"
        )
    _intake(f)
    weekly = _weekly(f)
    f.count("services.sessions_per_week", min(weekly.sessions, 5))
    cs = _case_sums(f, weekly, need_idx, levels)
    _line_and_case_inputs(f, cs)
    _need_inputs(f, cs, levels)
    _coach_inputs(f)
    n_p = _provider_inputs(f)

    # what each kind of input was read from, as its comment and its fitted source say
    files = {
        "cases": f"{file['cases']}: {nc:,} cases, {span}",
        "lines": f"{file['services']}: {counted(nl, 'line')}, {counted(nc, 'case')}, {span}",
        "counted": f"{file['cases']}, {file['services']}: {nc:,} cases, {span}",
        "coaches": f"{file['coaches']}: {nk:,} coaches",
        "providers": f"{file['coaches']}, {file['services']}: {n_p:,} providers, {nc:,} cases",
        "one level": file["cases"],
    }
    f.data["fitted"] = {
        fit.path: {
            "low": fit.low,
            "high": fit.high,
            "scale": fit.per_need,
            "source": f"fitted from {files[fit.basis]}; {fit.interval()}",
        }
        for fit in f.fits
        if fit.low is not None and fit.high is not None
    }
    from jobcoach_model.caseloads.scenario import field_notes

    fitted_paths = {fit.path for fit in f.fits}
    kept = [p for p in field_notes() if p not in fitted_paths]
    return Calibration(f.data, f.fits, provenance, files, kept, f.notes)


# -- the calibrated scenario as YAML, with its provenance beside each value -------------

_SECTIONS = {"caseload", "services", "outcomes", "authorizations", "benchmark", "simulation"}


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000)
    return text.strip().removesuffix("...").strip()


def scenario_text(
    data: dict, fits: Mapping[str, Fit], provenance: str, files: Mapping[str, str]
) -> str:
    """Scenario data as YAML: sections as blocks, each value on its line, a fitted value
    with ``# fitted ...`` beside it and an input kept from the base with nothing (its
    note in scenario.py still says assumption). Read back, it is ``data`` exactly."""
    out = [
        f"# Calibrated by jobcoach calibrate: {provenance}.",
        "# A value marked 'fitted' was estimated from the records (90% interval from a",
        "# bootstrap over cases, coaches or providers); every other value is the base",
        "# scenario's (cited, or an assumption as scenario.py says).",
    ]

    def emit(node: dict, prefix: str, indent: int) -> None:
        pad = " " * indent
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict) and (key in _SECTIONS or path == "caseload.coaches"):
                out.append(f"{pad}{key}:")
                emit(value, f"{path}.", indent + 2)
                continue
            line = f"{pad}{_flow(key)}: {_flow(value)}"
            fit = fits.get(path)
            if fit is not None:
                if fit.basis == "one level":
                    line += f"  # one level: {files['one level']} has no need column"
                else:
                    how = "counted" if fit.basis == "counted" else "fitted"
                    where = files.get(fit.basis, "the records")
                    line += f"  # {how} from {where}; {fit.interval()}".rstrip("; ")
            out.append(line)

    tail = ("schemes", "bridges", "fitted", "fit_check")
    body = {k: v for k, v in data.items() if k not in tail}
    emit(body, "", 0)
    rest = {k: data[k] for k in tail if k in data}
    out.append(yaml.safe_dump(rest, sort_keys=False, allow_unicode=True, width=100).rstrip())
    text = "\n".join(out) + "\n"
    assert yaml.safe_load(text) == _plain(data), "the calibrated YAML does not read back"
    return text


def _plain(data: Any) -> Any:
    return yaml.safe_load(yaml.safe_dump(data, sort_keys=False))
