-- Malformed observations, kept whole with the reason (as raw.llm_calls_rejects in Postgres); each
-- run appends one Parquet file to the table's directory.
create table if not exists raw.llm_calls_rejects (
    reject_id      bigint,
    observation_id string,
    project_id     string,
    source_key     string,
    reason         string,
    raw            string,
    run_id         string,
    rejected_at    timestamp
)
using parquet
location {location}
