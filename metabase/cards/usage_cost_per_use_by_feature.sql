-- Cost per use by feature over the last 30 days, with the last 7 days and their week-over-week
-- change beside it. A use is a product event (Plausible/CSV) or, without usage data, an LLM call:
-- usage_source says which. Features with cost and no use at all come first, then the dearest use.
select
    m.feature,
    m.usage_source,
    m.cost_usd as cost_30d,
    m.uses as uses_30d,
    m.visitors as visitors_30d,
    m.cost_per_use as cost_per_use_30d,
    m.cost_per_visitor as cost_per_visitor_30d,
    w.cost_per_use as cost_per_use_7d,
    w.cost_per_use_change_pct as cost_per_use_wow_pct
from marts.feature_cost_per_use as m
left join marts.feature_cost_per_use as w
    on w.feature = m.feature and w.time_window = '7d'
where m.time_window = '30d'
    [[and m.feature = {{feature}}]]
order by (m.uses = 0 and m.cost_usd > 0) desc, m.cost_per_use desc nulls last, m.feature
