"""Dashboards as code for Metabase, and the same dashboards as an HTML report without Metabase.

- `cards/*.sql`: one native query per card, on the marts, with Metabase template tags.
- `dashboards/*.yaml`: which cards a dashboard shows, how, where, and which filters it has.
- `metabase.sync.sync_metabase()`: provisions Metabase from those files, idempotently.
- `metabase.report.write_html_report()`: renders the same queries into one self-contained page.

Plain Python: usable without Dagster; imports only `llmcosts_core` from the project.
"""
