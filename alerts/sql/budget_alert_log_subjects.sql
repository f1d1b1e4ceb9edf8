-- Which of these subjects a budget rule has already recorded (any channel, delivered or still
-- owed): they are never recorded again, whatever the as_of of the run.
select distinct subject
from alerts.alert_log
where rule = %(rule)s
    and subject = any(%(subjects)s)
