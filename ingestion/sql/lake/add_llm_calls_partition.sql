-- A month's first version: the partition appears with its whole content at once.
alter table raw.llm_calls add if not exists partition (ts_month = date {month}) location {location}
