-- Record one fired alert for one channel. A delivered row is never touched again (that is what
-- makes a re-run silent); an undelivered row takes the newest wording, since the marts it was
-- computed from may have been rebuilt since.
insert into alerts.alert_log (rule, subject, as_of, channel, position, message, details, covered_by)
values (%(rule)s, %(subject)s, %(as_of)s, %(channel)s, %(position)s, %(message)s, %(details)s, %(covered_by)s)
on conflict (rule, subject, as_of, channel) do update
set position = excluded.position,
    message = excluded.message,
    details = excluded.details,
    covered_by = excluded.covered_by
where alerts.alert_log.status <> 'delivered';
