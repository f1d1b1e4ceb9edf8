-- LLM spend as a FOCUS-shaped cost and usage table (FinOps Open Cost and Usage Specification,
-- column names as the spec spells them), one row per UTC day, project, environment, provider,
-- model, feature and tenant, so FinOps tools can ingest it next to cloud bills. LLM calls have no
-- discounts or commitments here: BilledCost = EffectiveCost = ListCost = ContractedCost. The billing
-- period is the calendar month; the charge period the day. Extension columns start with x_.
-- Days within [as_of - budget_history_days, as_of).
-- The FOCUS names are mixed case, so every one is quoted in the engine's own way (adapter.quote:
-- "BilledCost" on Postgres, `BilledCost` on Spark, where a double-quoted name is a string). Tags is
-- a string map: jsonb on Postgres, a map on Spark (published into Postgres as jsonb).
{%- set q = adapter.quote %}
with

spend as (

    select * from {{ ref('int_budget_spend_daily') }}

),

grouped as (

    select
        day, project_id, environment, provider, model, feature, tenant,
        sum(cost_usd) as cost_usd,
        sum(calls) as calls,
        sum(total_tokens) as total_tokens
    from spend
    group by day, project_id, environment, provider, model, feature, tenant

)

select
    {{ surrogate_key(['day', 'project_id', 'environment', 'provider', 'model', 'feature', 'tenant']) }} as {{ q('x_RowKey') }},
    cast(cost_usd as decimal(20, 10)) as {{ q('BilledCost') }},
    cast(cost_usd as decimal(20, 10)) as {{ q('EffectiveCost') }},
    cast(cost_usd as decimal(20, 10)) as {{ q('ListCost') }},
    cast(cost_usd as decimal(20, 10)) as {{ q('ContractedCost') }},
    'USD' as {{ q('BillingCurrency') }},
    {{ day_start_utc(first_day_of_month('day')) }} as {{ q('BillingPeriodStart') }},
    {{ day_start_utc(add_months(first_day_of_month('day'), 1)) }} as {{ q('BillingPeriodEnd') }},
    {{ day_start_utc('day') }} as {{ q('ChargePeriodStart') }},
    {{ day_start_utc(add_days('day', 1)) }} as {{ q('ChargePeriodEnd') }},
    'Usage' as {{ q('ChargeCategory') }},
    'Usage-Based' as {{ q('ChargeFrequency') }},
    'LLM API usage: ' || model as {{ q('ChargeDescription') }},
    provider as {{ q('ProviderName') }},
    provider as {{ q('PublisherName') }},
    provider as {{ q('InvoiceIssuerName') }},
    provider || ' API' as {{ q('ServiceName') }},
    'AI and Machine Learning' as {{ q('ServiceCategory') }},
    model as {{ q('ResourceId') }},
    model as {{ q('ResourceName') }},
    'LLM model' as {{ q('ResourceType') }},
    project_id as {{ q('SubAccountId') }},
    project_id as {{ q('SubAccountName') }},
    cast(total_tokens as {{ type_numeric() }}) as {{ q('ConsumedQuantity') }},
    'Tokens' as {{ q('ConsumedUnit') }},
    cast(total_tokens as {{ type_numeric() }}) as {{ q('PricingQuantity') }},
    'Tokens' as {{ q('PricingUnit') }},
    {{ string_map({'feature': 'feature', 'tenant': 'tenant', 'environment': 'environment'}) }} as {{ q('Tags') }},
    calls as {{ q('x_Calls') }},
    feature as {{ q('x_Feature') }},
    tenant as {{ q('x_Tenant') }},
    environment as {{ q('x_Environment') }},
    {{ as_of_date() }} as {{ q('x_AsOf') }}
from grouped
