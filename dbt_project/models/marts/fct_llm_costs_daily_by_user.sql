-- The daily fact rolled up to one row per UTC day x user x environment; what the per-user chart reads
-- (with a feature filter set, that card reads the full-grain fact instead).
-- The dashboard's daily charts filter by feature and environment over any date range; at millions
-- of calls the full-grain fact makes them slow (measured 55-143 ms p95 at 8.5M calls), this grain
-- keeps them in single milliseconds. Incremental over the same rebuild window as the fact.
{{
    config(
        on_schema_change='append_new_columns',
        **daily_incremental_config('day', indexes=[{'columns': ['day']}])
    )
}}

{%- set rebuild = daily_rebuild_window() %}

select
    day,
    user_id,
    environment,
    sum(calls) as calls,
    sum(cost_usd) as cost_usd,
    {{ as_of_date() }} as as_of

from {{ ref('fct_llm_costs_daily') }}
{% if is_incremental() -%}
where day >= {{ date_literal(rebuild[0]) }}
  and day < {{ date_literal(rebuild[1]) }}
{%- endif %}
group by day, user_id, environment
