-- What-if: the last 30 days [as_of - 30 days, as_of) of one feature's calls (all calls when
-- feature is NULL) re-priced on another model, token for token (same uncached input, cache-read,
-- cache-write and output tokens), at that model's price at as_of in the newest price version.
-- Only calls with a cost today are compared; unpriced ones are counted beside.
with

params as (

    select
        %(as_of)s::date as as_of,
        %(feature)s::text as feature,
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

calls as (

    select c.*
    from raw.llm_calls as c
    cross join params
    where c.ts >= (params.as_of - 30)::timestamp at time zone 'UTC'
      and c.ts < params.as_of::timestamp at time zone 'UTC'
      and (params.feature is null or c.feature = params.feature)

)

select
    count(calls.observation_id) as calls,
    count(calls.observation_id) filter (where calls.cost_usd is not null) as priced_calls,
    count(calls.observation_id) filter (where calls.cost_usd is null) as unpriced_calls,
    coalesce(sum(calls.cost_usd), 0) as current_cost_usd,
    sum(
        raw.call_cost(
            calls.input_tokens, calls.output_tokens, calls.cache_read_tokens, calls.cache_write_tokens,
            target.input_per_mtok, target.output_per_mtok, target.cache_read_per_mtok, target.cache_write_per_mtok
        )
    ) filter (where calls.cost_usd is not null) as projected_cost_usd,
    max(target.model_id) as priced_as,
    max(target.price_version) as price_version,
    max(target.source) as price_source
from params
left join calls on true
left join target on true
