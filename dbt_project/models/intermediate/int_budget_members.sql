-- The members each budget reports for as_of: the declared member of a fixed budget ('(all)' for
-- global), and for a per-member budget ('*') every member with spend in the current period or in
-- the 28 days before as_of (the forecast's history).
with

periods as (

    select * from {{ ref('int_budget_periods') }}

),

member_daily as (

    select * from {{ ref('int_budget_member_daily') }}

),

per_member as (

    select distinct
        member_daily.budget_name,
        member_daily.member
    from member_daily
    inner join periods on periods.budget_name = member_daily.budget_name
    where periods.is_per_member
        and member_daily.day >= least(periods.period_start, {{ add_days('periods.as_of', -28) }})
        and member_daily.day < periods.as_of

),

fixed as (

    select
        budget_name,
        case when scope = 'global' then '(all)' else scope_value end as member
    from periods
    where not is_per_member

)

select budget_name, member from per_member
union
select budget_name, member from fixed
