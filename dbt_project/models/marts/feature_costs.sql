-- What is eating spend: cost and calls per feature, last 7 and 30 days side by side.
with

daily as (

    select * from {{ ref('fct_llm_costs_daily') }}
    where {{ day_in_window('day', 30) }}

),

by_feature as (

    select
        feature,
        coalesce(sum(cost_usd) filter (where {{ day_in_window('day', 7) }}), 0) as cost_7d,
        coalesce(sum(calls) filter (where {{ day_in_window('day', 7) }}), 0) as calls_7d,
        sum(cost_usd) as cost_30d,
        sum(calls) as calls_30d,
        sum(unpriced_calls) as unpriced_calls_30d,
        sum(error_calls) as error_calls_30d

    from daily
    group by feature

)

select
    feature,
    cost_7d,
    calls_7d,
    cost_30d,
    calls_30d,
    {{ safe_divide('cost_30d', 'calls_30d') }} as cost_per_call_30d,
    {{ safe_divide('cost_30d', 'sum(cost_30d) over ()') }} as share_of_total_30d,
    unpriced_calls_30d,
    error_calls_30d,
    rank() over (order by cost_30d desc) as cost_rank_30d,
    {{ as_of_date() }} as as_of

from by_feature
