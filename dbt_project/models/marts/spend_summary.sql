-- Headline numbers, one row per window: 1d = [as_of - 1, as_of), 7d, 30d.
with

windows as (

    select '1d' as time_window, 1 as days, {{ window_start(1) }} as window_start, {{ window_end() }} as window_end
    union all
    select '7d', 7, {{ window_start(7) }}, {{ window_end() }}
    union all
    select '30d', 30, {{ window_start(30) }}, {{ window_end() }}

),

daily as (

    select * from {{ ref('fct_llm_costs_daily') }}
    where {{ day_in_window('day', 30) }}

),

summary as (

    select
        windows.time_window,
        windows.days,
        windows.window_start,
        windows.window_end,
        coalesce(sum(daily.cost_usd), 0) as total_cost,
        coalesce(sum(daily.calls), 0) as calls,
        coalesce(sum(daily.total_tokens), 0) as total_tokens,
        coalesce(sum(daily.unpriced_calls), 0) as unpriced_calls,
        count(distinct daily.user_id) filter (where daily.user_id <> {{ untagged_label() }}) as active_users,
        coalesce(sum(daily.cost_usd) filter (where daily.feature = {{ untagged_label() }}), 0) as untagged_cost

    from windows
    left join daily
        on daily.day >= windows.window_start
        and daily.day < windows.window_end
    group by windows.time_window, windows.days, windows.window_start, windows.window_end

)

select
    time_window,
    days,
    window_start,
    window_end,
    total_cost,
    calls,
    total_tokens,
    {{ safe_divide('total_cost', 'calls') }} as avg_cost_per_call,
    active_users,
    unpriced_calls,
    untagged_cost,
    -- share of the window's spend with no feature tag
    {{ safe_divide('untagged_cost', 'total_cost') }} as untagged_cost_share,
    {{ as_of_date() }} as as_of

from summary
