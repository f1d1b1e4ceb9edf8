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

    from {{ integer_series(1, 7, 'weekday', 'iso_weekday') }}
    cross join {{ integer_series(0, 23, 'hour', 'hour_of_day') }}

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
    -- a case, not a Postgres array subscript: the same SQL on every engine
    case grid.iso_weekday
        when 1 then 'Mon' when 2 then 'Tue' when 3 then 'Wed' when 4 then 'Thu'
        when 5 then 'Fri' when 6 then 'Sat' when 7 then 'Sun'
    end as weekday_name,
    grid.hour_of_day,
    coalesce(by_cell.calls, 0) as calls,
    coalesce(by_cell.cost_usd, 0) as cost_usd,
    coalesce(by_cell.total_tokens, 0) as total_tokens,
    {{ as_of_date() }} as as_of

from grid
left join by_cell
    on grid.iso_weekday = by_cell.iso_weekday
    and grid.hour_of_day = by_cell.hour_of_day
