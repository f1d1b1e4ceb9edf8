-- The "new day" of the incremental benchmark on Spark: a copy of the day a week before {day},
-- moved forward seven days with new observation ids (the Spark form of ../add_one_day.sql).
insert into raw.llm_calls partition (ts_month)
select
    observation_id || '-d{day_compact}', trace_id, project_id, ts + interval '7 days', user_id, session_id,
    feature, prompt_id, prompt_name, prompt_version, model, provider, observation_type, input_tokens,
    output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, cost_usd, cost_source, cache_hit,
    latency_ms, ttft_ms, level, environment, tags, metadata, current_timestamp(), reported_cost_usd,
    computed_cost_usd, price_version,
    cast(date_trunc('month', ts + interval '7 days') as date) as ts_month
from raw.llm_calls
where ts >= timestamp'{day}' - interval '7 days' and ts < timestamp'{day}' - interval '6 days'
