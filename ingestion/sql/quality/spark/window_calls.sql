-- Spark form of ../window_calls.sql: the rows of one window of raw.llm_calls (a Parquet table
-- partitioned by ts_month) that the Great Expectations suite validates row by row. Bounds are
-- rendered as timestamp literals (the session time zone is UTC), half-open [start, end); the
-- ts_month bounds let Spark prune to the window's monthly partitions.
select
    -- ids
    observation_id,
    -- model
    model,
    cost_source,
    -- numerics
    input_tokens,
    output_tokens,
    cache_read_tokens,
    cache_write_tokens,
    total_tokens,
    cost_usd,
    -- timestamps
    ts
from raw.llm_calls
where ts >= {window_start}
  and ts < {window_end}
  and ts_month >= cast(date_trunc('month', {window_start}) as date)
  and ts_month < cast({window_end} as date) + 1
