-- Burn-down of each budget with a limit, for the current period of its member: one row per day of
-- the period, with the actual cumulative spend (days before as_of), the projected cumulative spend
-- (days from as_of, the forecast of budget_status) and the limit, for "forecast against limit".
with

status as (

    select * from {{ ref('budget_status') }}
    where limit_usd is not null and period_kind <> 'rolling'

),

member_daily as (

    select * from {{ ref('int_budget_member_daily') }}

),

forecast_daily as (

    select * from {{ ref('int_budget_forecast_daily') }}
    where purpose = 'current'

),

days as (

    select
        status.budget_name,
        status.member,
        series.day
    from status
    cross join {{ day_series('status.period_start', 'status.period_end', 'series', 'day') }}

),

daily as (

    select
        days.budget_name,
        days.member,
        days.day,
        case when days.day < status.as_of then coalesce(member_daily.cost_usd, 0) end as actual_usd,
        case when days.day >= status.as_of then coalesce(forecast_daily.projected_cost_usd, 0) end as projected_usd,
        status.limit_usd,
        status.hard_limit_usd,
        status.scope,
        status.as_of
    from days
    inner join status on status.budget_name = days.budget_name and status.member = days.member
    left join member_daily
        on member_daily.budget_name = days.budget_name
        and member_daily.member = days.member
        and member_daily.day = days.day
    left join forecast_daily
        on forecast_daily.budget_name = days.budget_name
        and forecast_daily.member = days.member
        and forecast_daily.day = days.day

)

select
    {{ surrogate_key(['budget_name', 'member', 'day']) }} as burndown_key,
    as_of,
    budget_name,
    scope,
    member,
    day,
    case when actual_usd is not null then
        sum(coalesce(actual_usd, 0)) over (partition by budget_name, member order by day)
    end as actual_cumulative_usd,
    sum(coalesce(actual_usd, 0) + coalesce(projected_usd, 0)) over (partition by budget_name, member order by day)
        as projected_cumulative_usd,
    limit_usd,
    hard_limit_usd,
    greatest(limit_usd - sum(coalesce(actual_usd, 0) + coalesce(projected_usd, 0)) over (
        partition by budget_name, member order by day
    ), 0) as remaining_usd
from daily
