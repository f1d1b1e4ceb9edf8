-- The newest call of every Langfuse project seen in the recent past [since, now), and how many
-- hours old it is. `since` bounds the scan to the last partitions (a project silent for longer
-- than that is no longer listed; the check then fails on "no calls at all" if none is left).
select
    project_id,
    max(ts) as newest_ts,
    extract(epoch from (%(now)s::timestamptz - max(ts))) / 3600.0 as lag_hours
from raw.llm_calls
where ts >= %(since)s
  and ts < %(now)s
group by project_id
order by project_id
