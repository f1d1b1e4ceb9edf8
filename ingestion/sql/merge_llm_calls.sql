-- Upsert one staged page into raw.llm_calls. Re-pulls of the trailing window make the same rows
-- arrive again: unchanged rows are left untouched (ingested_at keeps the first load time),
-- changed ones (late usage or cost from Langfuse) are updated in place.
-- Costs: the stage holds Langfuse's view (reported_cost_usd, and cost_usd / cost_source as
-- Langfuse alone would have them). The effective cost_usd / cost_source and computed_cost_usd are
-- set from the price table after the window (price_calls.sql), so a re-pull compares
-- reported_cost_usd, not the effective cost: an unchanged row stays untouched.
insert into raw.llm_calls as t (
    observation_id, trace_id, project_id, ts, user_id, session_id, feature, prompt_id, prompt_name,
    prompt_version, model, provider, observation_type, input_tokens, output_tokens, cache_read_tokens,
    cache_write_tokens, total_tokens, cost_usd, cost_source, cache_hit, latency_ms, ttft_ms, level,
    environment, tags, metadata, reported_cost_usd, ingested_at
)
select distinct on (observation_id, ts)
    observation_id, trace_id, project_id, ts, user_id, session_id, feature, prompt_id, prompt_name,
    prompt_version, model, provider, observation_type, input_tokens, output_tokens, cache_read_tokens,
    cache_write_tokens, total_tokens, cost_usd, cost_source, cache_hit, latency_ms, ttft_ms, level,
    environment, tags, metadata, reported_cost_usd, now()
from llm_calls_stage
order by observation_id, ts
on conflict (observation_id, ts) do update set
    trace_id = excluded.trace_id,
    project_id = excluded.project_id,
    user_id = excluded.user_id,
    session_id = excluded.session_id,
    feature = excluded.feature,
    prompt_id = excluded.prompt_id,
    prompt_name = excluded.prompt_name,
    prompt_version = excluded.prompt_version,
    model = excluded.model,
    provider = excluded.provider,
    observation_type = excluded.observation_type,
    input_tokens = excluded.input_tokens,
    output_tokens = excluded.output_tokens,
    cache_read_tokens = excluded.cache_read_tokens,
    cache_write_tokens = excluded.cache_write_tokens,
    total_tokens = excluded.total_tokens,
    cost_usd = excluded.cost_usd,
    cost_source = excluded.cost_source,
    cache_hit = excluded.cache_hit,
    latency_ms = excluded.latency_ms,
    ttft_ms = excluded.ttft_ms,
    level = excluded.level,
    environment = excluded.environment,
    tags = excluded.tags,
    metadata = excluded.metadata,
    reported_cost_usd = excluded.reported_cost_usd,
    ingested_at = excluded.ingested_at
where (
    t.trace_id, t.project_id, t.user_id, t.session_id, t.feature, t.prompt_id, t.prompt_name,
    t.prompt_version, t.model, t.provider, t.observation_type, t.input_tokens, t.output_tokens,
    t.cache_read_tokens, t.cache_write_tokens, t.total_tokens, t.reported_cost_usd, t.cache_hit,
    t.latency_ms, t.ttft_ms, t.level, t.environment, t.tags, t.metadata
) is distinct from (
    excluded.trace_id, excluded.project_id, excluded.user_id, excluded.session_id, excluded.feature,
    excluded.prompt_id, excluded.prompt_name, excluded.prompt_version, excluded.model, excluded.provider,
    excluded.observation_type, excluded.input_tokens, excluded.output_tokens, excluded.cache_read_tokens,
    excluded.cache_write_tokens, excluded.total_tokens, excluded.reported_cost_usd,
    excluded.cache_hit, excluded.latency_ms, excluded.ttft_ms, excluded.level, excluded.environment,
    excluded.tags, excluded.metadata
);
