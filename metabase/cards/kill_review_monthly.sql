-- Monthly kill review: the least used quarter of features, what they cost and what one use cost.
-- usage_source says whether a use is a product event (plausible/csv) or an LLM call (calls).
select
    kr.month_start as month,
    kr.feature,
    kr.calls,
    kr.cost_usd,
    kr.uses,
    kr.cost_per_use,
    kr.usage_source
from marts.kill_review as kr
where true
    [[and kr.feature = {{feature}}]]
order by kr.month_start desc, kr.uses, kr.cost_usd desc nulls last, kr.feature
