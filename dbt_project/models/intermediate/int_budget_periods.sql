-- Each budget's current period for as_of. as_of is the exclusive end of the data (the day being
-- built is incomplete), so the current period is the one containing the LAST COMPLETE day,
-- as_of - 1: on as_of = 2026-04-01 the monthly period is March (complete, 0 days remaining); on
-- 2026-04-02 it is April, with one day of data. Calendar weeks start on Monday (ISO). A rolling
-- window of N days is [as_of - N, as_of): it slides by one day per day.
with

budgets as (

    select * from {{ ref('stg_budgets__budgets') }}

),

dated as (

    select
        budget_name, parent_name, scope, scope_value, is_per_member, filters, period_kind, period_days,
        period_label, limit_usd, thresholds, hard_limit, hard_limit_usd,
        {{ as_of_date() }} as as_of,
        ({{ as_of_date() }} - 1)::timestamp as last_day
    from budgets

),

bounded as (

    select
        dated.*,
        case period_kind
            when 'daily' then last_day::date
            when 'weekly' then date_trunc('week', last_day)::date
            when 'monthly' then date_trunc('month', last_day)::date
            else as_of - period_days
        end as period_start,
        case period_kind
            when 'daily' then (last_day + interval '1 day')::date
            when 'weekly' then (date_trunc('week', last_day) + interval '7 days')::date
            when 'monthly' then (date_trunc('month', last_day) + interval '1 month')::date
            else as_of
        end as period_end
    from dated

)

select
    budget_name, parent_name, scope, scope_value, is_per_member, filters,
    period_kind, period_days, period_label, limit_usd, thresholds, hard_limit, hard_limit_usd,
    as_of, period_start, period_end,
    as_of - period_start as days_elapsed,
    period_end - as_of as days_remaining
from bounded
