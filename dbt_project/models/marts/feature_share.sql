-- Each feature's share of the 30-day spend, flagged above var feature_share_threshold (20%).
with

by_feature as (

    select
        feature,
        sum(cost_usd) as cost_30d

    from {{ ref('fct_llm_costs_daily') }}
    where {{ day_in_window('day', 30) }}
    group by feature

),

shared as (

    select
        feature,
        cost_30d,
        sum(cost_30d) over () as total_cost_30d,
        {{ safe_divide('cost_30d', 'sum(cost_30d) over ()') }} as share_of_total_30d

    from by_feature

)

select
    feature,
    cost_30d,
    total_cost_30d,
    share_of_total_30d,
    {{ var('feature_share_threshold', 0.2) }}::{{ type_numeric() }} as share_threshold,
    coalesce(share_of_total_30d > {{ var('feature_share_threshold', 0.2) }}, false) as over_threshold,
    {{ as_of_date() }} as as_of

from shared
