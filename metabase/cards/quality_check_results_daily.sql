-- Data-quality trend: per UTC day and check, how many evaluations ran and how many failed
-- (raw.data_quality_results, written by the asset checks on llm_calls). Default window: the 30
-- days ending at the newest result; the date filters are half-open.
with anchor as (
    select (max(checked_at) at time zone 'UTC')::date as last_day from raw.data_quality_results
)

select
    (r.checked_at at time zone 'UTC')::date as day,
    r.check_name,
    count(*) as evaluations,
    count(*) filter (where not r.passed) as failures
from raw.data_quality_results as r
cross join anchor
where (r.checked_at at time zone 'UTC')::date >= coalesce([[{{date_from}},]] anchor.last_day - 29)
    and (r.checked_at at time zone 'UTC')::date < coalesce([[{{date_to}},]] anchor.last_day + 1)
group by (r.checked_at at time zone 'UTC')::date, r.check_name
order by day, r.check_name
