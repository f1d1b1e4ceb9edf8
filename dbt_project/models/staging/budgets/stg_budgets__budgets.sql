with

source as (

    select * from {{ source('budgets', 'budgets') }}

),

renamed as (

    select
        -- ids
        budget_name,
        parent_name,

        -- scope: which calls count, and whether each member has its own budget ('*')
        scope,
        scope_value,
        scope_value = '*' and scope <> 'global' as is_per_member,
        filters,

        -- period
        period_kind,
        period_days,
        case when period_kind = 'rolling' then 'rolling ' || period_days || ' days' else period_kind end as period_label,

        -- numerics: limit NULL = unlimited; thresholds and hard limit are fractions of the limit
        limit_usd,
        thresholds,
        hard_limit,
        limit_usd * hard_limit as hard_limit_usd,

        source as declared_in,
        loaded_at

    from source

)

select * from renamed
