-- Everything a channel still owes, oldest first: this run's alerts and any left pending by an
-- earlier run. `for update` makes a concurrent run wait rather than post the same rows twice.
select rule, subject, as_of, position, message, details, attempts, covered_by
from alerts.alert_log
where channel = %(channel)s
  and status <> 'delivered'
order by as_of, rule, position, subject
for update;
