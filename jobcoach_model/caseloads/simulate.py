"""The seeded caseload simulator: consumers, coaches and weekly coaching lines.

Each replication has its own numpy ``Generator`` from one ``SeedSequence`` child, so a
replication's numbers never depend on how many others run or how they are chunked. Within
a replication everything is drawn in a few array calls and transformed with vector
operations; replications are stacked into one set of tables (the CSV contract's cases,
coaches and services, plus outcomes) so the adjudication engine prices them in one pass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobcoach_model.base.dates import NEVER, from_day, to_day
from jobcoach_model.caseloads.scenario import NEEDS, Scenario, monthly_intake, window_months
from jobcoach_model.records.contract import CASES, COACHES, CREDENTIALS, SERVICES
from jobcoach_model.records.lines import Lines

#: the contract's credentials, plus coaches with none yet who are in training
CREDENTIAL_CHOICES = (*(c for c in CREDENTIALS if c != "none"), "none_in_training", "none")
#: days of a month, for training start dates; an approximation
DAYS_PER_MONTH = 30.44


#: consumers one chunk holds at most (consumer-replications): bounds peak memory. A larger
#: replication is simulated in blocks of this many consumers, each with its own seed.
BLOCK_CONSUMERS = 25_000


def seeds(scenario: Scenario, first: int = 0, count: int | None = None) -> list:
    """The SeedSequence children of replications ``first`` .. ``first + count - 1``: the
    same as ``SeedSequence(seed).spawn(R)[first:first + count]``, without making all R."""
    seed = scenario.simulation.seed
    count = scenario.simulation.replications - first if count is None else count
    return [np.random.SeedSequence(seed, spawn_key=(i,)) for i in range(first, first + count)]


def blocks(scenario: Scenario) -> int:
    """Consumer blocks per replication: 1 up to BLOCK_CONSUMERS consumers."""
    return -(-scenario.caseload.consumers // BLOCK_CONSUMERS)


def chunk_plan(scenario: Scenario) -> list[tuple[int, int, int]]:
    """(first replication, replications, consumer block) of each chunk, in order.

    Small caseloads: ``simulation.chunk`` replications a chunk, fewer when that would hold
    more than BLOCK_CONSUMERS consumers. Large ones: one block of one replication a chunk.
    The plan depends on the scenario only, so results never depend on the machine.
    """
    R, n = scenario.simulation.replications, scenario.caseload.consumers
    nb = blocks(scenario)
    if nb > 1:
        return [(r, 1, b) for r in range(R) for b in range(nb)]
    step = max(1, min(scenario.simulation.chunk, BLOCK_CONSUMERS // n))
    return [(first, min(step, R - first), 0) for first in range(0, R, step)]


def simulate_plan(scenario: Scenario):
    """Every chunk of the scenario, simulated one at a time (a generator)."""
    for first, count, block in chunk_plan(scenario):
        yield simulate_chunk(scenario, first, count, block)


#: what errors call the simulated tables
SIMULATED_SOURCES = {
    "cases": "simulated cases",
    "coaches": "simulated coaches",
    "services": "simulated",
}


@dataclass
class SimulatedCaseload:
    """Simulated replications stacked: the three contract tables as engine arrays, and
    each case's outcomes (not ``scenario.Caseload``, which describes who is served)."""

    reps: np.ndarray  # replication of each case
    first_rep: int
    n_reps: int
    cases: dict
    coaches: dict
    services: dict
    case_idx: np.ndarray
    coach_idx: np.ndarray
    outcomes: dict
    start: int  # first day of the horizon
    horizon_end: int  # first day after the horizon
    block: int = 0  # which block of each replication's consumers (large caseloads)

    @property
    def start_date(self) -> dt.date:
        """The first day of the horizon, as a date (for parameter lookups)."""
        return from_day(self.start)

    def lines(self) -> Lines:
        """The service lines, linked to cases and coaches, for the engine."""
        return Lines(
            self.cases,
            self.coaches,
            self.services,
            self.case_idx,
            self.coach_idx,
            SIMULATED_SOURCES,
        )

    def line_reps(self) -> np.ndarray:
        """Replication of each service line."""
        return self.reps[self.case_idx]

    def replication(self, rep: int) -> SimulatedCaseload:
        """The part of this chunk that is replication ``rep``, as a SimulatedCaseload of its own."""
        case_sel = np.flatnonzero(self.reps == rep)
        coach_sel = np.flatnonzero(self.coaches["rep"] == rep)
        line_sel = np.flatnonzero(self.reps[self.case_idx] == rep)
        case_pos = np.full(len(self.reps), -1, dtype=np.int64)
        case_pos[case_sel] = np.arange(len(case_sel))
        coach_pos = np.full(self.coaches["_n"], -1, dtype=np.int64)
        coach_pos[coach_sel] = np.arange(len(coach_sel))

        def take(table: dict, sel: np.ndarray) -> dict:
            return {k: (len(sel) if k == "_n" else v[sel]) for k, v in table.items()}

        outcomes = take(self.outcomes, case_sel)
        outcomes["coach_idx"] = coach_pos[outcomes["coach_idx"]]
        return SimulatedCaseload(
            reps=self.reps[case_sel],
            first_rep=rep,
            n_reps=1,
            cases=take(self.cases, case_sel),
            coaches=take(self.coaches, coach_sel),
            services=take(self.services, line_sel),
            case_idx=case_pos[self.case_idx[line_sel]],
            coach_idx=coach_pos[self.coach_idx[line_sel]],
            outcomes=outcomes,
            start=self.start,
            horizon_end=self.horizon_end,
            block=self.block,
        )

    def tables(self, rep: int | None = None) -> dict[str, pd.DataFrame]:
        """One replication (the first in this caseload by default) as the CSV contract's
        tables plus outcomes (text dates, text ids)."""
        one = self.replication(self.first_rep if rep is None else rep)
        cases = _text_frame(one.cases, CASE_COLUMNS)
        services = _text_frame(one.services, SERVICE_COLUMNS)
        services["service_id"] = "S" + pd.Series(np.arange(len(services)) + 1).astype(str)
        outcomes = _text_frame(one.outcomes, OUTCOME_COLUMNS)
        outcomes.insert(0, "case_id", cases["case_id"].to_numpy())
        return {
            "cases": cases,
            "coaches": _text_frame(one.coaches, COACH_COLUMNS),
            "services": services,
            "outcomes": outcomes,
        }


