-- The "new day" of the incremental benchmark: a copy of the day a week before %(day)s, moved
-- forward seven days with new observation ids.
insert into raw.llm_calls (
    observation_id, trace_id, project_id, ts, user_id, session_id, feature, prompt_id, prompt_name,
    prompt_version, model, provider, observation_type, input_tokens, output_tokens, cache_read_tokens,
    cache_write_tokens, total_tokens, cost_usd, cost_source, cache_hit, latency_ms, ttft_ms, level,
    environment, tags, metadata, ingested_at
)
select
    observation_id || '-d' || to_char(%(day)s::date, 'YYYYMMDD'), trace_id, project_id, ts + interval '7 days',
    user_id, session_id, feature, prompt_id, prompt_name, prompt_version, model, provider, observation_type,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, cost_usd, cost_source,
    cache_hit, latency_ms, ttft_ms, level, environment, tags, metadata, now()
from raw.llm_calls
where ts >= %(day)s::timestamptz - interval '7 days' and ts < %(day)s::timestamptz - interval '6 days'
on conflict do nothing;
