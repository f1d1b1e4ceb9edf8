"""Pricing: the dated, versioned price table (raw.model_prices) and the costs of raw.llm_calls.

- `price_table.load_prices(conn)`: genai-prices (historic list prices) + the local overrides file
  -> a new raw.model_prices version when anything changed (never an in-place overwrite).
- `repricing.price_window(conn, start, end)`: computed and effective costs of the calls in
  [start, end) (`ingestion/sql/price_calls.sql`). The loader prices each page before writing it
  (`at_load.py`: the same rule in Python, from the same price periods, raw.model_price_periods).
- `repricing.reprice(conn, since, until)`: the same over history, month by month.
- `whatif.whatif(conn, ...)`: the last 30 days re-priced on another model, token for token.

Environment (read at call time):
- `LLMCOSTS_PRICE_OVERRIDES`: path of the overrides YAML; default `ingestion/pricing/price_overrides.yml`.
"""
