-- Chargeback by tenant: monthly cost per tenant with the untagged and shared spend allocated to it.
select
    c.month_start,
    c.owner,
    c.direct_cost_usd,
    c.allocated_untagged_usd,
    c.allocated_shared_usd,
    c.total_cost_usd,
    c.share_of_month,
    c.allocation_method
from marts.chargeback_monthly as c
where c.dimension = 'tenant'
order by c.month_start desc, c.total_cost_usd desc, c.owner
