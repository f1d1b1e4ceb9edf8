-- The swap: one metastore update points the month at its new version directory.
alter table raw.llm_calls partition (ts_month = date {month}) set location {location}
