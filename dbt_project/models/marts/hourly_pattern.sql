-- When the money is spent: hour of day x ISO weekday (UTC) over the 7-day window. Every one of
-- the 168 cells is present (zero when idle), so a heatmap has no holes.
with

calls as (

    select * from {{ ref('int_llm_calls__labeled') }}
    where {{ ts_in_window('called_at', 7) }}

),

grid as (

    select
        weekday.iso_weekday,
        hour.hour_of_day

    from generate_series(1, 7) as weekday (iso_weekday)
    cross join generate_series(0, 23) as hour (hour_of_day)

),

by_cell as (

    select
        iso_weekday,
        hour_of_day,
        count(*) as calls,
        sum(cost_usd_or_zero) as cost_usd,
        sum(total_tokens) as total_tokens

    from calls
    group by iso_weekday, hour_of_day

)

select
    grid.iso_weekday,
    (array['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])[grid.iso_weekday] as weekday_name,
    grid.hour_of_day,
    coalesce(by_cell.calls, 0) as calls,
    coalesce(by_cell.cost_usd, 0) as cost_usd,
    coalesce(by_cell.total_tokens, 0) as total_tokens,
    {{ as_of_date() }} as as_of

from grid
left join by_cell
    on grid.iso_weekday = by_cell.iso_weekday
    and grid.hour_of_day = by_cell.hour_of_day
