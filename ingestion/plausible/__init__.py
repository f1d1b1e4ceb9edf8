"""Product usage per feature, from Plausible Analytics (or a CSV file), into raw.feature_usage.

LLM calls measure cost, not value: a feature that costs a lot and is rarely used is the one to
kill, throttle or merge. Teams record feature usage as custom events (goals) in Plausible; this
package pulls their daily counts through Plausible's Stats API v2 (`POST /api/v2/query`), maps event
names (or an event property) to feature names, and replaces those days in `raw.feature_usage`
(`day, feature, events, visitors, source`). dbt joins it to cost (`marts.feature_cost_per_use`,
`marts.kill_review`).

Modules: `config` (environment), `mapping` (event -> feature map), `client` (Stats API client with
retries), `loader` (idempotent per-day loads; `load_feature_usage` is what the Dagster asset and the
CLI call), `local_server` (a Plausible-compatible server for the demo and tests, 127.0.0.1 only),
`demo_usage` (seeded usage matching the synthetic Langfuse workload).

Environment (read when a load runs, never at import):

| variable | meaning |
| --- | --- |
| `PLAUSIBLE_URL` | Plausible's base URL; default `https://plausible.io` (self-hosted: your instance). |
| `PLAUSIBLE_API_KEY` | a Stats API key (sent as a bearer token; a secret, never logged). |
| `PLAUSIBLE_SITE_ID` | the site's domain as configured in Plausible. |
| `LLMCOSTS_PLAUSIBLE_EVENT_MAP` | YAML file mapping event names (or property values) to features; default `ingestion/plausible/event_feature_map.yml`. |
| `LLMCOSTS_FEATURE_USAGE_CSV` | without Plausible: a CSV file `day,feature,events,visitors` to load instead. |
| `LLMCOSTS_PLAUSIBLE_LOOKBACK_DAYS` | days re-pulled before the newest loaded day on every run (late events); default 3. |
| `LLMCOSTS_PLAUSIBLE_BACKFILL_DAYS` | how far back the first load reaches; default 90. |
| `LLMCOSTS_PLAUSIBLE_PAGE_LIMIT` | rows per Stats API page (`pagination.limit`); default 10000 (Plausible's maximum). |

Timeouts and retries use the same settings as the Langfuse source: `LLMCOSTS_HTTP_TIMEOUT`,
`LLMCOSTS_MAX_RETRIES`, `LLMCOSTS_BACKOFF_BASE`, `LLMCOSTS_BACKOFF_MAX`.
"""
