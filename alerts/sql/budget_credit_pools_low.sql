-- Prepaid credit pools with under a tenth of their top-ups left (marts.credit_pool_balances.low_balance).
select
    pool_scope,
    pool_member,
    topped_up_usd,
    spent_usd,
    balance_usd,
    share_left,
    last_topup_at
from marts.credit_pool_balances
where low_balance
order by share_left nulls first, pool_scope, pool_member;
