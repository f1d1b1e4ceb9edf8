-- The first and last call on the lake (the bounds of an unbounded re-price); NULLs when empty.
select min(ts), max(ts) from raw.llm_calls
