-- The points a spend forecast is made from: the current one (cutoff = as_of, for
-- marts.budget_status) and, for monthly budgets, backtest cutoffs after one, two and three weeks
-- of each of the three complete months before the current one (marts.budget_forecast_backtest).
-- forecast_method: 'trend_weekday' with at least 28 days of history before the cutoff,
-- 'run_rate' with less, 'none' without any spend before the cutoff.
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

first_spend as (

    select budget_name, member, min(day) as first_spend_day
    from member_daily
    where cost_usd > 0
    group by budget_name, member

),

current_cutoffs as (

    select
        'current' as purpose,
        members.budget_name,
        members.member,
        periods.as_of as cutoff,
        periods.period_start,
        periods.period_end
    from members
    inner join periods on periods.budget_name = members.budget_name
    -- a rolling window ends at as_of: nothing of it lies ahead to forecast
    where periods.period_kind <> 'rolling'

),

backtest_months as (

    select
        periods.budget_name,
        {{ add_months(first_day_of_month(add_days('periods.as_of', -1)), '-months_back.n') }} as month_start,
        {{ add_months(first_day_of_month(add_days('periods.as_of', -1)), '1 - months_back.n') }} as month_end
    from periods
    cross join {{ integer_series(1, 3, 'months_back', 'n') }}
    where periods.period_kind = 'monthly'

),

backtest_members as (

    select distinct
        backtest_months.budget_name,
        member_daily.member,
        backtest_months.month_start,
        backtest_months.month_end
    from backtest_months
    inner join member_daily
        on member_daily.budget_name = backtest_months.budget_name
        and member_daily.day >= backtest_months.month_start
        and member_daily.day < backtest_months.month_end

),

backtest_cutoffs as (

    select
        'backtest' as purpose,
        budget_name,
        member,
        {{ add_days('month_start', '7 * weeks.n') }} as cutoff,
        month_start as period_start,
        month_end as period_end
    from backtest_members
    cross join {{ integer_series(1, 3, 'weeks', 'n') }}

),

cutoffs as (

    select * from current_cutoffs
    union all
    select * from backtest_cutoffs

)

select
    cutoffs.*,
    first_spend.first_spend_day,
    {{ dbt.datediff('cutoffs.cutoff', 'cutoffs.period_end', 'day') }} as days_ahead,
    case
        when first_spend.first_spend_day <= {{ add_days('cutoffs.cutoff', -28) }} then 'trend_weekday'
        when first_spend.first_spend_day < cutoffs.cutoff then 'run_rate'
        else 'none'
    end as forecast_method
from cutoffs
left join first_spend
    on first_spend.budget_name = cutoffs.budget_name
    and first_spend.member = cutoffs.member
