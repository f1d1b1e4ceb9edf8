-- Per budget and member, the current period for as_of (the period containing the last complete
-- day, as_of - 1; see int_budget_periods): limit, spend so far, thresholds crossed, status, and
-- the forecast to the end of the period. Spend from an earlier period never counts.
with

periods as (

    select * from {{ ref('int_budget_periods') }}

),

members as (

    select * from {{ ref('int_budget_members') }}

),

member_daily as (

    select * from {{ ref('int_budget_member_daily') }}

),

forecast_cutoffs as (

    select * from {{ ref('int_budget_forecast_cutoffs') }}
    where purpose = 'current'

),

forecast_daily as (

    select * from {{ ref('int_budget_forecast_daily') }}
    where purpose = 'current'

),

spend as (

    select
        members.budget_name,
        members.member,
        -- (typed: differences and percentages of these follow; see macros/cross_db/decimals.sql)
        cast(coalesce(sum(member_daily.cost_usd) filter (
            where member_daily.day >= periods.period_start and member_daily.day < periods.as_of
        ), 0) as {{ type_money() }}) as spent_usd,
        -- rolling windows: the part of today's window that stays in tomorrow's
        cast(coalesce(sum(member_daily.cost_usd) filter (
            where member_daily.day >= {{ add_days('periods.as_of', '1 - periods.period_days') }}
                and member_daily.day < periods.as_of
        ), 0) as {{ type_money() }}) as rolling_carry_usd
    from members
    inner join periods on periods.budget_name = members.budget_name
    left join member_daily
        on member_daily.budget_name = members.budget_name
        and member_daily.member = members.member
    group by members.budget_name, members.member

),

cumulative as (

    select
        member_daily.budget_name,
        member_daily.member,
        member_daily.day,
        periods.hard_limit_usd,
        sum(member_daily.cost_usd) over (
            partition by member_daily.budget_name, member_daily.member order by member_daily.day
        ) as cumulative_usd
    from member_daily
    inner join periods on periods.budget_name = member_daily.budget_name
    where member_daily.day >= periods.period_start and member_daily.day < periods.as_of

),

exceeded as (

    select budget_name, member, min(day) as exceeded_since
    from cumulative
    where hard_limit_usd is not null and cumulative_usd >= hard_limit_usd
    group by budget_name, member

),

projected as (

    select
        budget_name,
        member,
        day,
        sum(projected_cost_usd) over (partition by budget_name, member order by day) as projected_cumulative_usd
    from forecast_daily

),

projection as (

    select budget_name, member, max(projected_cumulative_usd) as projected_remaining_usd
    from projected
    group by budget_name, member

),

limit_date as (

    select projected.budget_name, projected.member, min(projected.day) as projected_limit_date
    from projected
    inner join spend
        on spend.budget_name = projected.budget_name
        and spend.member = projected.member
    inner join periods on periods.budget_name = projected.budget_name
    where spend.spent_usd + projected.projected_cumulative_usd >= periods.hard_limit_usd
    group by projected.budget_name, projected.member

),

joined as (

    select
        periods.as_of,
        periods.budget_name,
        periods.parent_name,
        periods.scope,
        periods.scope_value,
        spend.member,
        periods.period_kind,
        periods.period_label,
        periods.period_start,
        periods.period_end,
        periods.days_elapsed,
        periods.days_remaining,
        periods.limit_usd,
        periods.hard_limit_usd,
        periods.thresholds,
        periods.hard_limit,
        spend.spent_usd,
        spend.rolling_carry_usd,
        exceeded.exceeded_since,
        coalesce(projection.projected_remaining_usd, 0) as projected_remaining_usd,
        coalesce(forecast_cutoffs.forecast_method, 'none') as forecast_method,
        limit_date.projected_limit_date
    from spend
    inner join periods on periods.budget_name = spend.budget_name
    left join exceeded on exceeded.budget_name = spend.budget_name and exceeded.member = spend.member
    left join projection on projection.budget_name = spend.budget_name and projection.member = spend.member
    left join forecast_cutoffs
        on forecast_cutoffs.budget_name = spend.budget_name and forecast_cutoffs.member = spend.member
    left join limit_date on limit_date.budget_name = spend.budget_name and limit_date.member = spend.member

)

select
    {{ surrogate_key(['budget_name', 'member', 'period_start']) }} as budget_member_period_key,
    as_of,
    budget_name,
    parent_name,
    scope,
    scope_value,
    member,
    period_kind,
    period_label,
    period_start,
    period_end,
    days_elapsed,
    days_remaining,
    limit_usd,
    hard_limit_usd,
    spent_usd,
    greatest(limit_usd - spent_usd, 0) as remaining_usd,
    {{ safe_divide('spent_usd * 100', 'limit_usd') }} as pct_used,
    -- soft thresholds then the hard limit, in percent of the limit, that spend has reached
    {{ array_where(
        dbt.array_append('thresholds', 'hard_limit'), 't',
        condition='limit_usd is not null and spent_usd >= limit_usd * t', value='t * 100'
    ) }} as thresholds_crossed,
    case
        when limit_usd is null then 'ok'
        when spent_usd >= hard_limit_usd then 'exceeded'
        when {{ array_any('thresholds', 't', 'spent_usd >= limit_usd * t') }} then 'warning'
        else 'ok'
    end as status,
    exceeded_since,
    cast(spent_usd / greatest(days_elapsed, 1) as decimal(20, 6)) as daily_avg_usd,
    -- the daily spend that keeps the member within the hard limit for the rest of the period
    -- (rolling: what tomorrow may spend without the window going over)
    case
        when limit_usd is null then null
        when period_kind = 'rolling' then greatest(hard_limit_usd - rolling_carry_usd, 0)
        when days_remaining > 0 then cast(greatest(hard_limit_usd - spent_usd, 0) / days_remaining as decimal(20, 6))
    end as allowed_daily_usd,
    cast(spent_usd + projected_remaining_usd as decimal(20, 6)) as projected_spend_usd,
    {{ safe_divide('(spent_usd + projected_remaining_usd) * 100', 'limit_usd') }} as projected_pct,
    coalesce(exceeded_since, projected_limit_date) as projected_limit_date,
    limit_usd is not null and exceeded_since is null and projected_limit_date is not null as projected_breach,
    forecast_method
from joined
