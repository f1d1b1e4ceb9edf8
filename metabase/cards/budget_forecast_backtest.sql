-- How good the forecast has been: mean absolute percentage error per budget and days observed,
-- over the three complete months before the current one (marts.budget_forecast_backtest).
select
    b.budget_name,
    b.days_observed,
    count(*) as forecasts,
    avg(b.abs_pct_error) as mean_abs_pct_error,
    sum(b.actual_usd) as actual_usd,
    sum(b.projected_usd) as projected_usd
from marts.budget_forecast_backtest as b
where b.abs_pct_error is not null
group by b.budget_name, b.days_observed
order by b.budget_name, b.days_observed
