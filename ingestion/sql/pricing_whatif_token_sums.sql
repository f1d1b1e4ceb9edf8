-- The last 30 days [as_of - 30 days, as_of) of one feature's calls (all calls when feature is
-- NULL) as the sums `llmcosts whatif` prices: counts, today's cost, and the tokens by kind of the
-- calls with a cost today (the uncached input clamped at zero per call, as raw.call_cost does).
-- call_cost is linear in these sums, so pricing them once is pricing every call (rounded to 10
-- decimal places once instead of per call). One row; the Spark warehouse computes the same row on
-- the lake (spark/pricing_whatif_token_sums.sql), and pricing_whatif.sql prices it for both.
select
    count(*) as calls,
    count(*) filter (where cost_usd is not null) as priced_calls,
    count(*) filter (where cost_usd is null) as unpriced_calls,
    coalesce(sum(cost_usd), 0) as current_cost_usd,
    coalesce(sum(greatest(coalesce(input_tokens, 0) - coalesce(cache_read_tokens, 0)
                          - coalesce(cache_write_tokens, 0), 0)) filter (where cost_usd is not null), 0)
        as uncached_input_tokens,
    coalesce(sum(coalesce(cache_read_tokens, 0)) filter (where cost_usd is not null), 0) as cache_read_tokens,
    coalesce(sum(coalesce(cache_write_tokens, 0)) filter (where cost_usd is not null), 0) as cache_write_tokens,
    coalesce(sum(coalesce(output_tokens, 0)) filter (where cost_usd is not null), 0) as output_tokens
from raw.llm_calls
where ts >= (%(as_of)s::date - 30)::timestamp at time zone 'UTC'
  and ts < %(as_of)s::date::timestamp at time zone 'UTC'
  and (%(feature)s::text is null or feature = %(feature)s::text)
