-- `llmcosts budget check`, second part: the broader budgets that contain the user (global, their
-- tier, and the tenant, project, environment, feature, model and provider of their latest call),
-- as of the last dbt build (marts.budget_status). Rows about a period that has ended are left out:
-- a new period starts clean even before the marts are rebuilt.
select
    s.budget_name,
    s.scope,
    s.member,
    s.period_kind,
    s.period_label,
    s.period_start,
    s.period_end,
    s.limit_usd,
    s.hard_limit_usd,
    s.spent_usd,
    s.pct_used,
    s.status,
    s.as_of
from marts.budget_status as s
where s.scope <> 'user'
    and %(dims)s::jsonb ->> s.scope = s.member
    and s.limit_usd is not null
    and (s.period_end > %(today)s or (s.period_kind = 'rolling' and s.period_end >= %(today)s))
order by s.budget_name