def _text_frame(table: dict, columns: dict[str, str]) -> pd.DataFrame:
    """Engine arrays written as the CSV contract's text: dates, booleans, prefixed ids."""
    data = {}
    for name, kind in columns.items():
        values = table[name]
        if kind == "date":
            text = np.full(len(values), "", dtype=object)
            known = values < NEVER
            text[known] = np.datetime_as_string(values[known].astype("datetime64[D]"))
            values = text
        elif kind in ID_PREFIX:
            values = ID_PREFIX[kind] + pd.Series(values).astype(str).to_numpy()
        elif kind == "bool":
            values = np.where(values, "true", "false")
        data[name] = values
    return pd.DataFrame(data)


#: simulated ids are numbers; their text form in the CSV tables
ID_PREFIX = {"case": "C", "coach": "K", "provider": "P"}

#: the contract's columns (declared once, in ``records``) as the simulator writes them:
#: ids with their prefix kind, everything else as its contract type
_ID_KINDS = {"case_id": "case", "coach_id": "coach", "provider_id": "provider"}


def _columns(table) -> dict[str, str]:
    return {c.name: _ID_KINDS.get(c.name, c.kind) for c in table.columns}


#: a simulated consumer has one case, so the optional consumer_id is left out (a case
#: without one is its own consumer)
CASE_COLUMNS = {k: v for k, v in _columns(CASES).items() if k != "consumer_id"}
COACH_COLUMNS = _columns(COACHES)
SERVICE_COLUMNS = {**_columns(SERVICES), "service_id": "text"}
OUTCOME_COLUMNS = {
    "need": "text",
    "provider_id": "provider",
    "employment_start": "date",
    "job_end": "date",
    "objectives_met_on": "date",
    "objectives_within_90d": "bool",
    "stabilized": "bool",
    "weeks_to_stabilization": "number",
    "job_lost_in_horizon": "bool",
    "retained_90d": "bool",
}


