-- Headline number: one value from the spend_summary mart (window '1d').
-- "window" is quoted: it is a reserved word in Postgres.
select s.total_cost as spend_1d
from marts.spend_summary as s
where s."window" = '1d'
