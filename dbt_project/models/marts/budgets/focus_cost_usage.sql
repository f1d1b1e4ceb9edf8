-- LLM spend as a FOCUS-shaped cost and usage table (FinOps Open Cost and Usage Specification,
-- column names as the spec spells them), one row per UTC day, project, environment, provider,
-- model, feature and tenant, so FinOps tools can ingest it next to cloud bills. LLM calls have no
-- discounts or commitments here: BilledCost = EffectiveCost = ListCost = ContractedCost. The billing
-- period is the calendar month; the charge period the day. Extension columns start with x_.
-- Days within [as_of - budget_history_days, as_of).
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
    {{ surrogate_key(['day', 'project_id', 'environment', 'provider', 'model', 'feature', 'tenant']) }} as "x_RowKey",
    cost_usd::numeric(20, 10) as "BilledCost",
    cost_usd::numeric(20, 10) as "EffectiveCost",
    cost_usd::numeric(20, 10) as "ListCost",
    cost_usd::numeric(20, 10) as "ContractedCost",
    'USD' as "BillingCurrency",
    (date_trunc('month', day::timestamp) at time zone 'UTC') as "BillingPeriodStart",
    ((date_trunc('month', day::timestamp) + interval '1 month') at time zone 'UTC') as "BillingPeriodEnd",
    (day::timestamp at time zone 'UTC') as "ChargePeriodStart",
    ((day + 1)::timestamp at time zone 'UTC') as "ChargePeriodEnd",
    'Usage' as "ChargeCategory",
    'Usage-Based' as "ChargeFrequency",
    'LLM API usage: ' || model as "ChargeDescription",
    provider as "ProviderName",
    provider as "PublisherName",
    provider as "InvoiceIssuerName",
    provider || ' API' as "ServiceName",
    'AI and Machine Learning' as "ServiceCategory",
    model as "ResourceId",
    model as "ResourceName",
    'LLM model' as "ResourceType",
    project_id as "SubAccountId",
    project_id as "SubAccountName",
    total_tokens::{{ type_numeric() }} as "ConsumedQuantity",
    'Tokens' as "ConsumedUnit",
    total_tokens::{{ type_numeric() }} as "PricingQuantity",
    'Tokens' as "PricingUnit",
    jsonb_build_object('feature', feature, 'tenant', tenant, 'environment', environment) as "Tags",
    calls as "x_Calls",
    feature as "x_Feature",
    tenant as "x_Tenant",
    environment as "x_Environment",
    {{ as_of_date() }} as "x_AsOf"
from grouped
