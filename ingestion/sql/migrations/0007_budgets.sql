-- Budgets declared as code (alerts/budgets.yml), validated by alerts/budgets/ and loaded here by
-- the `budgets` Dagster asset, which replaces the whole set in one transaction on every load (so a
-- reader sees the old set or the new one, never half of each). dbt reads them to compute
-- marts.budget_status; `llmcosts budget check` reads them directly.
create schema if not exists raw;

create table if not exists raw.budgets (
    budget_name   text        primary key,
    -- global | project | environment | tenant | feature | model | provider | tier | user
    scope         text        not null,
    -- a member of the scope, or '*' for each member separately ('(all)' for global)
    scope_value   text        not null,
    -- extra conditions a call must meet to count, e.g. {"tier": "free"}; keys are scope names
    filters       jsonb       not null default '{}'::jsonb,
    -- daily | weekly | monthly | rolling (period_days long)
    period_kind   text        not null,
    period_days   integer,
    -- NULL = unlimited: spend is tracked, nothing is ever blocked
    limit_usd     numeric(20, 6),
    -- soft thresholds and the hard limit, as fractions of limit_usd (0.5 = 50%)
    thresholds    numeric[]   not null default '{0.5,0.75,0.9}',
    hard_limit    numeric     not null default 1,
    parent_name   text,
    source        text        not null,
    loaded_at     timestamptz not null default now(),
    constraint budgets_scope_check check (
        scope in ('global', 'project', 'environment', 'tenant', 'feature', 'model', 'provider', 'tier', 'user')
    ),
    constraint budgets_period_check check (
        (period_kind in ('daily', 'weekly', 'monthly') and period_days is null)
        or (period_kind = 'rolling' and period_days >= 1)
    ),
    constraint budgets_limit_check check (limit_usd is null or limit_usd >= 0),
    constraint budgets_hard_limit_check check (hard_limit > 0)
);

-- The file's settings that dbt needs (metadata keys, default tier), one row per setting.
create table if not exists raw.budget_settings (
    setting    text        primary key,
    value      text        not null,
    loaded_at  timestamptz not null default now()
);

-- Prepaid credit pools: top-ups per tenant or user (from the budgets file or written by the
-- application). Balance = top-ups - spend since the first top-up.
create table if not exists raw.budget_credit_topups (
    pool_scope    text          not null,
    pool_member   text          not null,
    topped_up_at  timestamptz   not null,
    amount_usd    numeric(20, 6) not null,
    note          text,
    source        text          not null default 'file',
    loaded_at     timestamptz   not null default now(),
    constraint budget_credit_topups_pkey primary key (pool_scope, pool_member, topped_up_at),
    constraint budget_credit_topups_scope_check check (pool_scope in ('tenant', 'user'))
);
