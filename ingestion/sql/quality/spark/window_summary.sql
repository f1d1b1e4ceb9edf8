-- Spark form of ../window_summary.sql: one row of shares for a window [start, end) of
-- raw.llm_calls, same definitions. raw.ingestion_runs stays in the control Postgres, so
-- ingestion/quality/expectations.py renders its run ids in as literals: {overlapping_run_ids}
-- (runs whose window overlaps this one) and {known_run_ids} (every recorded run).
-- The raw JSON is a string on Spark, so md5 reads it as stored.
select
    calls.calls,
    calls.tagged_calls,
    calls.unpriced_calls,
    rejects.rejects,
    -- an empty window is complete by definition: nothing untagged, unpriced or rejected
    coalesce(calls.tagged_calls / nullif(cast(calls.calls as double), 0), 1.0) as tag_coverage,
    coalesce(calls.unpriced_calls / nullif(cast(calls.calls as double), 0), 0.0) as unpriced_share,
    coalesce(rejects.rejects / nullif(cast(calls.calls + rejects.rejects as double), 0), 0.0) as reject_share
from (
    select
        count(*) as calls,
        count(*) filter (
            where nullif(trim(user_id), '') is not null
              and nullif(trim(feature), '') is not null
              and nullif(trim(prompt_id), '') is not null
        ) as tagged_calls,
        count(*) filter (where cost_source = 'unpriced') as unpriced_calls
    from raw.llm_calls
    where ts >= {window_start}
      and ts < {window_end}
) as calls
cross join (
    select count(distinct coalesce(r.observation_id, md5(r.raw))) as rejects
    from raw.llm_calls_rejects as r
    where array_contains(cast(array({overlapping_run_ids}) as array<string>), r.run_id)
       or (
           (r.run_id is null or not array_contains(cast(array({known_run_ids}) as array<string>), r.run_id))
           and r.rejected_at >= {window_start}
           and r.rejected_at < {window_end}
       )
) as rejects
