-- The token mix of the last 30 days [as_of - 30, as_of) for the price_list_change rule: per
-- provider and model, the calls and their token sums by kind, the uncached input clamped at zero
-- per call as raw.call_cost does. call_cost is linear in these sums, so pricing them once equals
-- pricing every call (up to its rounding to 10 decimal places, here done once rather than per
-- call: under $0.000001 at ten million calls). A few rows per model: on the Spark warehouse the
-- same sums come from the lake (spark/ form), and one pricing query serves both warehouses.
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
where ts >= (%(as_of)s::date - 30)::timestamp at time zone 'UTC'
  and ts < (%(as_of)s::date)::timestamp at time zone 'UTC'
  and provider is not null
  and model is not null
group by 1, 2
