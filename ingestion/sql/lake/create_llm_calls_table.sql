-- raw.llm_calls on the lake: the Postgres table's columns (ingestion/sql/migrations), as Parquet,
-- one partition per UTC month of ts. Each partition points at one version directory, swapped by
-- set_llm_calls_partition_location.sql, so readers see a whole month or the previous one.
create table if not exists raw.llm_calls (
    -- ids
    observation_id     string,
    trace_id           string,
    project_id         string,
    -- when
    ts                 timestamp,
    -- attribution
    user_id            string,
    session_id         string,
    feature            string,
    prompt_id          string,
    prompt_name        string,
    prompt_version     int,
    -- model
    model              string,
    provider           string,
    observation_type   string,
    -- usage
    input_tokens       bigint,
    output_tokens      bigint,
    cache_read_tokens  bigint,
    cache_write_tokens bigint,
    total_tokens       bigint,
    -- money
    cost_usd           decimal(20, 10),
    cost_source        string,
    cache_hit          boolean,
    -- performance
    latency_ms         double,
    ttft_ms            double,
    level              string,
    environment        string,
    tags               array<string>,
    -- a JSON object as text (read it with get_json_object)
    metadata           string,
    ingested_at        timestamp,
    reported_cost_usd  decimal(20, 10),
    computed_cost_usd  decimal(20, 10),
    price_version      int,
    -- first day of ts's UTC month
    ts_month           date
)
using parquet
partitioned by (ts_month)
location {location}
