-- The calls of the last 30 days [as_of - 30, as_of), labeled, with their model's list price at
-- as_of split into the four token kinds (raw.call_cost is the one cost formula). The base of the
-- what-if and suggestion marts: they estimate savings going forward, so at today's prices.
{{ config(materialized='view', schema='intermediate', tags=['intermediate']) }}

with

calls as (

    select * from {{ ref('stg_langfuse__llm_calls') }}
    where {{ ts_in_window('called_at', 30) }}

),

prices as (

    select * from {{ ref('int_pricing__model_list_prices') }}

)

select
    -- ids
    calls.observation_id,
    {{ label_or_untagged('calls.feature') }} as feature,
    {{ label_or_untagged('calls.user_id') }} as user_id,
    {{ label_or_untagged('calls.prompt_id') }} as prompt_id,
    calls.prompt_version,
    calls.model,
    calls.provider,

    -- numerics
    calls.input_tokens,
    calls.output_tokens,
    calls.cache_read_tokens,
    calls.cache_write_tokens,
    greatest(calls.input_tokens - calls.cache_read_tokens - calls.cache_write_tokens, 0) as uncached_input_tokens,
    calls.cost_usd,
    calls.reported_cost_usd,
    calls.computed_cost_usd,
    prices.input_per_mtok,
    prices.output_per_mtok,
    coalesce(prices.cache_read_per_mtok, prices.input_per_mtok) as cache_read_per_mtok,
    coalesce(prices.cache_write_per_mtok, prices.input_per_mtok) as cache_write_per_mtok,

    -- booleans
    calls.is_unpriced,
    calls.is_error,
    calls.is_cache_hit,
    calls.feature is not null and calls.user_id is not null and calls.prompt_id is not null as is_fully_tagged,

    -- timestamps
    calls.called_at,
    {{ utc_day('calls.called_at') }} as day

from calls
left join prices
    on calls.provider = prices.provider
    and calls.model = prices.model
