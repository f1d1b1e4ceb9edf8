-- Whether the alert log exists yet (it is created on the first delivering run).
select to_regclass('alerts.alert_log') is not null as exists
