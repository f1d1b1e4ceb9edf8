-- Provider bills (usage and cost exports from the OpenAI and Anthropic consoles / admin APIs, or a
-- generic CSV) dropped into LLMCOSTS_BILLS_DIR and loaded by ingestion/quality/bills.py.
-- A file is loaded once, by the sha256 of its content: the same export copied twice, or renamed,
-- is counted once. Lines that cannot be read are kept whole in provider_bill_rejects with the
-- reason, so nothing is lost; a file that cannot be read at all ('unreadable') is one reject
-- holding its whole text.
create schema if not exists raw;

create table if not exists raw.provider_bill_files (
    content_sha256 text        primary key,
    file_name      text        not null,
    format         text        not null,
    lines_loaded   integer     not null default 0,
    lines_rejected integer     not null default 0,
    loaded_at      timestamptz not null default now(),
    constraint provider_bill_files_format_check
        check (format in ('openai_costs', 'anthropic_cost_report', 'generic_csv', 'unreadable'))
);

create table if not exists raw.provider_bills (
    -- ids
    content_sha256 text           not null references raw.provider_bill_files (content_sha256),
    line_number    integer        not null,
    -- grain: one UTC day x provider (x model when the export has it)
    day            date           not null,
    provider       text           not null,
    model          text,
    line_item      text,
    cost_type      text,
    project_id     text,
    -- numerics: USD, numeric so sums match the invoice to the cent
    cost_usd       numeric(20, 10) not null,
    input_tokens   bigint,
    output_tokens  bigint,
    currency       text           not null default 'USD',
    constraint provider_bills_pkey primary key (content_sha256, line_number)
);

create index if not exists provider_bills_day_provider_idx on raw.provider_bills (day, provider);

create table if not exists raw.provider_bill_rejects (
    reject_id      bigserial   primary key,
    content_sha256 text        not null references raw.provider_bill_files (content_sha256),
    file_name      text        not null,
    line_number    integer     not null,
    reason         text        not null,
    raw            text        not null,
    rejected_at    timestamptz not null default now()
);
