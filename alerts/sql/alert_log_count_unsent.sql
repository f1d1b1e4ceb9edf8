-- How many alerts the given channels still owe (pending or failed), across all as_of dates.
select count(*)
from alerts.alert_log
where status <> 'delivered'
  and channel = any(%(channels)s)
