-- Creates the monthly partition of raw.llm_calls that holds %(month_start)s, if missing.
-- Bounds are half-open [month_start, next month_start), UTC. Called through the
-- raw.ensure_llm_calls_partition function so the DDL stays in SQL, not Python strings.
select raw.ensure_llm_calls_partition(%(month_start)s::date);