def _labels(*names: str) -> np.ndarray:
    """A small object array of labels; indexing it fills a column without new strings."""
    return np.array(names, dtype=object)


def _pick(u: np.ndarray, shares: list[float]) -> np.ndarray:
    """Category index for uniforms ``u`` under the given shares."""
    edges = np.cumsum(shares)
    edges[-1] = 1.0 + 1e-12
    return np.searchsorted(edges, u, side="right")


def _by_need(value, need: np.ndarray) -> np.ndarray:
    return np.array([value.get(n) for n in NEEDS])[need]


def horizon_end(scenario: Scenario) -> int:
    """The first day after the simulated horizon (a budget window's end when given)."""
    cl = scenario.caseload
    if cl.end_date is not None:
        return to_day(cl.end_date)
    return to_day(cl.start_date) + 7 * cl.weeks


def _hires(scenario: Scenario, u: np.ndarray, start: int) -> np.ndarray:
    """Each consumer's hire day from one uniform draw: spread evenly over the first
    ``start_window_weeks``, or, with an intake per month over a window, in the month the
    draw falls in by the months' intake, evenly within it."""
    cl = scenario.caseload
    if cl.intake_per_month is None or cl.end_date is None:
        return start + np.floor(u * cl.start_window_weeks * 7).astype(np.int64)
    bounds = window_months(cl.start_date, cl.end_date)
    weights = monthly_intake(cl.intake_per_month, cl.start_date, cl.end_date)
    cum = np.cumsum(weights) / weights.sum()
    month = np.minimum(np.searchsorted(cum, u, side="right"), len(weights) - 1)
    before = np.r_[0.0, cum[:-1]][month]
    within = (u - before) / np.maximum(cum[month] - before, 1e-300)
    length = bounds[month + 1] - bounds[month]
    return bounds[month] + np.minimum(np.floor(within * length), length - 1).astype(np.int64)


def _draw(scenario: Scenario, seq: np.random.SeedSequence, block: int = 0) -> dict:
    """All random numbers of one replication (or of one block of its consumers), in a
    fixed order of array draws.

    A replication in one block draws everything from its own generator. A replication in
    several blocks draws its coaches and providers from its own generator (the same for
    every block) and each block's consumers and lines from a child of its own.
    """
    sc = scenario
    rng = np.random.default_rng(seq)
    c = sc.caseload.coaches
    n_coaches = c.providers * c.coaches_per_provider
    cv = c.provider_size_cv
    if blocks(sc) == 1:
        n, consumers = sc.caseload.consumers, rng
    else:
        n = min(BLOCK_CONSUMERS, sc.caseload.consumers - block * BLOCK_CONSUMERS)
        child = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, block))
        consumers = np.random.default_rng(child)
    out = {
        "case_u": consumers.random((n, 16)),
        "case_z": consumers.standard_normal((n, 2)),
        "coach_u": rng.random((n_coaches, 8)),
        "coach_z": rng.standard_normal(n_coaches),
        "provider_w": rng.gamma(1 / cv**2, size=c.providers) if cv > 0 else np.ones(c.providers),
    }
    out["line_rng"] = consumers  # line draws come last: their number depends on the above
    return out


def simulate_chunk(scenario: Scenario, first: int, count: int, block: int = 0) -> SimulatedCaseload:
    """Replications ``first`` .. ``first + count - 1`` (or consumer block ``block`` of
    them, for caseloads above BLOCK_CONSUMERS) stacked into one SimulatedCaseload, in
    named steps: each replication's draws, its coaches, its consumers with their cases
    and outcomes, and their service lines."""
    sc = scenario
    start = to_day(sc.caseload.start_date)
    end = horizon_end(sc)  # first day after the horizon
    draws = [_draw(sc, seq, block) for seq in seeds(sc, first, count)]
    coaches = _coaches(sc, draws, first, count, start)
    cases, outcomes, per_case = _consumers(sc, draws, first, count, block, start, end)
    services, case_of_line = _service_lines(sc, draws, count, cases, coaches, per_case, end)
    return SimulatedCaseload(
        reps=per_case["reps"],
        first_rep=first,
        n_reps=count,
        cases=cases,
        coaches=coaches,
        services=services,
        case_idx=case_of_line,
        coach_idx=per_case["coach_idx"][case_of_line],
        outcomes=outcomes,
        start=start,
        horizon_end=end,
        block=block,
    )


