"""The Kansas rules written as one DuckDB query over the three CSV files: the peer the
benchmark measures ``jobcoach adjudicate --rules KS`` against.

It implements the Kansas defaults (flat rate, service codes, window, plan approved before
the service, on site when combined with placement, no assessment alongside, 15 days'
notice, reports current, the hours cap in date then service_id order, group proration,
per-line half-up cents) and skips every input check our reader makes, so matching its
time while keeping them is the bar. Its output file must equal ours byte for byte.
"""

from __future__ import annotations

from pathlib import Path

QUERY = """
COPY (
WITH
s AS (
  SELECT row_number() OVER () AS pos, *
  FROM read_csv('{services}', all_varchar = true, header = true)
),
c AS (SELECT * FROM read_csv('{cases}', all_varchar = true, header = true)),
truth AS (SELECT * FROM (VALUES ('true', true), ('True', true), ('TRUE', true),
  ('false', false), ('False', false), ('FALSE', false)) t(text, value)),
lines AS (
  SELECT
    s.pos, s.service_id, s.case_id,
    CAST(s.date AS DATE) AS d,
    CAST(round(CAST(s.hours AS DOUBLE) * 1000000) AS BIGINT) AS units,
    coalesce(nullif(s.setting, ''), 'on_site') AS setting,
    coalesce(lower(nullif(s.consumer_present, '')) = 'true', true) AS present,
    coalesce(CAST(nullif(s.group_size, '') AS BIGINT), 1) AS group_size,
    coalesce(s.service_code, '') AS code,
    CAST(c.authorized_from AS DATE) AS auth_from,
    CAST(c.authorized_to AS DATE) AS auth_to,
    CAST(round(CAST(c.authorized_hours AS DOUBLE) * 1000000) AS BIGINT) AS cap,
    CAST(nullif(c.plan_approved_on, '') AS DATE) AS plan,
    coalesce(lower(nullif(c.with_placement, '')) = 'true', false) AS placement,
    coalesce(lower(nullif(c.offsite_approved, '')) = 'true', false) AS offsite_ok,
    coalesce(c.concurrent_services, '') AS concurrent,
    CAST(nullif(c.withdrawal_notice_on, '') AS DATE) AS notice,
    coalesce(lower(nullif(c.reports_current, '')) = 'true', true) AS reports
  FROM s JOIN c USING (case_id)
),
judged AS (
  SELECT *,
    code <> '' AND code NOT IN ('575', '576') AS r_code,
    d < auth_from OR d > auth_to AS r_window,
    plan IS NULL OR plan > d AS r_plan,
    placement AND (setting = 'off_site' OR NOT present) AND NOT offsite_ok AS r_onsite,
    list_has_any(list_transform(string_split(concurrent, ';'), lambda x: trim(x)),
      ['vocational_assessment', 'independent_living_assessment']) AS r_assess,
    notice IS NOT NULL AND d > notice + INTERVAL 15 DAY AS r_notice,
    NOT reports AS r_reports
  FROM lines
),
first_pass AS (
  SELECT *, r_code OR r_window OR r_plan OR r_onsite OR r_assess OR r_notice AS denied0
  FROM judged
),
capped AS (
  SELECT *,
    coalesce(sum(CASE WHEN denied0 THEN 0 ELSE units END) OVER (
      PARTITION BY case_id ORDER BY d, service_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
  FROM first_pass
),
paid AS (
  SELECT *,
    CASE WHEN denied0 THEN 0 ELSE greatest(0, least(units, cap - before)) END AS pay_units
  FROM capped
),
final AS (
  SELECT *,
    NOT denied0 AND pay_units = 0 AS r_hours_deny,
    NOT denied0 AND pay_units > 0 AND pay_units < units AS r_hours_note,
    group_size > 1 AS r_group,
    CASE WHEN group_size > 1 THEN group_size ELSE 1 END AS divisor
  FROM paid
)
SELECT
  service_id,
  CASE WHEN denied0 OR r_hours_deny THEN 'denied' WHEN r_reports THEN 'held' ELSE 'paid' END
    AS status,
  CASE WHEN denied0 OR r_hours_deny THEN 0.0 ELSE pay_units / 1000000.0 END AS payable_hours,
  40.0 AS rate,
  CASE WHEN denied0 OR r_hours_deny THEN 0.0 ELSE
    CAST((2 * pay_units * 400000 + 100000000 * divisor) // (200000000 * divisor) AS DOUBLE)
      / 100 END AS amount,
  'provider' AS payee,
  CASE WHEN denied0 OR r_hours_deny THEN
    concat_ws(';',
      CASE WHEN r_code THEN 'KS-SERVICE-CODE' END,
      CASE WHEN r_window THEN 'KS-PREAUTH-WINDOW' END,
      CASE WHEN r_hours_deny THEN 'KS-PREAUTH-HOURS' END,
      CASE WHEN r_plan THEN 'KS-PLAN' END,
      CASE WHEN r_onsite THEN 'KS-ONSITE' END,
      CASE WHEN r_assess THEN 'KS-NOT-WITH-ASSESSMENT' END,
      CASE WHEN r_notice THEN 'KS-WITHDRAWAL' END)
  ELSE
    concat_ws(';', 'KS-RATE',
      CASE WHEN r_hours_note THEN 'KS-PREAUTH-HOURS' END,
      CASE WHEN r_group THEN 'KS-GROUP-PRORATE' END,
      CASE WHEN r_reports THEN 'KS-REPORTS' END)
  END AS rule_ids
FROM final
ORDER BY pos
) TO '{out}' (HEADER, DELIMITER ',');
"""


def kansas(cases: Path, services: Path, out: Path) -> None:
    """Adjudicate under the Kansas rules with DuckDB, writing ``out`` as CSV."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(QUERY.format(cases=cases, services=services, out=out))
    finally:
        con.close()


if __name__ == "__main__":  # a whole process, as the benchmark times ours
    import sys

    kansas(*(Path(a) for a in sys.argv[1:4]))
