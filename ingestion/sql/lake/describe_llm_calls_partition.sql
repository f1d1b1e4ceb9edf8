-- Where one month partition's files are now (the Location row), or an error if it does not exist.
describe formatted raw.llm_calls partition (ts_month = date {month})
