-- Subjects of the price_list_change rule already in the alert log, under any as_of: a list-price
-- change is posted once, not again on every later day.
select distinct subject from alerts.alert_log where rule = 'price_list_change'
