-- Prepaid credit pools (optional, per tenant or user): balance = top-ups - spend since the pool's
-- first top-up (days before as_of, within budget_history_days). low_balance when under 10% of the
-- top-ups is left.
with

topups as (

    select * from {{ ref('stg_budgets__credit_topups') }}

),

spend as (

    select * from {{ ref('int_budget_spend_daily') }}

),

pools as (

    select
        pool_scope,
        pool_member,
        sum(amount_usd) as topped_up_usd,
        min(topped_up_day) as first_topup_day,
        max(topped_up_at) as last_topup_at
    from topups
    group by pool_scope, pool_member

),

used as (

    select
        pools.pool_scope,
        pools.pool_member,
        -- (typed: the balance and its share follow; see macros/cross_db/decimals.sql)
        cast(coalesce(sum(spend.cost_usd), 0) as {{ type_money() }}) as spent_usd
    from pools
    left join spend
        on spend.day >= pools.first_topup_day
        and (
            (pools.pool_scope = 'tenant' and spend.tenant = pools.pool_member)
            or (pools.pool_scope = 'user' and spend.user_id = pools.pool_member)
        )
    group by pools.pool_scope, pools.pool_member

)

select
    pools.pool_scope,
    pools.pool_member,
    pools.topped_up_usd,
    used.spent_usd,
    pools.topped_up_usd - used.spent_usd as balance_usd,
    {{ safe_divide('pools.topped_up_usd - used.spent_usd', 'pools.topped_up_usd') }} as share_left,
    (pools.topped_up_usd - used.spent_usd) < 0.1 * pools.topped_up_usd as low_balance,
    pools.first_topup_day,
    pools.last_topup_at,
    {{ as_of_date() }} as as_of
from pools
inner join used
    on used.pool_scope = pools.pool_scope
    and used.pool_member = pools.pool_member
