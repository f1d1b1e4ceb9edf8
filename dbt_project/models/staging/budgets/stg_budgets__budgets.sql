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
        -- keys are scope names: a map (jsonb on Postgres), matched against each call's scopes
        {{ string_map_from_json('filters') }} as filters,

        -- period
        period_kind,
        period_days,
        case when period_kind = 'rolling' then 'rolling ' || period_days || ' days' else period_kind end as period_label,

        -- numerics: limit NULL = unlimited; thresholds and hard limit are fractions of the limit
        -- (fractions get an explicit type: on Spark, money times the mirror's decimal(38,10) would
        -- keep only 6 decimals; see macros/cross_db/decimals.sql)
        limit_usd,
        cast(thresholds as {{ type_array(type_fraction()) }}) as thresholds,
        cast(hard_limit as {{ type_fraction() }}) as hard_limit,
        limit_usd * cast(hard_limit as {{ type_fraction() }}) as hard_limit_usd,

        source as declared_in,
        loaded_at

    from source

)

select * from renamed
