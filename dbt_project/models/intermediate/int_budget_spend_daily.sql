{{ config(materialized='table') }}
-- Daily spend at the grain every budget scope can name (project, environment, tenant, feature,
-- model, provider, tier, user), over the budget history window
-- [as_of - budget_history_days, as_of). `dims` holds the same attributes keyed by scope name (a
-- string map: jsonb on Postgres, map on Spark; macros/cross_db/maps.sql), so a budget's member is
-- dims[scope] and its filters match when dims contains them.
-- A user's tier comes from raw.app_users; unknown users (and users without a tier) get the
-- budgets file's default tier; calls without a user are tier (untagged). The tier is joined here,
-- on the per-day sums of int_budget_calls_daily (incremental), not per call: a tier change then
-- applies to the whole window at the next build, and the build reads no calls.
{%- set history_days = var('budget_history_days', 160) | int %}

with

calls_daily as (

    select * from {{ ref('int_budget_calls_daily') }}
    where {{ day_in_window('day', history_days) }}

),

users as (

    select user_id, tier from {{ ref('stg_app__users') }}

),

settings as (

    select * from {{ ref('stg_budgets__settings') }}

),

labeled as (

    select
        calls_daily.day,
        calls_daily.project_id,
        calls_daily.environment,
        calls_daily.tenant,
        calls_daily.cost_centre,
        calls_daily.feature,
        calls_daily.model,
        calls_daily.provider,
        case
            when calls_daily.user_id is null then {{ untagged_label() }}
            when users.tier is null or users.tier = {{ untagged_label() }} then settings.default_tier
            else users.tier
        end as tier,
        {{ label_or_untagged('calls_daily.user_id') }} as user_id,
        calls_daily.cost_usd,
        calls_daily.calls,
        calls_daily.total_tokens
    from calls_daily
    cross join settings
    left join users on users.user_id = calls_daily.user_id

),

daily as (

    select
        day, project_id, environment, tenant, cost_centre, feature, model, provider, tier, user_id,
        sum(cost_usd) as cost_usd,
        cast(sum(calls) as bigint) as calls,
        sum(total_tokens) as total_tokens
    from labeled
    group by day, project_id, environment, tenant, cost_centre, feature, model, provider, tier, user_id

)

select
    *,
    {{ string_map({
        'global': "'(all)'", 'project': 'project_id', 'environment': 'environment', 'tenant': 'tenant',
        'feature': 'feature', 'model': 'model', 'provider': 'provider', 'tier': 'tier', 'user': 'user_id',
    }) }} as dims
from daily
