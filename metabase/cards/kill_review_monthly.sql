-- Monthly kill review: what each feature cost and how much it was used, newest month first.
select
    kr.month_start as month,
    kr.feature,
    kr.calls,
    kr.cost_usd,
    kr.usage_source
from marts.kill_review as kr
where true
    [[and kr.feature = {{feature}}]]
order by kr.month_start desc, kr.cost_usd desc nulls last, kr.feature
