-- Cost per use by feature: LLM cost against product usage, last 7 and 30 days, each compared with
-- the window of the same length just before it (for 7d that is week over week). A "use" is a
-- product event (Plausible or CSV, raw.feature_usage) when the warehouse holds usage for the
-- window, else an LLM call; usage_source says which. A feature with cost but no usage rows while
-- usage exists has 0 events: nobody used it (or its event is missing from the event map).
-- (untagged) spend belongs to no feature, so it has no use.
with

windows as (

    select
        '7d' as time_window,
        {{ window_start(7) }} as window_start,
        {{ window_end() }} as window_end,
        {{ window_start(7, 7) }} as prev_window_start

    union all

    select
        '30d' as time_window,
        {{ window_start(30) }} as window_start,
        {{ window_end() }} as window_end,
        {{ window_start(30, 30) }} as prev_window_start

),

costs as (

    select day, feature, calls, cost_usd
    from {{ ref('fct_llm_costs_daily') }}
    where {{ day_in_window('day', 60) }}
      and feature <> {{ untagged_label() }}

),

usage as (

    select day, feature, events, visitors, usage_source
    from {{ ref('stg_plausible__feature_usage') }}
    where {{ day_in_window('day', 60) }}

),

cost_by_window as (

    select
        w.time_window,
        c.feature,
        coalesce(sum(c.calls) filter (where c.day >= w.window_start), 0) as calls,
        coalesce(sum(c.cost_usd) filter (where c.day >= w.window_start), 0) as cost_usd,
        coalesce(sum(c.calls) filter (where c.day < w.window_start), 0) as prev_calls,
        coalesce(sum(c.cost_usd) filter (where c.day < w.window_start), 0) as prev_cost_usd

    from windows as w
    inner join costs as c
        on c.day >= w.prev_window_start and c.day < w.window_end
    group by w.time_window, c.feature

),

usage_by_window as (

    select
        w.time_window,
        u.feature,
        coalesce(sum(u.events) filter (where u.day >= w.window_start), 0) as events,
        coalesce(sum(u.visitors) filter (where u.day >= w.window_start), 0) as visitors,
        coalesce(sum(u.events) filter (where u.day < w.window_start), 0) as prev_events

    from windows as w
    inner join usage as u
        on u.day >= w.prev_window_start and u.day < w.window_end
    group by w.time_window, u.feature

),

-- Is there usage at all in the window (and in the one before)? Mixed sources: 'plausible' wins.
usage_presence as (

    select
        w.time_window,
        max(u.usage_source) filter (where u.day >= w.window_start) as usage_source,
        count(u.day) filter (where u.day < w.window_start) > 0 as has_prev_usage

    from windows as w
    left join usage as u
        on u.day >= w.prev_window_start and u.day < w.window_end
    group by w.time_window

),

features as (

    select time_window, feature from cost_by_window
    union
    select time_window, feature from usage_by_window

),

measured as (

    select
        f.feature,
        f.time_window,
        w.window_start,
        w.window_end,
        w.prev_window_start,
        p.usage_source is not null as has_usage,
        coalesce(p.usage_source, 'calls') as usage_source,
        coalesce(c.calls, 0) as calls,
        coalesce(c.cost_usd, 0) as cost_usd,
        coalesce(c.prev_calls, 0) as prev_calls,
        coalesce(c.prev_cost_usd, 0) as prev_cost_usd,
        case when p.usage_source is not null then coalesce(u.events, 0) end as events,
        case when p.usage_source is not null then coalesce(u.visitors, 0) end as visitors,
        case
            when p.usage_source is null then coalesce(c.calls, 0)
            else coalesce(u.events, 0)
        end as uses,
        case
            when p.usage_source is null then coalesce(c.prev_calls, 0)
            when p.has_prev_usage then coalesce(u.prev_events, 0)
        end as prev_uses

    from features as f
    inner join windows as w on w.time_window = f.time_window
    inner join usage_presence as p on p.time_window = f.time_window
    left join cost_by_window as c on c.time_window = f.time_window and c.feature = f.feature
    left join usage_by_window as u on u.time_window = f.time_window and u.feature = f.feature

),

ratios as (

    select
        *,
        {{ safe_divide('cost_usd', 'uses') }} as cost_per_use,
        {{ safe_divide('cost_usd', 'visitors') }} as cost_per_visitor,
        {{ safe_divide('prev_cost_usd', 'prev_uses') }} as prev_cost_per_use

    from measured

)

select
    feature,
    time_window,
    window_start,
    window_end,
    usage_source,
    calls,
    cost_usd,
    events,
    visitors,
    uses,
    cost_per_use,
    cost_per_visitor,
    prev_window_start,
    prev_cost_usd,
    prev_uses,
    prev_cost_per_use,
    -- fractions: 0.5 means +50%; NULL when there is nothing to compare with
    case when prev_cost_per_use > 0 then cost_per_use / prev_cost_per_use - 1 end as cost_per_use_change_pct,
    case when prev_uses > 0 then {{ safe_divide('uses - prev_uses', 'prev_uses') }} end as uses_change_pct,
    {{ as_of_date() }} as as_of

from ratios
