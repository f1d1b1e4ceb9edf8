-- The outcome of one delivery attempt for the rows that went out together.
update alerts.alert_log
set status = %(status)s,
    attempts = attempts + %(attempts)s,
    last_error = %(last_error)s,
    last_attempt_at = now(),
    delivered_at = case when %(status)s = 'delivered' then now() else delivered_at end
where channel = %(channel)s
  and status <> 'delivered'
  and (rule, subject, as_of) in (
      select r.rule, r.subject, r.as_of
      from unnest(%(rules)s::text[], %(subjects)s::text[], %(as_ofs)s::date[]) as r (rule, subject, as_of)
  );
