-- Where the price_list_change rule keeps the 30-day token mix while it prices it (this session only).
create temp table if not exists price_list_change_token_mix (
    provider              text,
    model                 text,
    calls                 bigint,
    uncached_input_tokens bigint,
    cache_read_tokens     bigint,
    cache_write_tokens    bigint,
    output_tokens         bigint
)
