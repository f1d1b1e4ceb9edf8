{{ config(materialized='table') }}
-- The projected spend of each remaining day [cutoff, period_end) for every forecast cutoff.
--
-- Method 'trend_weekday' (>= 28 days of history before the cutoff):
--   1. weekday factors: the mean spend of each ISO weekday over the 28 days before the cutoff,
--      divided by the mean of all 28 days (1 when there was no spend);
--   2. a linear trend (least squares, regr_slope/regr_intercept) fitted to the de-seasonalised
--      series (spend / weekday factor) against the day offset from the cutoff;
--   3. each future day = max(0, intercept + slope * offset) * its weekday factor.
-- Method 'run_rate' (less history): the mean daily spend since the member's first spend.
-- The error of this method on past months is in marts.budget_forecast_backtest.
with

cutoffs as (

    select * from {{ ref('int_budget_forecast_cutoffs') }}
    where forecast_method <> 'none' and period_end > cutoff

),

member_daily as (

    select * from {{ ref('int_budget_member_daily') }}

),

history as (

    select
        cutoffs.purpose,
        cutoffs.budget_name,
        cutoffs.member,
        cutoffs.cutoff,
        series.day,
        {{ day_iso_weekday('series.day') }} as iso_weekday,
        cast({{ dbt.datediff('cutoffs.cutoff', 'series.day', 'day') }} as {{ type_double() }}) as day_offset,
        cast(coalesce(member_daily.cost_usd, 0) as {{ type_double() }}) as cost_usd
    from cutoffs
    cross join {{ day_series(add_days('cutoffs.cutoff', -28), 'cutoffs.cutoff', 'series', 'day') }}
    left join member_daily
        on member_daily.budget_name = cutoffs.budget_name
        and member_daily.member = cutoffs.member
        and member_daily.day = series.day
    where cutoffs.forecast_method = 'trend_weekday'

),

overall as (

    select purpose, budget_name, member, cutoff, avg(cost_usd) as mean_cost
    from history
    group by purpose, budget_name, member, cutoff

),

weekday_factors as (

    select
        history.purpose,
        history.budget_name,
        history.member,
        history.cutoff,
        history.iso_weekday,
        case when overall.mean_cost > 0 then avg(history.cost_usd) / overall.mean_cost else 1.0 end as factor
    from history
    inner join overall
        on overall.purpose = history.purpose
        and overall.budget_name = history.budget_name
        and overall.member = history.member
        and overall.cutoff = history.cutoff
    group by history.purpose, history.budget_name, history.member, history.cutoff, history.iso_weekday,
        overall.mean_cost

),

trend as (

    select
        history.purpose,
        history.budget_name,
        history.member,
        history.cutoff,
        regr_intercept(history.cost_usd / weekday_factors.factor, history.day_offset) as intercept,
        regr_slope(history.cost_usd / weekday_factors.factor, history.day_offset) as slope,
        avg(history.cost_usd / weekday_factors.factor) as level
    from history
    inner join weekday_factors
        on weekday_factors.purpose = history.purpose
        and weekday_factors.budget_name = history.budget_name
        and weekday_factors.member = history.member
        and weekday_factors.cutoff = history.cutoff
        and weekday_factors.iso_weekday = history.iso_weekday
    -- a weekday that never spends is projected at 0 and says nothing about the level
    where weekday_factors.factor > 0
    group by history.purpose, history.budget_name, history.member, history.cutoff

),

run_rate as (

    select
        cutoffs.purpose,
        cutoffs.budget_name,
        cutoffs.member,
        cutoffs.cutoff,
        cast(coalesce(sum(member_daily.cost_usd), 0) as {{ type_double() }})
            / greatest({{ dbt.datediff('cutoffs.first_spend_day', 'cutoffs.cutoff', 'day') }}, 1) as daily_rate
    from cutoffs
    left join member_daily
        on member_daily.budget_name = cutoffs.budget_name
        and member_daily.member = cutoffs.member
        and member_daily.day >= cutoffs.first_spend_day
        and member_daily.day < cutoffs.cutoff
    where cutoffs.forecast_method = 'run_rate'
    group by cutoffs.purpose, cutoffs.budget_name, cutoffs.member, cutoffs.cutoff, cutoffs.first_spend_day

),

future as (

    select
        cutoffs.purpose,
        cutoffs.budget_name,
        cutoffs.member,
        cutoffs.cutoff,
        cutoffs.forecast_method,
        series.day,
        {{ day_iso_weekday('series.day') }} as iso_weekday,
        cast({{ dbt.datediff('cutoffs.cutoff', 'series.day', 'day') }} as {{ type_double() }}) as day_offset
    from cutoffs
    cross join {{ day_series('cutoffs.cutoff', 'cutoffs.period_end', 'series', 'day') }}

)

select
    future.purpose,
    future.budget_name,
    future.member,
    future.cutoff,
    future.day,
    future.forecast_method,
    cast((case
        when future.forecast_method = 'trend_weekday' then
            greatest(coalesce(trend.intercept + trend.slope * future.day_offset, trend.level, 0), 0)
            * coalesce(weekday_factors.factor, 1)
        else coalesce(run_rate.daily_rate, 0)
    end) as decimal(20, 10)) as projected_cost_usd
from future
left join trend
    on trend.purpose = future.purpose
    and trend.budget_name = future.budget_name
    and trend.member = future.member
    and trend.cutoff = future.cutoff
left join weekday_factors
    on weekday_factors.purpose = future.purpose
    and weekday_factors.budget_name = future.budget_name
    and weekday_factors.member = future.member
    and weekday_factors.cutoff = future.cutoff
    and weekday_factors.iso_weekday = future.iso_weekday
left join run_rate
    on run_rate.purpose = future.purpose
    and run_rate.budget_name = future.budget_name
    and run_rate.member = future.member
    and run_rate.cutoff = future.cutoff
