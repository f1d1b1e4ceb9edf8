-- Release lock_lake_month.sql's lock.
select pg_advisory_unlock(%(namespace)s, %(month_key)s)
