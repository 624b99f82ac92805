"""Providers' responses to how they are paid, applied per scheme: the scenario a scheme's
own caseload is simulated from when a scenario turns ``responses:`` on.

Why: "payment for performance" exists to change what providers do, and the evidence
(``published_figures.md``, "Responses to payment design") says it does: paid milestones
reached more often, fewer hard cases accepted under outcome pay, hours billed and fading
slower under hourly pay. With the responses off every scheme prices one caseload and the
model is an accounting comparison; with them on, each scheme gets its own caseload.

How each response changes the inputs (each an interpretation of a direction the sources
give without a size; the sizes are ``Responses``' named assumptions):

- a scheme paid on outcomes (its kind is ``outcome``):
  - creaming: the high-need share of ``caseload.need_mix`` x (1 - creaming), the rest
    taken as medium need (the provider accepts easier cases in their place);
  - milestone attainment: ``outcomes.weekly_job_loss`` x (1 - milestone_gain);
  - faster stabilization: ``services.fade_per_week`` x (1 + faster_stabilization);
- a scheme paid by the hour or by the unit: ``services.fade_per_week`` x (1 -
  slower_fading).

Every scheme's caseload is simulated from the scenario's seed, so two schemes' consumers
differ only where a response moves them (common random numbers: a consumer's need is
drawn from the same uniform number, so creaming turns the high-need consumers nearest the
boundary into medium need, and only those).
"""

from __future__ import annotations

from jobcoach_model.caseloads.scenario import ByNeed, Responses, Scenario, Scheme

#: at most this weekly fading after a response (the simulator's own bound on a factor)
MAX_FADE = 0.95


def paid_on_outcomes(scheme: Scheme) -> bool:
    """Whether a scheme pays on outcomes (milestones) rather than for hours or units."""
    return scheme.kind == "outcome"


def _scaled(by_need: ByNeed, factor: float, cap: float = 1.0) -> ByNeed:
    return ByNeed(**{k: min(cap, getattr(by_need, k) * factor) for k in ("low", "medium", "high")})


def responded(scenario: Scenario, scheme: Scheme, responses: Responses | None = None) -> Scenario:
    """The scenario ``scheme``'s own caseload is simulated from, with the scenario's
    responses (or ``responses``) applied; only ``scheme`` is priced on it. Without
    responses, the scenario itself with that scheme."""
    r = responses if responses is not None else scenario.responses
    # the responses applied are no longer the scenario's to apply again
    one = scenario.model_copy(update={"schemes": (scheme,), "bridges": (), "responses": None})
    if r is None:
        return one
    caseload, services, outcomes = one.caseload, one.services, one.outcomes
    if paid_on_outcomes(scheme):
        mix = dict(caseload.need_mix)
        moved = mix.get("high", 0.0) * r.creaming
        mix["high"] = mix.get("high", 0.0) - moved
        mix["medium"] = mix.get("medium", 0.0) + moved
        caseload = caseload.model_copy(update={"need_mix": mix})
        outcomes = outcomes.model_copy(
            update={"weekly_job_loss": _scaled(outcomes.weekly_job_loss, 1 - r.milestone_gain)}
        )
        fade = _scaled(services.fade_per_week, 1 + r.faster_stabilization, MAX_FADE)
    else:
        fade = _scaled(services.fade_per_week, 1 - r.slower_fading, MAX_FADE)
    services = services.model_copy(update={"fade_per_week": fade})
    return one.model_copy(update={"caseload": caseload, "services": services, "outcomes": outcomes})


def response_groups(scenario: Scenario) -> list[tuple[Scenario, tuple[Scheme, ...]]]:
    """The scenario's schemes grouped by the caseload they are priced on: one group of
    every scheme with the responses off; with them on, the outcome schemes and the rest,
    each with its own responded scenario (its schemes all priced on it)."""
    if scenario.responses is None:
        return [(scenario, scenario.schemes)]
    groups: dict[bool, list[Scheme]] = {}
    for s in scenario.schemes:
        groups.setdefault(paid_on_outcomes(s), []).append(s)
    out = []
    for schemes in groups.values():
        base = responded(scenario, schemes[0])
        out.append((base.model_copy(update={"schemes": tuple(schemes)}), tuple(schemes)))
    return out
