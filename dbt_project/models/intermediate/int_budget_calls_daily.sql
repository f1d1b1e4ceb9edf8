-- Calls summed per UTC day at the grain a budget scope can name, before the user's tier is
-- joined (int_budget_spend_daily does that over the budget history window). Incremental like
-- fct_llm_costs_daily: each run reads only the calls of daily_rebuild_window() and swaps those
-- days in (replace_window), so the daily build's cost follows the new days, not the history; a
-- full refresh reads every call.
-- The tenant and cost centre come from the metadata keys the budgets file names, and the keys
-- used are stored with each row: when the file names other keys, the stored days are stale, so
-- that run re-reads every call (the strategy replaces every day the new rows cover).
{{
    config(
        on_schema_change='append_new_columns',
        **daily_incremental_config('day', indexes=[{'columns': ['day']}])
    )
}}

{%- set rebuild = daily_rebuild_window() %}
{%- set rebuild_only_new_days = is_incremental() and not budget_keys_changed(this) %}

with

calls as (

    select * from {{ ref('stg_budgets__llm_call_attributes') }}
    {% if rebuild_only_new_days -%}
    where called_at >= {{ utc_midnight(rebuild[0]) }}
      and called_at < {{ utc_midnight(rebuild[1]) }}
    {%- endif %}

),

settings as (

    select tenant_key, cost_centre_key from {{ ref('stg_budgets__settings') }}

)

select
    {{ utc_day('calls.called_at') }} as day,
    calls.project_id,
    {{ label_or_untagged('calls.environment') }} as environment,
    {{ label_or_untagged('calls.tenant') }} as tenant,
    {{ label_or_untagged('calls.cost_centre') }} as cost_centre,
    {{ label_or_untagged('calls.feature') }} as feature,
    coalesce(calls.model, '(unknown)') as model,
    coalesce(calls.provider, '(unknown)') as provider,
    -- raw (NULL when the call names no user): the tier is decided downstream from it
    calls.user_id,
    sum(coalesce(calls.cost_usd, 0)) as cost_usd,
    count(*) as calls,
    sum(calls.total_tokens) as total_tokens,
    settings.tenant_key,
    settings.cost_centre_key
from calls
cross join settings
group by 1, 2, 3, 4, 5, 6, 7, 8, 9, settings.tenant_key, settings.cost_centre_key
