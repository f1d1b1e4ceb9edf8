-- The earliest start of a current period among the user-scope budgets at %(at)s (UTC days): how far
-- back `llmcosts budget check` needs a user's calls. Used on the Spark warehouse, where the calls
-- are fetched from the lake into a temporary table first (alerts/budgets/check.py).
select least(
    (date_trunc('month', %(at)s::timestamptz at time zone 'UTC'))::date,
    (date_trunc('week', %(at)s::timestamptz at time zone 'UTC'))::date,
    (%(at)s::timestamptz at time zone 'UTC')::date - coalesce(max(period_days), 1) + 1
) as since_day
from raw.budgets
where scope = 'user'
