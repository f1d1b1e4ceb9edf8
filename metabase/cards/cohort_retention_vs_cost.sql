-- Per signup cohort and tier: what a user costs in 30 days beside how many of them stayed.
select
    cc.cohort_month,
    cc.tier,
    cc.users,
    cc.cost_per_user_30d,
    cc.retention_30d
from marts.cohort_costs as cc
order by cc.cohort_month desc, cc.tier
