-- The warehouse against the provider's own bill: one row per UTC day x provider (x model when
-- every line of that day's bill names a model; otherwise model = '(all models)'), for the
-- day x provider pairs a loaded bill covers, days before as_of. Beside each gap, the indicators
-- that usually explain it, and `likely_causes` spelling them out:
--   unpriced calls          Langfuse had no price: the call adds $0 here, real money on the bill
--   untagged environments   calls without an environment (often a forgotten dev/staging key)
--   cache-token accounting  cache reads are billed at a discount the trace may price differently
--   calls made outside Langfuse  billed more than traced while every traced call is priced, or
--                           the bill counts more tokens than were traced
--   model name mismatch     a model on one side only (a dated snapshot name vs an alias)
-- A day is complete when it is before as_of and the warehouse already has calls of a later day.
{%- set cause_floor_usd = 0.01 %}

with

bills as (

    select * from {{ ref('stg_billing__provider_bills') }}
    where day < {{ as_of_date() }}

),

bill_grain as (

    select
        day,
        provider,
        bool_and(model is not null) as by_model
    from bills
    group by day, provider

),

billed as (

    select
        bills.day,
        bills.provider,
        case when bill_grain.by_model then bills.model else '(all models)' end as model,
        -- numeric(28, 10), the scale of the cost columns: Spark widens a sum to 38 digits, and the
        -- difference of two such sums would lose its last decimal (no-op on Postgres)
        sum(bills.cost_usd)::numeric(28, 10) as billed_cost_usd,
        sum(bills.input_tokens) as billed_input_tokens,
        sum(bills.output_tokens) as billed_output_tokens,
        count(*) as bill_lines
    from bills
    inner join bill_grain
        on bills.day = bill_grain.day and bills.provider = bill_grain.provider
    group by 1, 2, 3

),

daily as (

    select * from {{ ref('fct_llm_costs_daily') }}

),

warehouse as (

    select
        daily.day,
        bill_grain.provider,
        case
            when bill_grain.by_model then coalesce(lower(trim(daily.model)), '(unknown)')
            else '(all models)'
        end as model,
        sum(daily.cost_usd)::numeric(28, 10) as warehouse_cost_usd,  -- as billed_cost_usd
        sum(daily.calls) as calls,
        sum(daily.unpriced_calls) as unpriced_calls,
        coalesce(sum(daily.calls) filter (where nullif(trim(daily.environment), '') is null), 0)
            as untagged_environment_calls,
        sum(daily.input_tokens) as input_tokens,
        sum(daily.output_tokens) as output_tokens,
        sum(daily.cache_read_tokens) as cache_read_tokens
    from daily
    inner join bill_grain
        on daily.day = bill_grain.day and lower(trim(daily.provider)) = bill_grain.provider
    group by 1, 2, 3

),

latest as (

    select max(day) as latest_warehouse_day from daily

),

joined as (

    select
        coalesce(billed.day, warehouse.day) as day,
        coalesce(billed.provider, warehouse.provider) as provider,
        coalesce(billed.model, warehouse.model) as model,
        coalesce(warehouse.warehouse_cost_usd, 0) as warehouse_cost_usd,
        coalesce(billed.billed_cost_usd, 0) as billed_cost_usd,
        coalesce(billed.bill_lines, 0) as bill_lines,
        billed.billed_input_tokens,
        billed.billed_output_tokens,
        coalesce(warehouse.calls, 0) as calls,
        coalesce(warehouse.unpriced_calls, 0) as unpriced_calls,
        coalesce(warehouse.untagged_environment_calls, 0) as untagged_environment_calls,
        coalesce(warehouse.input_tokens, 0) as input_tokens,
        coalesce(warehouse.output_tokens, 0) as output_tokens,
        coalesce(warehouse.cache_read_tokens, 0) as cache_read_tokens
    from billed
    full outer join warehouse
        on billed.day = warehouse.day
        and billed.provider = warehouse.provider
        and billed.model = warehouse.model

),

measured as (

    select
        joined.*,
        joined.warehouse_cost_usd - joined.billed_cost_usd as difference_usd,
        case
            when joined.billed_cost_usd <> 0
                then {{ decimal_percent(
                    '(joined.warehouse_cost_usd - joined.billed_cost_usd)', 'abs(joined.billed_cost_usd)'
                ) }}
        end as difference_pct,
        joined.cache_read_tokens::{{ type_double() }} / nullif(joined.input_tokens, 0) as cache_read_share,
        joined.unpriced_calls::{{ type_double() }} / nullif(joined.calls, 0) as unpriced_call_share,
        joined.day < {{ as_of_date() }} and joined.day < latest.latest_warehouse_day as is_complete_day
    from joined
    cross join latest

)

select
    {{ surrogate_key(['day', 'provider', 'model']) }} as reconciliation_key,
    day,
    provider,
    model,
    -- money without trailing zeros: numeric(20, 10) sums would print as 4.0000000000
    {{ trim_scale('warehouse_cost_usd') }} as warehouse_cost_usd,
    {{ trim_scale('billed_cost_usd') }} as billed_cost_usd,
    {{ trim_scale('difference_usd') }} as difference_usd,
    {{ trim_scale('difference_pct') }} as difference_pct,
    is_complete_day,
    -- indicators
    calls,
    unpriced_calls,
    unpriced_call_share,
    untagged_environment_calls,
    input_tokens,
    output_tokens,
    cache_read_tokens,
    cache_read_share,
    bill_lines,
    billed_input_tokens,
    billed_output_tokens,
    case
        when abs(difference_usd) < {{ cause_floor_usd }} then ''
        -- the causes that apply, in this order (concat_ws skips NULLs, on every engine)
        else concat_ws('; ',
            case when unpriced_calls > 0 and difference_usd < 0
                then 'unpriced calls (' || unpriced_calls || ' traced without a price)' end,
            case when untagged_environment_calls > 0
                then 'untagged environments (' || untagged_environment_calls || ' calls)' end,
            case when cache_read_share >= 0.1
                then 'cache-token accounting (' || round((cache_read_share * 100)::{{ type_numeric() }}, 1)
                    || '% of input tokens read from cache)' end,
            case when difference_usd < 0 and (
                    (unpriced_calls = 0 and calls > 0)
                    or billed_input_tokens > input_tokens
                    or billed_output_tokens > output_tokens
                ) then 'calls made outside Langfuse (billed more than traced)' end,
            case when model <> '(all models)' and (calls = 0 or bill_lines = 0)
                then 'model name mismatch (' || model || ' on one side only)' end
        )
    end as likely_causes,
    {{ as_of_date() }} as as_of

from measured
