-- Per-connection staging table for one page of rows: loaded by COPY, merged, then truncated.
create temp table if not exists llm_calls_stage (like raw.llm_calls including defaults);
