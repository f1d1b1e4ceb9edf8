-- Each prompt version a feature used before as_of, next to the version of the SAME prompt it
-- replaced: did the new version make calls cheaper?
--
-- A prompt's lineage is what makes two prompt ids versions of one prompt:
--   * a Langfuse-managed prompt: its name (`summarize-system@v1` -> `summarize-system@v2`),
--     ordered by Langfuse's version number;
--   * a feature's unnamed prompt ids (llmcosts_tagging hashes the template text, so an edited
--     template gets a new id): an id succeeds one that had stopped by the day it appeared.
--     Two unnamed ids in use side by side are two prompts, not versions of each other.
-- Calls without a feature have no lineage to speak of for unnamed prompts: each of their ids
-- stands alone, so `(untagged)` never chains unrelated prompts. Calls without a prompt are left
-- out: (untagged) is not a version, and its spend is in every other mart.
with

daily as (

    select * from {{ ref('fct_llm_costs_daily') }}
    where prompt_id <> {{ untagged_label() }}
      and day < {{ as_of_date() }}

),

versions as (

    select
        feature,
        prompt_id,
        max(prompt_name) as prompt_name,
        max(prompt_version) as prompt_version,
        min(day) as first_seen_day,
        max(day) as last_seen_day,
        sum(calls) as calls,
        sum(cost_usd) as cost_usd,
        sum(total_tokens) as total_tokens

    from daily
    group by feature, prompt_id

),

lineaged as (

    select
        *,
        prompt_name is not null as is_named,
        case
            when prompt_name is not null then prompt_name
            when feature = {{ untagged_label() }} then prompt_id
            else '(unnamed prompt)'
        end as prompt_lineage,
        {{ safe_divide('cost_usd', 'calls') }} as cost_per_call,
        {{ safe_divide('total_tokens', 'calls') }} as tokens_per_call

    from versions

),

ordered as (

    select
        *,
        row_number() over (
            partition by feature, prompt_lineage
            order by prompt_version nulls last, first_seen_day, prompt_id
        ) as version_order

    from lineaged

),

predecessors as (

    -- The latest earlier version of the same lineage; an unnamed id must have stopped by then.
    select
        current_version.feature,
        current_version.prompt_id,
        previous_version.prompt_id as previous_prompt_id,
        previous_version.prompt_version as previous_prompt_version,
        previous_version.cost_per_call as previous_cost_per_call,
        previous_version.tokens_per_call as previous_tokens_per_call,
        row_number() over (
            partition by current_version.feature, current_version.prompt_id
            order by previous_version.version_order desc
        ) as nearest

    from ordered as current_version
    inner join ordered as previous_version
        on previous_version.feature = current_version.feature
        and previous_version.prompt_lineage = current_version.prompt_lineage
        and previous_version.version_order < current_version.version_order
        and (current_version.is_named or previous_version.last_seen_day <= current_version.first_seen_day)

),

compared as (

    select
        ordered.*,
        predecessors.previous_prompt_id,
        predecessors.previous_prompt_version,
        predecessors.previous_cost_per_call,
        predecessors.previous_tokens_per_call

    from ordered
    left join predecessors
        on predecessors.feature = ordered.feature
        and predecessors.prompt_id = ordered.prompt_id
        and predecessors.nearest = 1

)

select
    feature,
    prompt_id,
    prompt_name,
    prompt_version,
    prompt_lineage,
    version_order,
    first_seen_day,
    last_seen_day,
    calls,
    cost_usd,
    cost_per_call,
    tokens_per_call,
    previous_prompt_id,
    previous_prompt_version,
    previous_cost_per_call,
    previous_tokens_per_call,
    cost_per_call - previous_cost_per_call as cost_per_call_change,
    {{ safe_divide('cost_per_call - previous_cost_per_call', 'previous_cost_per_call') }} as cost_per_call_pct_change,
    tokens_per_call - previous_tokens_per_call as tokens_per_call_change,
    {{ safe_divide('tokens_per_call - previous_tokens_per_call', 'previous_tokens_per_call') }} as tokens_per_call_pct_change,
    {{ as_of_date() }} as as_of

from compared
