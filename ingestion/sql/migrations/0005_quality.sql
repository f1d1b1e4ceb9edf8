-- raw.data_quality_results: every data-quality check result (Great Expectations suite on a window
-- of raw.llm_calls, freshness per Langfuse project, billing reconciliation gaps), one row per check
-- per evaluation, kept so trends are visible and the alerts engine can read the latest outcome.
create schema if not exists raw;

create table if not exists raw.data_quality_results (
    result_id        bigserial   primary key,
    -- what was checked
    check_name       text        not null,
    asset_key        text        not null,
    partition_key    text,
    window_start     timestamptz,
    window_end       timestamptz,
    -- outcome: severity is what a failure means (ERROR = the data is wrong, WARN = incomplete)
    severity         text        not null,
    passed           boolean     not null,
    observed_value   double precision,
    threshold        double precision,
    element_count    bigint,
    unexpected_count bigint,
    details          jsonb       not null default '{}'::jsonb,
    -- provenance
    run_id           text,
    checked_at       timestamptz not null default now(),
    constraint data_quality_results_severity_check check (severity in ('ERROR', 'WARN'))
);

create index if not exists data_quality_results_checked_at_idx
    on raw.data_quality_results (checked_at);
create index if not exists data_quality_results_check_idx
    on raw.data_quality_results (check_name, checked_at);
