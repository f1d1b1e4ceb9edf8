-- The month partitions of raw.llm_calls on the lake, as `ts_month=YYYY-MM-01`.
show partitions raw.llm_calls
