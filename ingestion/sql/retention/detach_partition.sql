-- DETACH ... CONCURRENTLY takes only a SHARE UPDATE EXCLUSIVE lock on raw.llm_calls: readers and
-- the ingestion keep working while an old month leaves. It cannot run inside a transaction block.
alter table raw.llm_calls detach partition raw.{partition} concurrently;
