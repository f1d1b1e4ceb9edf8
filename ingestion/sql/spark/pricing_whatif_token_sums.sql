-- Spark form of ../pricing_whatif_token_sums.sql (the same row) over raw calls on the lake:
-- [as_of - 30 days, as_of) in the UTC session zone; the ts_month bound prunes partitions.
-- %(feature)s is '' for every feature (PyHive renders a Python None as NULL, but a typed test
-- reads clearer than `null is null`).
select
    count(*) as calls,
    count_if(cost_usd is not null) as priced_calls,
    count_if(cost_usd is null) as unpriced_calls,
    coalesce(sum(cost_usd), 0) as current_cost_usd,
    coalesce(sum(case when cost_usd is not null then greatest(coalesce(input_tokens, 0)
        - coalesce(cache_read_tokens, 0) - coalesce(cache_write_tokens, 0), 0) end), 0) as uncached_input_tokens,
    coalesce(sum(case when cost_usd is not null then coalesce(cache_read_tokens, 0) end), 0) as cache_read_tokens,
    coalesce(sum(case when cost_usd is not null then coalesce(cache_write_tokens, 0) end), 0) as cache_write_tokens,
    coalesce(sum(case when cost_usd is not null then coalesce(output_tokens, 0) end), 0) as output_tokens
from raw.llm_calls
where ts >= cast(date_sub(cast(%(as_of)s as date), 30) as timestamp)
  and ts < cast(cast(%(as_of)s as date) as timestamp)
  and ts_month >= trunc(date_sub(cast(%(as_of)s as date), 30), 'MM')
  and (%(feature)s = '' or feature = %(feature)s)
