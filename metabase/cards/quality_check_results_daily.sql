-- Data-quality trend: per UTC day and check, how many evaluations ran and how many failed
-- (raw.data_quality_results, written by the asset checks on llm_calls). Default window: the days
-- every chart shows (marts.reporting_window, ending at the last complete day: today's checks are
-- in "Latest result of every check"); the date filters are half-open.
with anchor as (
    select window_start, window_end from marts.reporting_window
)

select
    (r.checked_at at time zone 'UTC')::date as day,
    r.check_name,
    count(*) as evaluations,
    count(*) filter (where not r.passed) as failures
from raw.data_quality_results as r
cross join anchor
where (r.checked_at at time zone 'UTC')::date >= coalesce([[{{date_from}},]] anchor.window_start)
    and (r.checked_at at time zone 'UTC')::date < coalesce([[{{date_to}},]] anchor.window_end)
group by (r.checked_at at time zone 'UTC')::date, r.check_name
order by day, r.check_name
