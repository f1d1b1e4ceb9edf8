-- The per-connection staging table for one page of rows that may already be in raw.llm_calls
-- (loaded by COPY and merged by merge_llm_calls.sql in the page's transaction, emptied by its commit).
create temp table if not exists llm_calls_stage (like raw.llm_calls including defaults) on commit delete rows;
