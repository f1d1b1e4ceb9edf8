-- One row of shares for a window [start, end) of raw.llm_calls: the aggregates the "incomplete
-- data" expectations read, computed in Postgres so a month of a million calls never leaves it.
--   tag_coverage:  calls with user_id, feature and prompt_id all present (blank = missing) / calls
--   unpriced_share: calls with cost_source 'unpriced' / calls (a count share: an unpriced call
--                   has no cost to weigh it by)
--   reject_share:  distinct rejected observations of the window / (calls + those rejects). A
--                  reject belongs to the window when the ingestion run that recorded it loaded a
--                  window overlapping it, or (run unknown) when it was rejected inside the window.
--                  Distinct, because every incremental run re-pulls and re-rejects the lookback.
-- Subqueries rather than CTEs: a GX query asset must start with `select`.
select
    calls.calls,
    calls.tagged_calls,
    calls.unpriced_calls,
    rejects.rejects,
    -- an empty window is complete by definition: nothing untagged, unpriced or rejected
    coalesce(calls.tagged_calls::double precision / nullif(calls.calls, 0), 1.0) as tag_coverage,
    coalesce(calls.unpriced_calls::double precision / nullif(calls.calls, 0), 0.0) as unpriced_share,
    coalesce(rejects.rejects::double precision / nullif(calls.calls + rejects.rejects, 0), 0.0) as reject_share
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
    select count(distinct coalesce(r.observation_id, md5(r.raw::text))) as rejects
    from raw.llm_calls_rejects as r
    where r.run_id in (
            select runs.run_id
            from raw.ingestion_runs as runs
            where runs.window_start < {window_end}
              and runs.window_end > {window_start}
        )
       or (
           not exists (select 1 from raw.ingestion_runs as runs where runs.run_id = r.run_id)
           and r.rejected_at >= {window_start}
           and r.rejected_at < {window_end}
       )
) as rejects
