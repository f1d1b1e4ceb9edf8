-- Where `llmcosts whatif` keeps the token sums it prices (this session only).
create temp table if not exists pricing_whatif_token_sums (
    calls                 bigint,
    priced_calls          bigint,
    unpriced_calls        bigint,
    current_cost_usd      numeric,
    uncached_input_tokens bigint,
    cache_read_tokens     bigint,
    cache_write_tokens    bigint,
    output_tokens         bigint
)
