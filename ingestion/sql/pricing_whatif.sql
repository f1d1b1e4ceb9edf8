-- What-if: the last 30 days [as_of - 30 days, as_of) of one feature's calls (all calls when
-- feature is NULL) re-priced on another model, token for token (same uncached input, cache-read,
-- cache-write and output tokens), at that model's price at as_of in the newest price version.
-- Only calls with a cost today are compared; unpriced ones are counted beside. The calls arrive
-- as their token sums (pricing_whatif_token_sums.sql, or its Spark form on the Spark warehouse)
-- in a temporary table: one pricing query for both warehouses.
with

params as (

    select
        %(as_of)s::date as as_of,
        %(provider)s::text as provider,
        %(model)s::text as model,
        raw.current_price_version() as price_version

),

target as (

    select p.*
    from params
    cross join lateral raw.model_price_at(
        params.price_version, params.provider, params.model, params.as_of::timestamp at time zone 'UTC'
    ) as p

),

sums as (

    select * from pg_temp.pricing_whatif_token_sums

)

select
    sums.calls,
    sums.priced_calls,
    sums.unpriced_calls,
    sums.current_cost_usd,
    case when sums.priced_calls > 0 then
        raw.call_cost(
            sums.uncached_input_tokens + sums.cache_read_tokens + sums.cache_write_tokens, sums.output_tokens,
            sums.cache_read_tokens, sums.cache_write_tokens,
            target.input_per_mtok, target.output_per_mtok, target.cache_read_per_mtok, target.cache_write_per_mtok
        )
    end as projected_cost_usd,
    target.model_id as priced_as,
    target.price_version,
    target.source as price_source
from sums
left join target on true
