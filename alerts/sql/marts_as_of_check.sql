-- Which as_of dates marts.feature_wow holds: a run for an as_of the marts were not built for
-- would otherwise fire nothing, silently.
select distinct as_of from marts.feature_wow order by as_of desc limit 5
