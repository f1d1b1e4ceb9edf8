-- Rule feature_share: a feature crossing the share threshold of total 30-day spend. Today's share
-- comes from marts.feature_share (30 days [as_of - 30d, as_of)); yesterday's is recomputed from
-- marts.fct_llm_costs_daily over [as_of - 31d, as_of - 1d), so the rule fires on the day a feature
-- crosses the line, not on every day it stays above it. Shares are fractions (0.25 = 25%%); the
-- threshold comes from the alert settings so both days are judged by the same line.
with yesterday_window as (
    select feature, sum(cost_usd) as cost_30d
    from marts.fct_llm_costs_daily
    where day >= %(as_of)s::date - 31
      and day < %(as_of)s::date - 1
    group by feature
),

yesterday_share as (
    select feature, cost_30d / nullif(sum(cost_30d) over (), 0) as share
    from yesterday_window
)

select
    today.feature,
    today.cost_30d,
    today.share_of_total_30d,
    today.cost_30d / nullif(today.share_of_total_30d, 0) as total_cost_30d,
    coalesce(yesterday_share.share, 0) as previous_share
from marts.feature_share as today
left join yesterday_share on yesterday_share.feature = today.feature
where today.as_of = %(as_of)s::date
  and today.share_of_total_30d > %(share_pct)s / 100.0
  and coalesce(yesterday_share.share, 0) <= %(share_pct)s / 100.0
order by today.share_of_total_30d desc, today.feature
