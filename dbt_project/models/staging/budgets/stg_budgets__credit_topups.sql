with

source as (

    select * from {{ source('budgets', 'budget_credit_topups') }}

),

renamed as (

    select
        -- ids
        pool_scope,
        pool_member,

        -- numerics
        amount_usd,

        -- timestamps
        topped_up_at,
        {{ utc_day('topped_up_at') }} as topped_up_day,

        note,
        source as declared_in

    from source

)

select * from renamed
