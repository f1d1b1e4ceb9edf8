-- The newest alerts, delivered or not.
select
    a.first_fired_at as fired_at,
    a.channel,
    a.rule,
    a.subject,
    a.as_of,
    a.status,
    a.message,
    a.delivered_at
from alerts.alert_log as a
order by a.first_fired_at desc, a.rule, a.subject
limit 200
