-- An archived month, at the directory it was moved to.
alter table archive.llm_calls add if not exists partition (ts_month = date {month}) location {location}
