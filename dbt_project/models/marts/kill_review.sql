-- Monthly kill review: the least used quarter of features in the last complete month before
-- as_of, with what they cost. Usage is measured in calls (usage_source says so, for when a
-- better product-usage measure is wired in). (untagged) is not a feature one can kill.
{%- set month = last_complete_month() %}

with

monthly as (

    select
        feature,
        sum(calls) as calls,
        sum(cost_usd) as cost_usd

    from {{ ref('fct_llm_costs_daily') }}
    where day >= {{ date_literal(month[0]) }}
      and day < {{ date_literal(month[1]) }}
      and feature <> {{ untagged_label() }}
    group by feature

),

ranked as (

    select
        *,
        -- ties in usage: the costlier feature is the better kill candidate
        ntile(4) over (order by calls, cost_usd desc, feature) as usage_quartile,
        rank() over (order by calls) as usage_rank,
        count(*) over () as features_in_month

    from monthly

)

select
    {{ date_literal(month[0]) }} as month_start,
    {{ date_literal(month[1]) }} as month_end,
    feature,
    calls,
    cost_usd,
    {{ safe_divide('cost_usd', 'calls') }} as cost_per_call,
    usage_rank,
    features_in_month,
    'calls' as usage_source,
    {{ as_of_date() }} as as_of

from ranked
where usage_quartile = 1