def _coaches(sc: Scenario, draws: list[dict], first: int, count: int, start: int) -> dict:
    """Every replication's coaches: credential, training, rate, paperwork, provider."""
    cc = sc.caseload.coaches
    n_coaches = cc.providers * cc.coaches_per_provider
    CU = np.concatenate([d["coach_u"] for d in draws])
    CZ = np.concatenate([d["coach_z"] for d in draws])
    coach_rep = np.repeat(np.arange(first, first + count), n_coaches)
    coach_local = np.tile(np.arange(n_coaches), count)
    provider_of_coach = coach_local // cc.coaches_per_provider
    mix = cc.credential_mix
    cred_idx = _pick(CU[:, 0], [mix.get(k, 0.0) for k in CREDENTIAL_CHOICES])
    cred_name = np.array(CREDENTIAL_CHOICES, dtype=object)[cred_idx]
    in_training = cred_name == "none_in_training"
    training_start = np.where(
        in_training,
        start - np.floor(CU[:, 1] * cc.training_months_max * DAYS_PER_MONTH).astype(np.int64),
        NEVER,
    )
    cco = CU[:, 2] < cc.cco_share
    return {
        "rep": coach_rep,
        "coach_id": coach_local,  # numbers here; text ids only in tables()
        "hourly_rate": np.round(
            np.clip(cc.rate_mean + cc.rate_sd * CZ, cc.rate_min, cc.rate_max), 2
        ),
        "credential": np.where(in_training, "none", cred_name).astype(object),
        "training_started_on": training_start.astype(np.int64),
        "w9_on_file": CU[:, 3] < cc.w9_share,
        "liability_insurance": CU[:, 4] < cc.insurance_share,
        # a coach credentialed through CRP accreditation works for that CRP (IA-CREDENTIAL)
        "independent": cco | ((CU[:, 5] < cc.independent_share) & (cred_name != "crp_accredited")),
        "cco_approved": cco,
        "provider_id": provider_of_coach,
        "_n": len(coach_rep),
    }


