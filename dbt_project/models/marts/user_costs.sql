-- Who is profitable: cost and calls per user, last 7 and 30 days side by side.
with

daily as (

    select * from {{ ref('fct_llm_costs_daily') }}
    where {{ day_in_window('day', 30) }}

),

by_user as (

    select
        user_id,
        coalesce(sum(cost_usd) filter (where {{ day_in_window('day', 7) }}), 0) as cost_7d,
        coalesce(sum(calls) filter (where {{ day_in_window('day', 7) }}), 0) as calls_7d,
        sum(cost_usd) as cost_30d,
        sum(calls) as calls_30d,
        -- (untagged) is not a feature a user touched
        count(distinct feature) filter (where feature <> {{ untagged_label() }}) as features_touched_30d

    from daily
    group by user_id

)

select
    user_id,
    cost_7d,
    calls_7d,
    cost_30d,
    calls_30d,
    features_touched_30d,
    {{ safe_divide('cost_30d', 'calls_30d') }} as cost_per_call_30d,
    rank() over (order by cost_30d desc) as cost_rank_30d,
    {{ as_of_date() }} as as_of

from by_user
