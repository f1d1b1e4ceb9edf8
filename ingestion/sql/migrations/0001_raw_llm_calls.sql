-- raw.llm_calls: one row per LLM call (Langfuse GENERATION or EMBEDDING observation).
-- Declaratively partitioned by month on ts (UTC); partitions are created by
-- ingestion/sql/ensure_month_partition.sql before a window is loaded. The column names are a
-- contract read by dbt, dashboards and users' scripts.
create schema if not exists raw;

create table if not exists raw.llm_calls (
    -- ids
    observation_id     text        not null,
    trace_id           text,
    project_id         text        not null,
    -- when
    ts                 timestamptz not null,
    -- attribution
    user_id            text,
    session_id         text,
    feature            text,
    prompt_id          text,
    prompt_name        text,
    prompt_version     integer,
    -- model
    model              text,
    provider           text,
    observation_type   text        not null,
    -- usage
    input_tokens       bigint,
    output_tokens      bigint,
    cache_read_tokens  bigint,
    cache_write_tokens bigint,
    total_tokens       bigint,
    -- money: numeric, because summing floats over millions of calls drifts from the bill
    cost_usd           numeric(20, 10),
    cost_source        text        not null,
    cache_hit          boolean     not null default false,
    -- performance
    latency_ms         double precision,
    ttft_ms            double precision,
    level              text,
    environment        text,
    tags               text[],
    metadata           jsonb,
    ingested_at        timestamptz not null default now(),
    constraint llm_calls_pkey primary key (observation_id, ts),
    constraint llm_calls_cost_source_check check (cost_source in ('langfuse', 'price_table', 'unpriced'))
) partition by range (ts);

create index if not exists llm_calls_feature_ts_idx on raw.llm_calls (feature, ts);
create index if not exists llm_calls_user_ts_idx on raw.llm_calls (user_id, ts);
create index if not exists llm_calls_prompt_ts_idx on raw.llm_calls (prompt_id, ts);

-- Malformed observations: kept whole, with the reason, so nothing is silently dropped.
create table if not exists raw.llm_calls_rejects (
    reject_id      bigserial   primary key,
    observation_id text,
    project_id     text,
    source_key     text        not null,
    reason         text        not null,
    raw            jsonb       not null,
    run_id         text,
    rejected_at    timestamptz not null default now()
);
create index if not exists llm_calls_rejects_rejected_at_idx on raw.llm_calls_rejects (rejected_at);

-- One watermark per Langfuse project (source_key = base URL + public key). It only moves after
-- the rows of the window it covers are committed.
create table if not exists raw.ingestion_watermarks (
    source_key  text        primary key,
    watermark   timestamptz not null,
    updated_at  timestamptz not null default now()
);

-- One row per ingestion run and source, for freshness checks and the dashboard.
create table if not exists raw.ingestion_runs (
    run_id          text        not null,
    source_key      text        not null,
    window_start    timestamptz not null,
    window_end      timestamptz not null,
    started_at      timestamptz not null,
    finished_at     timestamptz,
    status          text        not null,
    rows_upserted   bigint      not null default 0,
    rows_rejected   bigint      not null default 0,
    rows_skipped    bigint      not null default 0,
    pages           integer     not null default 0,
    retries         integer     not null default 0,
    error           text,
    primary key (run_id, source_key, window_start)
);