def _consumers(
    sc: Scenario, draws: list[dict], first: int, count: int, block: int, start: int, end: int
) -> tuple[dict, dict, dict]:
    """Every replication's consumers: their cases (the contract's columns), their
    outcomes, and what their service lines are drawn from (``per_case``)."""
    cl, sv, oc, au = sc.caseload, sc.services, sc.outcomes, sc.authorizations
    cc = cl.coaches
    n_coaches = cc.providers * cc.coaches_per_provider
    U = np.concatenate([d["case_u"] for d in draws])
    Z = np.concatenate([d["case_z"] for d in draws])
    n = len(draws[0]["case_u"])  # consumers of each replication in this chunk
    reps = np.repeat(np.arange(first, first + count), n)
    local = np.tile(np.arange(n) + block * BLOCK_CONSUMERS, count)
    need = _pick(U[:, 0], [cl.need_mix.get(k, 0.0) for k in NEEDS])
    weights = np.stack([d["provider_w"] / d["provider_w"].sum() for d in draws])
    cum = np.cumsum(weights, axis=1)
    cum[:, -1] = 1.0 + 1e-12
    rep_local = reps - first
    provider = (U[:, 1][:, None] >= cum[rep_local]).sum(axis=1)
    coach_in_provider = np.minimum(
        (U[:, 2] * cc.coaches_per_provider).astype(np.int64), cc.coaches_per_provider - 1
    )
    coach_idx_case = rep_local * n_coaches + provider * cc.coaches_per_provider + coach_in_provider
    hire = _hires(sc, U[:, 3], start)

    work = _by_need(cl.work_hours_per_week, need)
    initial = _by_need(sv.initial_share, need)
    fade = np.clip(
        _by_need(sv.fade_per_week, need) * np.exp(sv.fade_spread * Z[:, 0] - sv.fade_spread**2 / 2),
        1e-4,
        0.95,
    )
    ratio = sv.stabilization_share / initial
    stab_week = np.where(ratio >= 1, 0, np.ceil(np.log(np.minimum(ratio, 1)) / np.log1p(-fade)))
    stab_week = np.minimum(stab_week, sv.max_weeks).astype(np.int64)

    hazard = _by_need(oc.weekly_job_loss, need)
    weeks_employed = np.floor(np.log(1 - U[:, 4]) / np.log1p(-np.minimum(hazard, 0.999999)))
    weeks_employed = np.minimum(weeks_employed, 10_000).astype(np.int64)
    job_end = hire + 7 * weeks_employed + np.floor(U[:, 5] * 7).astype(np.int64)
    tenure = job_end - hire

    stabilized = stab_week < weeks_employed  # stabilized before the job was lost
    stab_day = hire + 7 * stab_week
    stabilized_on = np.where(stabilized & (stab_day < end), stab_day, NEVER)

    obj_days = np.maximum(
        1,
        np.round(
            _by_need(oc.objectives_median_days, need) * np.exp(oc.objectives_spread * Z[:, 1])
        ),
    ).astype(np.int64)
    obj_met = obj_days <= tenure
    window = 90  # the outcome's own fixed window; the benchmark reads its rulebook's window
    objectives_met_on = np.where(obj_met, hire + obj_days, NEVER)

    coach_weeks = np.minimum(np.where(stabilized, stab_week, weeks_employed), sv.max_weeks)
    plan_state = _pick(
        U[:, 6],
        [1 - sv.plan_late_share - sv.plan_missing_share, sv.plan_late_share, sv.plan_missing_share],
    )
    plan_day = np.select(
        [plan_state == 0, plan_state == 1],
        [
            hire - np.floor(U[:, 7] * 14).astype(np.int64),
            hire + 1 + np.floor(U[:, 7] * 21).astype(np.int64),
        ],
        NEVER,
    )
    # reports: on time (the last one received by the horizon's end covers every service),
    # or late by 1 .. 2 x report_delay_days, from the same uniform that makes them late
    late = U[:, 13] < oc.report_late_share
    late_by = np.floor(U[:, 13] / max(oc.report_late_share, 1e-12) * 2 * oc.report_delay_days)
    report_delay = np.where(late, 1 + late_by, 0).astype(np.int64)
    withdrawn = U[:, 8] < oc.withdrawal_share
    notice = np.where(
        withdrawn, hire + np.floor(U[:, 9] * np.maximum(coach_weeks, 1) * 7).astype(np.int64), NEVER
    )
    cases = {
        "case_id": local,
        "authorized_from": hire,
        "authorized_to": hire + 7 * au.length_weeks - 1,
        "authorized_hours": _by_need(au.hours, need).astype(np.float64),
        "plan_approved_on": plan_day.astype(np.int64),
        "with_placement": U[:, 10] < sv.placement_share,
        "offsite_approved": U[:, 11] < sv.offsite_approved_share,
        "concurrent_services": np.where(
            U[:, 12] < sv.concurrent_assessment_share, "vocational_assessment", ""
        ).astype(object),
        "withdrawal_notice_on": notice.astype(np.int64),
        "reports_current": ~late,
        "needs_customized_training": U[:, 14] >= sv.no_customized_training_share,
        "employer_can_train": U[:, 15] < sv.employer_can_train_share,
        "stabilized_on": stabilized_on.astype(np.int64),
        "need": np.array(NEEDS, dtype=object)[need],
        # off-site approvals are simulated as yes/no, not dated (assumption); the last
        # report received by the horizon's end covers services up to its delay before it
        "offsite_approved_on": np.full(len(reps), NEVER, dtype=np.int64),
        "last_report_on": (end - 1 - report_delay).astype(np.int64),
        "_n": len(reps),
    }
    outcomes = {
        "need": np.array(NEEDS, dtype=object)[need],
        "provider": provider,
        "provider_id": provider,
        "employment_start": hire,
        "job_end": job_end,
        "tenure_days": tenure,
        "objectives_days": np.where(obj_met, obj_days, NEVER),
        "objectives_met_on": objectives_met_on.astype(np.int64),
        "objectives_within_90d": obj_met & (obj_days <= window),
        "stabilized": stabilized,
        "stabilized_day": np.where(stabilized, stab_day, NEVER),
        "weeks_to_stabilization": np.where(stabilized, stab_week, np.nan),
        "job_lost_in_horizon": job_end < end,
        "retained_90d": tenure >= 90,
        "coach_weeks": coach_weeks,
        "report_delay_days": report_delay,
        "coach_idx": coach_idx_case,
    }

    per_case = {
        "reps": reps,
        "rep_local": rep_local,
        "hire": hire,
        "work": work,
        "initial": initial,
        "fade": fade,
        "coach_weeks": coach_weeks,
        "coach_idx": coach_idx_case,
    }
    return cases, outcomes, per_case


