-- True when no session holds the run's lock: its process is gone. The caller releases it at once.
select pg_try_advisory_lock(%(namespace)s, hashtext(%(run_id)s));
