-- Per Langfuse source: the latest finished ingestion run and how long ago it finished. A source
-- whose runs stop, or keep failing, shows up here before anyone misses its data.
with latest_run as (
    select distinct on (r.source_key)
        r.source_key,
        r.status as last_status,
        r.finished_at as last_finished_at,
        r.window_end as last_window_end,
        r.rows_upserted as last_rows_upserted,
        r.rows_rejected as last_rows_rejected
    from raw.ingestion_runs as r
    where r.finished_at is not null
    order by r.source_key, r.finished_at desc
)

select
    lr.source_key,
    lr.last_status,
    lr.last_finished_at,
    lr.last_window_end,
    lr.last_rows_upserted,
    lr.last_rows_rejected,
    round((extract(epoch from now() - lr.last_finished_at) / 3600)::numeric, 1) as hours_since_last_run
from latest_run as lr
order by lr.last_finished_at, lr.source_key
