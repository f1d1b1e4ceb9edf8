-- Held by the session that runs an ingestion, for as long as it runs: Postgres releases a session's
-- advisory locks when the session ends, also when its process is killed (kill -9, a machine
-- restart), so "nobody holds this run's lock" is how the next run knows a 'running' row is dead.
-- A try-lock: two loads that share a run id (tests, `ingest_month` called by hand) must not wait on
-- each other; either one holding it keeps the rows of that id from being marked abandoned.
select pg_try_advisory_lock(%(namespace)s, hashtext(%(run_id)s));
