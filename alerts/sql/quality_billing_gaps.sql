-- Rule billing_gap: complete days of the last 35 before as_of where the warehouse and the
-- provider's bill (marts.billing_reconciliation) differ by more than gap_pct percent and at least
-- min_gap_usd. A line the bill has and the warehouse lacks (or the reverse) counts as a gap of 100 percent.
-- Subjects already alerted (any as_of) are passed in as `alerted` so a gap is raised once.
select
    day,
    provider,
    model,
    warehouse_cost_usd,
    billed_cost_usd,
    difference_usd,
    coalesce(difference_pct, case when difference_usd <> 0 then 100 end) as difference_pct,
    unpriced_calls,
    untagged_environment_calls,
    cache_read_share,
    likely_causes,
    day::text || '/' || provider || '/' || model as subject
from marts.billing_reconciliation
where is_complete_day
  and day >= %(as_of)s::date - 35
  and day < %(as_of)s::date
  and abs(difference_usd) >= %(min_gap_usd)s
  and abs(coalesce(difference_pct, case when difference_usd <> 0 then 100 end)) > %(gap_pct)s
  and not (day::text || '/' || provider || '/' || model = any(%(alerted)s::text[]))
order by abs(difference_usd) desc, day, provider, model