def _service_lines(
    sc: Scenario,
    draws: list[dict],
    count: int,
    cases: dict,
    coaches: dict,
    per_case: dict,
    end: int,
) -> tuple[dict, np.ndarray]:
    """Every case's service lines: sessions_per_week lines per coaching week, within the
    horizon, drawn per replication in order (each replication's own generator); with each
    line's case."""
    sv = sc.services
    reps, rep_local, hire = per_case["reps"], per_case["rep_local"], per_case["hire"]
    work, initial, fade = per_case["work"], per_case["initial"], per_case["fade"]
    coach_weeks, coach_idx_case = per_case["coach_weeks"], per_case["coach_idx"]
    S = sv.sessions_per_week
    per_case = coach_weeks * S
    total = int(per_case.sum())
    case_of_line = np.repeat(np.arange(len(reps)), per_case)
    offset = np.arange(total) - np.repeat(np.cumsum(per_case) - per_case, per_case)
    week = offset // S
    session = offset % S
    # line draws, per replication in order (each rep's own generator)
    line_counts = np.bincount(rep_local[case_of_line], minlength=count)
    LU = np.concatenate(
        [d["line_rng"].random((int(k), 4)) for d, k in zip(draws, line_counts, strict=True)]
    )
    day = (
        hire[case_of_line]
        + 7 * week
        + (session * 5) // S
        + np.floor(LU[:, 0] * (5 // S)).astype(np.int64)
    )
    share = initial[case_of_line] * (1 - fade[case_of_line]) ** week
    hours = np.maximum(0.25, np.round(work[case_of_line] * share / S * 4) / 4)
    grouped = LU[:, 1] < sv.group_share
    sizes = np.array(sorted(sv.group_sizes), dtype=np.int64)
    size_pick = sizes[_pick(LU[:, 2], [sv.group_sizes[k] for k in sorted(sv.group_sizes)])]
    off_site = LU[:, 3] < sv.offsite_share
    wrong_code = (LU[:, 3] >= sv.offsite_share) & (
        LU[:, 3] < sv.offsite_share + sv.wrong_code_share
    )
    keep = day < end
    sel = np.flatnonzero(keep)
    case_of_line = case_of_line[sel]
    services = {
        "service_id": np.arange(len(sel), dtype=np.int64),
        "case_id": cases["case_id"][case_of_line],
        "coach_id": coaches["coach_id"][coach_idx_case[case_of_line]],
        "date": day[sel],
        "hours": hours[sel],
        "setting": _labels("on_site", "off_site")[off_site[sel].astype(np.intp)],
        "consumer_present": ~off_site[sel],
        "group_size": np.where(grouped[sel], size_pick[sel], 1),
        "service_code": _labels("575", "999")[wrong_code[sel].astype(np.intp)],
        "group_approved": np.ones(len(sel), dtype=bool),  # groups are simulated as approved
        "_n": len(sel),
    }
    return services, case_of_line
