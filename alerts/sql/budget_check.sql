-- `llmcosts budget check`: the budgets that apply to ONE user (scope user: their own ceiling and
-- per-user budgets, filtered by their tier), with what the user spent in each budget's current
-- period up to %(at)s, computed live from raw.llm_calls through its (user_id, ts) index, plus what
-- the answer needs to be honest: the user's tier, their latest call (model, tenant, ...), and the
-- latest ingestion. One row per applicable budget, or one row with budget_name NULL when none.
-- Periods here contain %(at)s itself (a live answer); a rolling window is the N days ending today.
with

params as (

    select
        %(user_id)s::text as user_id,
        %(at)s::timestamptz as at_ts,
        (%(at)s::timestamptz at time zone 'UTC')::date as today

),

settings as (

    select
        coalesce(max(value) filter (where setting = 'default_tier'), 'free') as default_tier,
        coalesce(max(value) filter (where setting = 'tenant_key'), 'tenant') as tenant_key,
        coalesce(max(value) filter (where setting = 'throttle_at'), '0.9')::numeric as throttle_at
    from raw.budget_settings

),

usr as (

    select
        params.*,
        settings.tenant_key,
        settings.throttle_at,
        app_users.user_id is not null as known_user,
        coalesce(nullif(trim(app_users.tier), ''), settings.default_tier) as tier
    from params
    cross join settings
    left join raw.app_users as app_users on app_users.user_id = params.user_id

),

budgets as (

    select
        b.budget_name,
        b.scope,
        b.scope_value,
        b.filters,
        b.period_kind,
        b.period_days,
        b.limit_usd,
        b.thresholds,
        b.hard_limit,
        case b.period_kind
            when 'daily' then usr.today
            when 'weekly' then date_trunc('week', usr.today::timestamp)::date
            when 'monthly' then date_trunc('month', usr.today::timestamp)::date
            else usr.today - b.period_days + 1
        end as period_start,
        case b.period_kind
            when 'daily' then usr.today + 1
            when 'weekly' then (date_trunc('week', usr.today::timestamp) + interval '7 days')::date
            when 'monthly' then (date_trunc('month', usr.today::timestamp) + interval '1 month')::date
            else usr.today + 1
        end as period_end
    from raw.budgets as b
    cross join usr
    where b.scope = 'user'
        and b.scope_value in ('*', usr.user_id)
        and (not b.filters ? 'tier' or b.filters ->> 'tier' = usr.tier)

),

calls as (

    select
        c.ts,
        coalesce(c.cost_usd, 0) as cost_usd,
        jsonb_build_object(
            'project', c.project_id,
            'environment', coalesce(nullif(trim(c.environment), ''), '(untagged)'),
            'tenant', coalesce(nullif(trim(c.metadata ->> usr.tenant_key), ''), '(untagged)'),
            'feature', coalesce(nullif(trim(c.feature), ''), '(untagged)'),
            'model', coalesce(c.model, '(unknown)'),
            'provider', coalesce(c.provider, '(unknown)'),
            'tier', usr.tier,
            'user', usr.user_id
        ) as dims
    from raw.llm_calls as c
    cross join usr
    where c.user_id = usr.user_id
        and c.ts >= (select (coalesce(min(period_start), (select today from params)))::timestamp at time zone 'UTC' from budgets)
        and c.ts < usr.at_ts

),

spent as (

    select
        budgets.*,
        coalesce(sum(calls.cost_usd), 0) as spent_usd
    from budgets
    left join calls
        on calls.ts >= budgets.period_start::timestamp at time zone 'UTC'
        and calls.dims @> budgets.filters
    group by budgets.budget_name, budgets.scope, budgets.scope_value, budgets.filters, budgets.period_kind,
        budgets.period_days, budgets.limit_usd, budgets.thresholds, budgets.hard_limit, budgets.period_start,
        budgets.period_end

),

latest_call as (

    select
        c.ts as last_call_at,
        c.model,
        c.provider,
        c.project_id,
        coalesce(nullif(trim(c.environment), ''), '(untagged)') as environment,
        coalesce(nullif(trim(c.metadata ->> usr.tenant_key), ''), '(untagged)') as tenant
    from raw.llm_calls as c
    cross join usr
    where c.user_id = usr.user_id and c.ts < usr.at_ts
    order by c.ts desc
    limit 1

),

ingestion as (

    select max(finished_at) as last_ingest_finished_at, max(window_end) as ingested_through
    from raw.ingestion_runs
    where status = 'succeeded'

)

select
    usr.user_id,
    usr.tier,
    usr.known_user,
    usr.throttle_at,
    spent.budget_name,
    spent.scope,
    spent.scope_value,
    spent.period_kind,
    spent.period_days,
    spent.period_start,
    spent.period_end,
    spent.limit_usd,
    spent.thresholds,
    spent.hard_limit,
    spent.spent_usd,
    latest_call.last_call_at,
    latest_call.model as last_model,
    latest_call.provider as last_provider,
    latest_call.project_id as last_project_id,
    latest_call.environment as last_environment,
    latest_call.tenant as last_tenant,
    ingestion.last_ingest_finished_at,
    ingestion.ingested_through,
    to_regclass('marts.budget_status') is not null as has_budget_status,
    to_regclass('marts.model_costs_daily') is not null as has_model_costs
from usr
cross join ingestion
left join latest_call on true
left join spent on true
order by spent.budget_name
