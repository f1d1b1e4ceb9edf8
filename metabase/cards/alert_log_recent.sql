-- The newest alerts, delivered or not.
select
    a.created_at,
    a.rule,
    a.subject,
    a.as_of,
    a.status,
    a.message,
    a.delivered_at
from alerts.alert_log as a
order by a.created_at desc, a.rule, a.subject
limit 200
