-- Monthly kill review: the least used quarter of features in the last complete month before
-- as_of, with what they cost. Usage is real product usage (events from Plausible or a CSV,
-- raw.feature_usage) when the warehouse holds any for that month, LLM calls otherwise;
-- usage_source says which, and `uses` is the measure ranked on. While usage exists, a feature
-- with LLM cost and no usage rows counts 0 events (usage_tracked = false: unused, or its event is
-- missing from the event map) -- the strongest candidate. (untagged) is not a feature one can kill.
{%- set month = last_complete_month() %}

with

monthly_costs as (

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

monthly_usage as (

    select
        feature,
        sum(events) as events,
        sum(visitors) as visitors,
        max(usage_source) as usage_source

    from {{ ref('stg_plausible__feature_usage') }}
    where day >= {{ date_literal(month[0]) }}
      and day < {{ date_literal(month[1]) }}
    group by feature

),

-- One row: the month's usage source, NULL without usage. Mixed sources: 'plausible' wins.
usage_in_month as (

    select max(usage_source) as usage_source
    from monthly_usage

),

measured as (

    select
        c.feature,
        c.calls,
        c.cost_usd,
        s.usage_source is not null as has_usage,
        coalesce(s.usage_source, 'calls') as usage_source,
        case when s.usage_source is not null then coalesce(u.events, 0) end as events,
        case when s.usage_source is not null then coalesce(u.visitors, 0) end as visitors,
        case when s.usage_source is not null then u.feature is not null end as usage_tracked,
        case when s.usage_source is not null then coalesce(u.events, 0) else c.calls end as uses

    from monthly_costs as c
    cross join usage_in_month as s
    left join monthly_usage as u on u.feature = c.feature

),

ranked as (

    select
        *,
        -- ties in usage: the costlier feature is the better kill candidate
        ntile(4) over (order by uses, cost_usd desc, feature) as usage_quartile,
        rank() over (order by uses) as usage_rank,
        count(*) over () as features_in_month

    from measured

)

select
    {{ date_literal(month[0]) }} as month,
    {{ date_literal(month[0]) }} as month_start,
    {{ date_literal(month[1]) }} as month_end,
    feature,
    calls,
    cost_usd,
    {{ safe_divide('cost_usd', 'calls') }} as cost_per_call,
    events,
    visitors,
    usage_tracked,
    uses,
    {{ safe_divide('cost_usd', 'uses') }} as cost_per_use,
    usage_rank,
    features_in_month,
    usage_source,
    {{ as_of_date() }} as as_of

from ranked
where usage_quartile = 1
