-- Spark form of ../price_list_change_token_mix.sql (same rows): the 30-day token sums of raw calls
-- in the lake per provider and model, [as_of - 30, as_of) in the UTC session zone; the ts_month
-- bound prunes partitions.
select
    provider,
    model,
    count(*) as calls,
    sum(greatest(coalesce(input_tokens, 0) - coalesce(cache_read_tokens, 0) - coalesce(cache_write_tokens, 0), 0))
        as uncached_input_tokens,
    sum(coalesce(cache_read_tokens, 0)) as cache_read_tokens,
    sum(coalesce(cache_write_tokens, 0)) as cache_write_tokens,
    sum(coalesce(output_tokens, 0)) as output_tokens
from raw.llm_calls
where ts >= cast(date_sub(cast(%(as_of)s as date), 30) as timestamp)
  and ts < cast(cast(%(as_of)s as date) as timestamp)
  and ts_month >= trunc(date_sub(cast(%(as_of)s as date), 30), 'MM')
  and provider is not null
  and model is not null
group by 1, 2
