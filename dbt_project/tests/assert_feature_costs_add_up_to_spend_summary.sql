-- Consistency: for every window the per-feature costs add up to the spend_summary total, so
-- untagged spend cannot fall out of one mart and stay in another. Returns the windows that differ.
{{ config(meta={'dagster': {'ref': {'name': 'spend_summary'}}}) }}

with

feature_totals as (

    select '7d' as time_window, sum(cost_7d) as feature_total, sum(calls_7d) as feature_calls
    from {{ ref('feature_costs') }}
    union all
    select '30d', sum(cost_30d), sum(calls_30d)
    from {{ ref('feature_costs') }}
    union all
    select '1d', sum(cost_usd), sum(calls)
    from {{ ref('feature_costs_daily') }}
    where day = {{ window_start(1) }}

)

select
    spend_summary.time_window,
    spend_summary.total_cost,
    feature_totals.feature_total,
    spend_summary.calls,
    feature_totals.feature_calls

from {{ ref('spend_summary') }} as spend_summary
left join feature_totals on spend_summary.time_window = feature_totals.time_window
where abs(spend_summary.total_cost - coalesce(feature_totals.feature_total, 0)) > 0.000001
   or spend_summary.calls <> coalesce(feature_totals.feature_calls, 0)
