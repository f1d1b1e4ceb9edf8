-- Spark form of ../freshness_by_project.sql (same rows): the newest call of every project in
-- [since, now) on the lake, and its age in hours to the microsecond; the ts_month bound prunes
-- partitions. %(now)s and %(since)s are UTC timestamps as text (the session zone is UTC).
select
    project_id,
    max(ts) as newest_ts,
    (unix_micros(cast(%(now)s as timestamp)) - unix_micros(max(ts))) / 3600000000.0 as lag_hours
from raw.llm_calls
where ts >= cast(%(since)s as timestamp)
  and ts < cast(%(now)s as timestamp)
  and ts_month >= trunc(cast(%(since)s as timestamp), 'MM')
group by project_id
order by project_id
