{{ config(materialized='table', indexes=[{'columns': ['budget_name', 'member', 'day']}]) }}
-- Spend per budget, member and day. A call counts toward EVERY budget that contains it (its
-- user's ceiling, its tier, tenant, project, environment, feature, model, provider and global
-- budgets): no budget overrides another. A member is the call's value for the budget's scope,
-- dims[scope] ('(all)' for global); a per-member budget ('*') has one member per value, except
-- that calls without a user are not a user (they still count toward every broader budget).
with

budgets as (

    select * from {{ ref('stg_budgets__budgets') }}

),

spend as (

    select * from {{ ref('int_budget_spend_daily') }}

),

attributed as (

    select
        budgets.budget_name,
        {{ map_value('spend.dims', 'budgets.scope') }} as member,
        spend.day,
        spend.cost_usd,
        spend.calls
    from budgets
    inner join spend
        on {{ map_contains('spend.dims', 'budgets.filters') }}
        and (
            budgets.scope = 'global'
            or (budgets.is_per_member and not (budgets.scope = 'user' and spend.user_id = {{ untagged_label() }}))
            or {{ map_value('spend.dims', 'budgets.scope') }} = budgets.scope_value
        )

)

select
    budget_name,
    member,
    day,
    sum(cost_usd) as cost_usd,
    sum(calls) as calls
from attributed
group by budget_name, member, day
