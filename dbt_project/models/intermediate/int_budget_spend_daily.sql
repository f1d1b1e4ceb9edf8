{{ config(materialized='table') }}
-- Daily spend at the grain every budget scope can name (project, environment, tenant, feature,
-- model, provider, tier, user), over the budget history window
-- [as_of - budget_history_days, as_of). `dims` holds the same attributes keyed by scope name, so a
-- budget's member is `dims ->> scope` and its filters match with `dims @> filters`.
-- A user's tier comes from raw.app_users; unknown users (and users without a tier) get the
-- budgets file's default tier; calls without a user are tier (untagged).
{%- set history_days = var('budget_history_days', 160) | int %}

with

calls as (

    select * from {{ ref('stg_budgets__llm_call_attributes') }}
    where {{ ts_in_window('called_at', history_days) }}

),

users as (

    select user_id, tier from {{ ref('stg_app__users') }}

),

settings as (

    select * from {{ ref('stg_budgets__settings') }}

),

labeled as (

    select
        (calls.called_at at time zone 'UTC')::date as day,
        calls.project_id,
        {{ label_or_untagged('calls.environment') }} as environment,
        {{ label_or_untagged('calls.tenant') }} as tenant,
        {{ label_or_untagged('calls.cost_centre') }} as cost_centre,
        {{ label_or_untagged('calls.feature') }} as feature,
        coalesce(calls.model, '(unknown)') as model,
        coalesce(calls.provider, '(unknown)') as provider,
        case
            when calls.user_id is null then {{ untagged_label() }}
            when users.tier is null or users.tier = {{ untagged_label() }} then settings.default_tier
            else users.tier
        end as tier,
        {{ label_or_untagged('calls.user_id') }} as user_id,
        coalesce(calls.cost_usd, 0) as cost_usd,
        calls.total_tokens
    from calls
    cross join settings
    left join users on users.user_id = calls.user_id

),

daily as (

    select
        day, project_id, environment, tenant, cost_centre, feature, model, provider, tier, user_id,
        sum(cost_usd) as cost_usd,
        count(*) as calls,
        sum(total_tokens) as total_tokens
    from labeled
    group by day, project_id, environment, tenant, cost_centre, feature, model, provider, tier, user_id

)

select
    *,
    jsonb_build_object(
        'global', '(all)', 'project', project_id, 'environment', environment, 'tenant', tenant,
        'feature', feature, 'model', model, 'provider', provider, 'tier', tier, 'user', user_id
    ) as dims
from daily
