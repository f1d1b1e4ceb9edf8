-- Week over week per feature: the input of the anomaly alert. current = [as_of - 7, as_of),
-- prev = [as_of - 14, as_of - 7). The root-cause columns tell volume (calls), prompt size
-- (tokens per call), price (cost per 1k tokens) and caching (cache hit rate) apart.
with

daily as (

    select * from {{ ref('fct_llm_costs_daily') }}
    where {{ day_in_window('day', 30) }}

),

weekly as (

    select
        feature,
        coalesce(sum(cost_usd) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_cost,
        coalesce(sum(calls) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_calls,
        coalesce(sum(total_tokens) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_tokens,
        coalesce(sum(cache_hits) filter (where {{ day_in_window('day', 7, 7) }}), 0) as prev_cache_hits,
        coalesce(sum(cost_usd) filter (where {{ day_in_window('day', 7) }}), 0) as current_cost,
        coalesce(sum(calls) filter (where {{ day_in_window('day', 7) }}), 0) as current_calls,
        coalesce(sum(total_tokens) filter (where {{ day_in_window('day', 7) }}), 0) as current_tokens,
        coalesce(sum(cache_hits) filter (where {{ day_in_window('day', 7) }}), 0) as current_cache_hits

    from daily
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
    {{ as_of_date() }} as as_of

from weekly
