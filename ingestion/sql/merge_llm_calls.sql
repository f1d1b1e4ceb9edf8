-- Upsert one staged page into raw.llm_calls. Re-pulls of the trailing window make the same rows
-- arrive again: unchanged rows are left untouched (ingested_at keeps the first load time), changed
-- ones (late usage or cost from Langfuse, a newer price version) are updated in place.
-- The stage arrives priced by the loader (ingestion/pricing/at_load.py: computed_cost_usd and
-- price_version from raw.model_price_periods at the call's ts, the same rule as raw.call_cost that
-- `llmcosts reprice` applies; the effective cost_usd / cost_source as raw.cost_source decides).
-- Pages of calls the table does not hold yet skip this statement: the loader COPYs them straight in.
insert into raw.llm_calls as t (
    observation_id, trace_id, project_id, ts, user_id, session_id, feature, prompt_id, prompt_name,
    prompt_version, model, provider, observation_type, input_tokens, output_tokens, cache_read_tokens,
    cache_write_tokens, total_tokens, cost_usd, cost_source, cache_hit, latency_ms, ttft_ms, level,
    environment, tags, metadata, reported_cost_usd, computed_cost_usd, price_version, ingested_at
)
select
    s.observation_id, s.trace_id, s.project_id, s.ts, s.user_id, s.session_id, s.feature, s.prompt_id,
    s.prompt_name, s.prompt_version, s.model, s.provider, s.observation_type, s.input_tokens,
    s.output_tokens, s.cache_read_tokens, s.cache_write_tokens, s.total_tokens, s.cost_usd, s.cost_source,
    s.cache_hit, s.latency_ms, s.ttft_ms, s.level, s.environment, s.tags, s.metadata,
    s.reported_cost_usd, s.computed_cost_usd, s.price_version, now()
-- One row per key (ON CONFLICT cannot touch a row twice in one statement): the loader stages each
-- key once (loader._one_row_per_key), which spares this statement a sort of every page.
from llm_calls_stage as s
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
    computed_cost_usd = excluded.computed_cost_usd,
    price_version = excluded.price_version,
    ingested_at = excluded.ingested_at
where (
    t.trace_id, t.project_id, t.user_id, t.session_id, t.feature, t.prompt_id, t.prompt_name,
    t.prompt_version, t.model, t.provider, t.observation_type, t.input_tokens, t.output_tokens,
    t.cache_read_tokens, t.cache_write_tokens, t.total_tokens, t.reported_cost_usd, t.cache_hit,
    t.latency_ms, t.ttft_ms, t.level, t.environment, t.tags, t.metadata, t.computed_cost_usd,
    t.price_version
) is distinct from (
    excluded.trace_id, excluded.project_id, excluded.user_id, excluded.session_id, excluded.feature,
    excluded.prompt_id, excluded.prompt_name, excluded.prompt_version, excluded.model, excluded.provider,
    excluded.observation_type, excluded.input_tokens, excluded.output_tokens, excluded.cache_read_tokens,
    excluded.cache_write_tokens, excluded.total_tokens, excluded.reported_cost_usd,
    excluded.cache_hit, excluded.latency_ms, excluded.ttft_ms, excluded.level, excluded.environment,
    excluded.tags, excluded.metadata, excluded.computed_cost_usd, excluded.price_version
);
