"""Monthly partitions of the `llm_calls` asset, aligned one-to-one with the Postgres partitions
of raw.llm_calls (calendar months, UTC)."""

import dagster as dg

# end_offset=1 includes the current, still-growing month: it is the one refreshed hourly.
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2025-01-01", timezone="UTC", end_offset=1)
