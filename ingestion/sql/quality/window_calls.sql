-- The rows of one window of raw.llm_calls that the Great Expectations suite validates, row by row
-- (uniqueness, bounds, accepted values). Bounds are rendered as literals by
-- ingestion/quality/expectations.py (GX query assets take plain SQL), half-open [start, end), so
-- Postgres prunes to the window's monthly partition. Only the columns the suite reads.
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
