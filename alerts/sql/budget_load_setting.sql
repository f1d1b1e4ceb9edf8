-- One setting of the budgets file (metadata keys, default tier, throttle share) for dbt and the check.
insert into raw.budget_settings (setting, value) values (%(setting)s, %(value)s)
