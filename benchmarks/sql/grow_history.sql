-- Older history for the scale benchmark: copies of the first %(span_days)s days, shifted back by
-- %(shift_days)s days with new ids. Only history grows; the recent windows the marts read stay as they were.
insert into raw.llm_calls (
    observation_id, trace_id, project_id, ts, user_id, session_id, feature, prompt_id, prompt_name,
    prompt_version, model, provider, observation_type, input_tokens, output_tokens, cache_read_tokens,
    cache_write_tokens, total_tokens, cost_usd, cost_source, cache_hit, latency_ms, ttft_ms, level,
    environment, tags, metadata, ingested_at
)
select
    observation_id || '-h' || %(shift_days)s, trace_id, project_id, ts - make_interval(days => %(shift_days)s),
    user_id, session_id, feature, prompt_id, prompt_name, prompt_version, model, provider, observation_type,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, cost_usd, cost_source,
    cache_hit, latency_ms, ttft_ms, level, environment, tags, metadata, now()
from raw.llm_calls
where ts >= %(origin)s and ts < %(origin)s::timestamptz + make_interval(days => %(span_days)s)
  and observation_id not like '%%-h%%'
on conflict do nothing;
