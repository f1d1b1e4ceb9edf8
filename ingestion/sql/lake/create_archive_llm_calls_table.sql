-- archive.llm_calls: the months `llmcosts prune` archived, with raw.llm_calls' columns and
-- partitioning, out of every query on raw.llm_calls and still readable for an audit.
create table if not exists archive.llm_calls like raw.llm_calls using parquet location {location}
