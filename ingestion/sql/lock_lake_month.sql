-- Held by whoever rewrites one month partition of raw.llm_calls on the lake (a load, a re-price,
-- a prune, the demo's reset), for as long as the rewrite runs: two rewrites of one month would each
-- start from the same version, and the later swap would drop the other's rows. A session lock in
-- the control Postgres: released at unlock, or when the session ends (a killed process included).
select pg_advisory_lock(%(namespace)s, %(month_key)s)
