-- Older history for the scale benchmark on Spark: copies of the first {span_days} days, shifted
-- back by {shift_days} days with new ids (the Spark form of ../grow_history.sql). Only history
-- grows; the recent windows the marts read stay as they were.
insert into raw.llm_calls partition (ts_month)
select
    observation_id || '-h{shift_days}', trace_id, project_id, ts - make_interval(0, 0, 0, {shift_days}),
    user_id, session_id, feature, prompt_id, prompt_name, prompt_version, model, provider, observation_type,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, cost_usd, cost_source,
    cache_hit, latency_ms, ttft_ms, level, environment, tags, metadata, current_timestamp(), reported_cost_usd,
    computed_cost_usd, price_version,
    cast(date_trunc('month', ts - make_interval(0, 0, 0, {shift_days})) as date) as ts_month
from raw.llm_calls
where ts >= timestamp'{origin}' and ts < timestamp'{origin}' + make_interval(0, 0, 0, {span_days})
  and observation_id not like '%-h%'
