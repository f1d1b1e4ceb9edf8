-- Per-connection scratch tables of one load: the staging table for one page of rows (loaded by
-- COPY and merged in the page's transaction, emptied by its commit), and the price periods of the models seen so far in this load
-- (filled by stage_price_periods.sql, emptied at the start of each window), so each page is
-- priced by a join to a few rows per model.
create temp table if not exists llm_calls_stage (like raw.llm_calls including defaults) on commit delete rows;

create temp table if not exists llm_price_periods (
    provider             text        not null,
    model                text        not null,
    period_from          timestamptz not null,
    period_to            timestamptz not null,
    price_version        integer,
    input_per_mtok       numeric,
    output_per_mtok      numeric,
    cache_read_per_mtok  numeric,
    cache_write_per_mtok numeric
);
