-- How good the forecast is: for each monthly budget and member, the three complete months before
-- the current one, forecast from 7, 14 and 21 days into the month with the same method as
-- marts.budget_status, against what the month actually cost.
with

cutoffs as (

    select * from {{ ref('int_budget_forecast_cutoffs') }}
    where purpose = 'backtest'

),

forecast_daily as (

    select * from {{ ref('int_budget_forecast_daily') }}
    where purpose = 'backtest'

),

member_daily as (

    select * from {{ ref('int_budget_member_daily') }}

),

projected as (

    select budget_name, member, cutoff, sum(projected_cost_usd) as projected_remaining_usd
    from forecast_daily
    group by budget_name, member, cutoff

),

actual as (

    select
        cutoffs.budget_name,
        cutoffs.member,
        cutoffs.cutoff,
        -- (typed: the error and its percentage follow; see macros/cross_db/decimals.sql)
        cast(coalesce(sum(member_daily.cost_usd) filter (where member_daily.day < cutoffs.cutoff), 0)
            as {{ type_money() }}) as spent_to_cutoff_usd,
        cast(coalesce(sum(member_daily.cost_usd), 0) as {{ type_money() }}) as actual_usd
    from cutoffs
    left join member_daily
        on member_daily.budget_name = cutoffs.budget_name
        and member_daily.member = cutoffs.member
        and member_daily.day >= cutoffs.period_start
        and member_daily.day < cutoffs.period_end
    group by cutoffs.budget_name, cutoffs.member, cutoffs.cutoff

),

scored as (

    select
        cutoffs.budget_name,
        cutoffs.member,
        cutoffs.period_start as month_start,
        cutoffs.period_end as month_end,
        cutoffs.cutoff,
        {{ dbt.datediff('cutoffs.period_start', 'cutoffs.cutoff', 'day') }} as days_observed,
        cutoffs.forecast_method,
        actual.spent_to_cutoff_usd,
        cast(actual.spent_to_cutoff_usd + coalesce(projected.projected_remaining_usd, 0) as decimal(20, 6))
            as projected_usd,
        actual.actual_usd
    from cutoffs
    inner join actual
        on actual.budget_name = cutoffs.budget_name
        and actual.member = cutoffs.member
        and actual.cutoff = cutoffs.cutoff
    left join projected
        on projected.budget_name = cutoffs.budget_name
        and projected.member = cutoffs.member
        and projected.cutoff = cutoffs.cutoff

)

select
    {{ surrogate_key(['budget_name', 'member', 'cutoff']) }} as backtest_key,
    {{ as_of_date() }} as as_of,
    scored.*,
    projected_usd - actual_usd as error_usd,
    {{ safe_divide('abs(projected_usd - actual_usd)', 'actual_usd') }} as abs_pct_error
from scored
