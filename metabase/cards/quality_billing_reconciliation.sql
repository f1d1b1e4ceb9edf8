-- Warehouse vs the provider's bill per day x provider (x model), with the indicators that
-- usually explain a gap. Largest gaps first. Default window: the 30 days ending at the newest
-- reconciled day; the date filters are half-open.
with anchor as (
    select max(day) as last_day from marts.billing_reconciliation
)

select
    b.day,
    b.provider,
    b.model,
    b.warehouse_cost_usd,
    b.billed_cost_usd,
    b.difference_usd,
    b.difference_pct,
    b.is_complete_day,
    b.unpriced_calls,
    b.untagged_environment_calls,
    b.cache_read_share,
    b.likely_causes
from marts.billing_reconciliation as b
cross join anchor
where b.day >= coalesce([[{{date_from}},]] anchor.last_day - 29)
    and b.day < coalesce([[{{date_to}},]] anchor.last_day + 1)
order by abs(b.difference_usd) desc, b.day desc, b.provider, b.model
