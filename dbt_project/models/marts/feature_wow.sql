-- Week over week per feature: the input of the anomaly alert. current = [as_of - 7, as_of),
-- prev = [as_of - 14, as_of - 7). The root-cause columns tell volume (calls), prompt size
-- (tokens per call), price (cost per 1k tokens) and caching apart.
--
-- Caching is measured on TOKENS, not calls: cache_read_share and cache_write_share are the cache
-- tokens over the input tokens, and cache_cost_factor is what the week's tokens cost after the
-- cache, as a fraction of what they would have cost with no cache at all, each token type at its
-- own rate relative to the model's input rate. Those rates come from the list price at as_of
-- (int_pricing__model_list_prices) for BOTH weeks: a price change then moves the price factor
-- only, and a change in cache use moves the cache factor only. A model with no list price counts
-- its cache tokens at the input rate (no discount known) and they are reported as unrated.
-- (prev_/current_cache_hit_rate, the share of calls with any cache read, is kept for the
-- dashboards; it is not a cost driver: with prompt caching almost every call reads some cache.)
with

daily as (

    select * from {{ ref('fct_llm_costs_daily') }}
    where {{ day_in_window('day', 30) }}

),

list_prices as (

    select * from {{ ref('int_pricing__model_list_prices') }}

),

rated as (

    select
        daily.*,
        -- rates relative to the model's own input rate; NULL when the model has no usable list price
        {{ safe_divide('coalesce(p.cache_read_per_mtok, p.input_per_mtok)', 'p.input_per_mtok') }} as read_rate,
        {{ safe_divide('coalesce(p.cache_write_per_mtok, p.input_per_mtok)', 'p.input_per_mtok') }} as write_rate,
        {{ safe_divide('p.output_per_mtok', 'p.input_per_mtok') }} as output_rate
    from daily
    left join list_prices as p
        on p.provider = daily.provider
        and p.model = daily.model

),

units as (

    select
        *,
        -- input-token equivalents with no cache, and after the cache (the raw.call_cost formula)
        input_tokens + coalesce(output_rate, 1) * output_tokens as list_units,
        case
            when read_rate is null then input_tokens + output_tokens
            else greatest(input_tokens - cache_read_tokens - cache_write_tokens, 0)
                + read_rate * cache_read_tokens
                + write_rate * cache_write_tokens
                + output_rate * output_tokens
        end as billed_units,
        case when read_rate is null then cache_read_tokens + cache_write_tokens else 0 end as unrated_cache_tokens
    from rated

),

weekly as (

    select
        feature,
        coalesce(sum(cost_usd) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_cost,
        coalesce(sum(calls) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_calls,
        coalesce(sum(total_tokens) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_tokens,
        coalesce(sum(cache_hits) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_cache_hits,
        coalesce(sum(input_tokens) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_input_tokens,
        coalesce(sum(cache_read_tokens) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_cache_read_tokens,
        coalesce(sum(cache_write_tokens) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_cache_write_tokens,
        coalesce(sum(unrated_cache_tokens) filter (where {{ day_in_window('day', 7, 7) }}), 0)
            as prev_unrated_cache_tokens,
        sum(list_units) filter (where {{ day_in_window('day', 7, 7) }}) as prev_list_units,
        sum(billed_units) filter (where {{ day_in_window('day', 7, 7) }}) as prev_billed_units,
        coalesce(sum(cost_usd) filter (where {{ day_in_window('day', 7) }}), 0) as current_cost,
        coalesce(sum(calls) filter (where {{ day_in_window('day', 7) }}), 0) as current_calls,
        coalesce(sum(total_tokens) filter (where {{ day_in_window('day', 7) }}), 0) as current_tokens,
        coalesce(sum(cache_hits) filter (where {{ day_in_window('day', 7) }}), 0) as current_cache_hits,
        coalesce(sum(input_tokens) filter (where {{ day_in_window('day', 7) }}), 0) as current_input_tokens,
        coalesce(sum(cache_read_tokens) filter (where {{ day_in_window('day', 7) }}), 0) as current_cache_read_tokens,
        coalesce(sum(cache_write_tokens) filter (where {{ day_in_window('day', 7) }}), 0) as current_cache_write_tokens,
        coalesce(sum(unrated_cache_tokens) filter (where {{ day_in_window('day', 7) }}), 0)
            as current_unrated_cache_tokens,
        sum(list_units) filter (where {{ day_in_window('day', 7) }}) as current_list_units,
        sum(billed_units) filter (where {{ day_in_window('day', 7) }}) as current_billed_units

    from units
    group by feature

)

select
    feature,
    prev_cost,
    current_cost,
    -- a fraction: 0.5 means +50%; NULL when there was nothing to compare with
    case when prev_cost = 0 then null else {{ safe_divide('current_cost - prev_cost', 'prev_cost') }} end as pct_change,
    current_cost - prev_cost as cost_change,
    prev_calls,
    current_calls,
    {{ safe_divide('prev_tokens', 'prev_calls') }} as prev_tokens_per_call,
    {{ safe_divide('current_tokens', 'current_calls') }} as current_tokens_per_call,
    {{ safe_divide('prev_cost * 1000', 'prev_tokens') }} as prev_cost_per_1k_tokens,
    {{ safe_divide('current_cost * 1000', 'current_tokens') }} as current_cost_per_1k_tokens,
    {{ safe_divide('prev_cache_hits', 'prev_calls') }} as prev_cache_hit_rate,
    {{ safe_divide('current_cache_hits', 'current_calls') }} as current_cache_hit_rate,
    {{ window_start(7, 7) }} as prev_week_start,
    {{ window_start(7) }} as current_week_start,
    {{ as_of_date() }} as as_of,
    -- cache on tokens (fractions of the input tokens; NULL when the week had no input tokens)
    prev_input_tokens,
    current_input_tokens,
    prev_cache_read_tokens,
    current_cache_read_tokens,
    prev_cache_write_tokens,
    current_cache_write_tokens,
    {{ safe_divide('prev_cache_read_tokens', 'prev_input_tokens') }} as prev_cache_read_share,
    {{ safe_divide('current_cache_read_tokens', 'current_input_tokens') }} as current_cache_read_share,
    {{ safe_divide('prev_cache_write_tokens', 'prev_input_tokens') }} as prev_cache_write_share,
    {{ safe_divide('current_cache_write_tokens', 'current_input_tokens') }} as current_cache_write_share,
    -- cost after the cache / cost with no cache (1 = no effect, 0.8 = the cache saved 20%)
    {{ safe_divide('prev_billed_units', 'prev_list_units') }} as prev_cache_cost_factor,
    {{ safe_divide('current_billed_units', 'current_list_units') }} as current_cache_cost_factor,
    prev_unrated_cache_tokens,
    current_unrated_cache_tokens

from weekly
