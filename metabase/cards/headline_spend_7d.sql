-- Headline number: one value from the spend_summary mart (window '7d').
select s.total_cost as spend_7d
from marts.spend_summary as s
where s.time_window = '7d'
