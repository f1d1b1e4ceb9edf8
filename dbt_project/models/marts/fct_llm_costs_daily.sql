-- Daily cost fact: one row per day x feature x user x prompt x model x environment (and the
-- provider and project the model ran under). Incremental: each run recomputes only the days of
-- daily_rebuild_window() from the calls of those days (partition-pruned), and the replace_window
-- strategy swaps those days in the table. Late rows inside the lookback are therefore picked up;
-- older ones with explicit min_date/max_date vars. Never a max(ts) filter: it could not be
-- backfilled and would lose late rows.
{{
    config(
        on_schema_change='append_new_columns',
        **daily_incremental_config('day', indexes=[{'columns': ['day']}, {'columns': ['daily_key'], 'unique': true}])
    )
}}

{%- set rebuild = daily_rebuild_window() %}

with

calls as (

    select * from {{ ref('int_llm_calls__labeled') }}
    {% if is_incremental() -%}
    where called_at >= {{ utc_midnight(rebuild[0]) }}
      and called_at < {{ utc_midnight(rebuild[1]) }}
    {%- endif %}

),

daily as (

    select
        day,
        feature,
        user_id,
        prompt_id,
        model,
        provider,
        environment,
        project_id,
        -- a prompt id names one prompt version; carried for the version-transition mart
        max(prompt_name) as prompt_name,
        max(prompt_version) as prompt_version,
        count(*) as calls,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_tokens) as cache_write_tokens,
        sum(total_tokens) as total_tokens,
        sum(cost_usd_or_zero) as cost_usd,
        count(*) filter (where is_unpriced) as unpriced_calls,
        count(*) filter (where is_error) as error_calls,
        count(*) filter (where is_cache_hit) as cache_hits

    from calls
    group by day, feature, user_id, prompt_id, model, provider, environment, project_id

)

select
    {{ surrogate_key(['day', 'feature', 'user_id', 'prompt_id', 'model', 'provider', 'environment', 'project_id']) }}
        as daily_key,
    daily.*,
    {{ as_of_date() }} as as_of

from daily
