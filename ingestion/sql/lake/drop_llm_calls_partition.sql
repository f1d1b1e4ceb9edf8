-- Take a month out of raw.llm_calls. The table is external (its files are ours), so this only
-- forgets the partition: the caller moves or deletes its directory afterwards.
alter table raw.llm_calls drop if exists partition (ts_month = date {month})
