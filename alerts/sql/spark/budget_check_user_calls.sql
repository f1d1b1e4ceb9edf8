-- One user's calls for `llmcosts budget check` on the Spark warehouse: those in
-- [%(since)s, %(at)s) (the earliest current budget period; ts_month prunes the partitions), plus the
-- user's latest call before %(since)s (the answer names the latest call's model and tenant, however
-- old it is; one already in the window must not be fetched twice, or it would count twice). The
-- Postgres form of the check then runs over these rows (alerts/sql/budget_check.sql).
select ts, cost_usd, project_id, environment, metadata, feature, model, provider, user_id
from raw.llm_calls
where user_id = %(user_id)s
    and ts_month >= cast(date_trunc('month', cast(%(since)s as timestamp)) as date)
    and ts >= cast(%(since)s as timestamp)
    and ts < cast(%(at)s as timestamp)
union all
select * from (
    select ts, cost_usd, project_id, environment, metadata, feature, model, provider, user_id
    from raw.llm_calls
    where user_id = %(user_id)s and ts < cast(%(since)s as timestamp)
    order by ts desc
    limit 1
) as latest
