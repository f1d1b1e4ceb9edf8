-- Rule budget_forecast: members not yet over their hard limit whose projected spend reaches it
-- before the period ends (marts.budget_status built for as_of), where the forecast has earned a
-- line: at least %(forecast_min_days)s days of the period observed, and a median backtested error
-- for that budget (marts.budget_forecast_backtest: past months forecast from as many days or
-- fewer) at most %(forecast_max_error)s (a fraction). A budget without a backtest (no complete
-- past month, or not monthly) is never forecast in the post. Posted once per budget, member and
-- period (the rule drops subjects already in the alert log).
with backtest as (
    select
        b.budget_name,
        count(*) as backtests,
        percentile_cont(0.5) within group (order by b.abs_pct_error) as median_error
    from marts.budget_forecast_backtest as b
    inner join (
        select budget_name, max(days_elapsed) as days_elapsed
        from marts.budget_status
        where as_of = %(as_of)s::date
        group by budget_name
    ) as s on s.budget_name = b.budget_name
    where b.as_of = %(as_of)s::date
        and b.abs_pct_error is not null
        and b.days_observed <= greatest(s.days_elapsed, %(forecast_min_days)s)
    group by b.budget_name
)

select
    s.budget_name,
    s.scope,
    s.scope_value,
    s.member,
    s.period_label,
    s.period_start,
    s.period_end,
    s.days_elapsed,
    s.limit_usd,
    s.spent_usd,
    s.pct_used,
    s.projected_spend_usd,
    s.projected_limit_date,
    s.forecast_method,
    backtest.backtests,
    backtest.median_error
from marts.budget_status as s
inner join backtest on backtest.budget_name = s.budget_name
where s.as_of = %(as_of)s::date
    and s.projected_breach
    and s.projected_limit_date < s.period_end
    and s.member <> '(untagged)'
    and s.days_elapsed >= %(forecast_min_days)s
    and backtest.median_error <= %(forecast_max_error)s
order by s.projected_limit_date, s.budget_name, s.member
