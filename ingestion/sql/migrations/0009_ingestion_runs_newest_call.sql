-- Freshness without scanning raw.llm_calls: each run records the Langfuse project it loaded and
-- the newest call it saw. The freshness card and checks read this small table, so their cost does
-- not grow with the calls table.
alter table raw.ingestion_runs add column if not exists project_id text;
alter table raw.ingestion_runs add column if not exists newest_call_at timestamptz;
create index if not exists ingestion_runs_project_newest_idx on raw.ingestion_runs (project_id, newest_call_at);
