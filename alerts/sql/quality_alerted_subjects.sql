-- Subjects a rule has already raised, whatever the as_of: for rules whose rows must fire once ever.
select distinct subject
from alerts.alert_log
where rule = %(rule)s
