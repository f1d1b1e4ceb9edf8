-- Headline number: one value from the spend_summary mart (window '1d').
select s.total_cost as spend_1d
from marts.spend_summary as s
where s.time_window = '1d'
