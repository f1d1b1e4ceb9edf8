-- Chargeback / showback: cost per calendar month and owner, for two owner dimensions, the tenant
-- and the cost centre (metadata keys from the budgets file). Spend no owner is tagged with
-- ('(untagged)') and spend tagged as shared (settings.shared_values) is allocated to the tagged
-- owners in proportion to their direct spend that month; the columns say how much of each. A month
-- with no tagged spend keeps its untagged/shared rows unallocated. For every month and dimension,
-- total_cost_usd sums to the month's spend. Months within [as_of - budget_history_days, as_of);
-- the month of as_of - 1 is partial (is_complete false).
with

spend as (

    select * from {{ ref('int_budget_spend_daily') }}

),

settings as (

    select * from {{ ref('stg_budgets__settings') }}

),

-- each day's spend once per owner dimension
owners as (

    select day, 'tenant' as dimension, tenant as owner, cost_usd, calls from spend
    union all
    select day, 'cost_centre' as dimension, cost_centre as owner, cost_usd, calls from spend

),

by_owner as (

    select
        {{ first_day_of_month('day') }} as month_start,
        dimension,
        owner,
        -- (typed: shares and allocations follow; see macros/cross_db/decimals.sql)
        cast(sum(cost_usd) as {{ type_money() }}) as cost_usd,
        sum(calls) as calls
    from owners
    group by 1, 2, 3

),

classified as (

    select
        by_owner.*,
        case
            when by_owner.owner = {{ untagged_label() }} then 'untagged'
            when {{ array_has('settings.shared_values', 'by_owner.owner') }} then 'shared'
            else 'tagged'
        end as owner_kind
    from by_owner
    cross join settings

),

totals as (

    select
        month_start,
        dimension,
        coalesce(sum(cost_usd) filter (where owner_kind = 'tagged'), 0) as tagged_usd,
        coalesce(sum(cost_usd) filter (where owner_kind = 'untagged'), 0) as untagged_usd,
        coalesce(sum(cost_usd) filter (where owner_kind = 'shared'), 0) as shared_usd,
        sum(cost_usd) as month_total_usd
    from classified
    group by month_start, dimension

),

allocated as (

    select
        classified.month_start,
        classified.dimension,
        classified.owner,
        classified.owner_kind,
        classified.calls,
        classified.cost_usd as direct_cost_usd,
        case when classified.owner_kind = 'tagged' and totals.tagged_usd > 0
            then {{ prorate('totals.untagged_usd', 'classified.cost_usd', 'totals.tagged_usd') }}
            else 0 end as allocated_untagged_usd,
        case when classified.owner_kind = 'tagged' and totals.tagged_usd > 0
            then {{ prorate('totals.shared_usd', 'classified.cost_usd', 'totals.tagged_usd') }}
            else 0 end as allocated_shared_usd,
        totals.month_total_usd,
        totals.tagged_usd
    from classified
    inner join totals
        on totals.month_start = classified.month_start
        and totals.dimension = classified.dimension
    -- allocated spend appears once, on the owners it was allocated to
    where classified.owner_kind = 'tagged' or totals.tagged_usd = 0

)

select
    {{ surrogate_key(['month_start', 'dimension', 'owner']) }} as chargeback_key,
    month_start,
    {{ add_months('month_start', 1) }} as month_end,
    {{ add_months('month_start', 1) }} <= {{ as_of_date() }} as is_complete,
    dimension,
    owner,
    owner_kind,
    calls,
    direct_cost_usd,
    cast(allocated_untagged_usd as decimal(20, 10)) as allocated_untagged_usd,
    cast(allocated_shared_usd as decimal(20, 10)) as allocated_shared_usd,
    cast(direct_cost_usd + allocated_untagged_usd + allocated_shared_usd as decimal(20, 10)) as total_cost_usd,
    {{ safe_divide('direct_cost_usd + allocated_untagged_usd + allocated_shared_usd', 'month_total_usd') }}
        as share_of_month,
    case
        when owner_kind <> 'tagged' then 'unallocated: no tagged spend this month'
        else 'untagged and shared spend allocated in proportion to direct spend'
    end as allocation_method,
    {{ as_of_date() }} as as_of
from allocated
