-- The budgets file's settings as one row; defaults when no budgets file was ever loaded, so the
-- downstream models build (empty) on a fresh warehouse.
with

source as (

    select * from {{ source('budgets', 'budget_settings') }}

),

pivoted as (

    select
        max(value) filter (where setting = 'tenant_key') as tenant_key,
        max(value) filter (where setting = 'cost_centre_key') as cost_centre_key,
        max(value) filter (where setting = 'shared_values') as shared_values,
        max(value) filter (where setting = 'default_tier') as default_tier,
        max(value) filter (where setting = 'throttle_at') as throttle_at
    from source

),

renamed as (

    select
        coalesce(tenant_key, 'tenant') as tenant_key,
        coalesce(cost_centre_key, 'cost_centre') as cost_centre_key,
        {{ split_on_commas("coalesce(shared_values, 'shared')") }} as shared_values,
        coalesce(default_tier, 'free') as default_tier,
        coalesce(throttle_at, '0.9')::{{ type_numeric() }} as throttle_at
    from pivoted

)

select * from renamed
