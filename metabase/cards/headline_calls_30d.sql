-- Headline number: one value from the spend_summary mart (window '30d').
-- "window" is quoted: it is a reserved word in Postgres.
select s.calls as calls_30d
from marts.spend_summary as s
where s."window" = '30d'
