-- Register a new price version; its rows are then COPYed into raw.model_prices.
insert into raw.model_price_versions (price_version, content_hash, genai_prices_version, overrides_file, row_count)
values (%(price_version)s, %(content_hash)s, %(genai_prices_version)s, %(overrides_file)s, %(row_count)s)
