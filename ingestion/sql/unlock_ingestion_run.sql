select pg_advisory_unlock(%(namespace)s, hashtext(%(run_id)s));
