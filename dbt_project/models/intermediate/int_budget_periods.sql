-- Each budget's current period for as_of. as_of is the exclusive end of the data (the day being
-- built is incomplete), so the current period is the one containing the LAST COMPLETE day,
-- as_of - 1: on as_of = 2026-04-01 the monthly period is March (complete, 0 days remaining); on
-- 2026-04-02 it is April, with one day of data. Calendar weeks start on Monday (ISO). A rolling
-- window of N days is [as_of - N, as_of): it slides by one day per day.
-- The calendar periods are the same for every budget, so they are computed here in Jinja and
-- reach SQL as date literals (as macros/windows.sql does for the reporting windows).
{%- set as_of = as_of_value() %}
{%- set last_day = days_before_as_of(1) %}
{%- set week_start = last_day - modules.datetime.timedelta(days=last_day.weekday()) %}
{%- set month_start = last_day.replace(day=1) %}
{%- set next_month_start = (month_start + modules.datetime.timedelta(days=31)).replace(day=1) %}

with

budgets as (

    select * from {{ ref('stg_budgets__budgets') }}

),

dated as (

    select
        budget_name, parent_name, scope, scope_value, is_per_member, filters, period_kind, period_days,
        period_label, limit_usd, thresholds, hard_limit, hard_limit_usd,
        {{ as_of_date() }} as as_of
    from budgets

),

bounded as (

    select
        dated.*,
        case period_kind
            when 'daily' then {{ date_literal(last_day) }}
            when 'weekly' then {{ date_literal(week_start) }}
            when 'monthly' then {{ date_literal(month_start) }}
            else {{ add_days('as_of', '-period_days') }}
        end as period_start,
        case period_kind
            when 'daily' then {{ date_literal(as_of) }}
            when 'weekly' then {{ date_literal(week_start + modules.datetime.timedelta(days=7)) }}
            when 'monthly' then {{ date_literal(next_month_start) }}
            else as_of
        end as period_end
    from dated

)

select
    budget_name, parent_name, scope, scope_value, is_per_member, filters,
    period_kind, period_days, period_label, limit_usd, thresholds, hard_limit, hard_limit_usd,
    as_of, period_start, period_end,
    {{ dbt.datediff('period_start', 'as_of', 'day') }} as days_elapsed,
    {{ dbt.datediff('as_of', 'period_end', 'day') }} as days_remaining
from bounded
