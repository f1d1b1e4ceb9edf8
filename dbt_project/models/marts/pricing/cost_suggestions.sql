-- Cost-saving suggestions over the last 30 days [as_of - 30, as_of), each with an estimated
-- monthly saving (the 30-day window is the month), at today's list prices:
-- - cheaper_model: a feature on a model where a cheaper model of the same provider exists
--   (the best swap of whatif_model_swaps; token for token, quality not judged);
-- - long_inputs: a prompt averaging more than 2,000 input tokens; estimate: its uncached input
--   cost scaled down to an average of 2,000 tokens;
-- - low_cache_hit: a prompt version called at least 100 times with a cache-hit rate under 50 %;
--   estimate: half of its uncached input tokens read from the cache instead (a stable prefix
--   is assumed to be half the prompt);
-- - failed_calls: spend on calls that failed (level ERROR): all of it.
with

calls as (

    select * from {{ ref('int_pricing__calls_30d') }}

),

ranked_swaps as (

    -- a window rather than Postgres' `distinct on`; NULLs ordered as Postgres does, explicitly,
    -- since Spark's default is the opposite
    select
        *,
        row_number() over (
            partition by feature, current_model
            order by monthly_saving_usd desc nulls first, candidate_model asc nulls last
        ) as saving_rank
    from {{ ref('whatif_model_swaps') }}

),

cheaper_model as (

    select
        'cheaper_model' as suggestion_type,
        feature,
        {{ untagged_label() }} as prompt_id,
        current_model as model,
        'move ' || feature || ' from ' || current_model || ' to ' || candidate_model
            || ' (same provider, token for token)' as detail,
        monthly_saving_usd as estimated_monthly_saving_usd
    from ranked_swaps
    where saving_rank = 1

),

prompts as (

    select
        feature,
        prompt_id,
        max(model) as model,
        count(*) as calls,
        avg(input_tokens) as avg_input_tokens,
        {{ safe_divide('count(*) filter (where is_cache_hit)', 'count(*)') }} as cache_hit_rate,
        {{ sum_token_cost('uncached_input_tokens', 'input_per_mtok') }} as uncached_input_cost,
        {{ sum_token_cost('uncached_input_tokens', '(input_per_mtok - cache_read_per_mtok)') }}
            as cacheable_saving
    from calls
    where prompt_id <> {{ untagged_label() }}
    group by 1, 2

),

long_inputs as (

    select
        'long_inputs' as suggestion_type,
        feature,
        prompt_id,
        model,
        'prompt averages ' || round(avg_input_tokens)::bigint || ' input tokens (over 2,000)' as detail,
        coalesce(uncached_input_cost * (1 - 2000 / avg_input_tokens), 0) as estimated_monthly_saving_usd
    from prompts
    where avg_input_tokens > 2000

),

low_cache_hit as (

    select
        'low_cache_hit' as suggestion_type,
        feature,
        prompt_id,
        model,
        'cache hits on ' || round((100 * cache_hit_rate)::{{ type_numeric() }}, 1) || ' % of ' || calls
            || ' calls of one prompt version' as detail,
        coalesce(cacheable_saving * 0.5, 0) as estimated_monthly_saving_usd
    from prompts
    where calls >= 100
      and cache_hit_rate < 0.5

),

failed_calls as (

    select
        'failed_calls' as suggestion_type,
        feature,
        {{ untagged_label() }} as prompt_id,
        max(model) as model,
        count(*) || ' failed calls (level ERROR) still billed' as detail,
        sum(cost_usd) as estimated_monthly_saving_usd
    from calls
    where is_error
      and cost_usd > 0
    group by feature

),

suggestions as (

    select * from cheaper_model
    union all
    select * from long_inputs
    union all
    select * from low_cache_hit
    union all
    select * from failed_calls

)

select
    {{ surrogate_key(['suggestion_type', 'feature', 'prompt_id', 'model']) }} as suggestion_key,
    suggestion_type,
    feature,
    prompt_id,
    model,
    detail,
    round(estimated_monthly_saving_usd::{{ type_numeric() }}, 6) as estimated_monthly_saving_usd,
    {{ as_of_date() }} as as_of
from suggestions
where estimated_monthly_saving_usd > 0
