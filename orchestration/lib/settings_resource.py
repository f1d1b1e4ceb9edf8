"""The one Dagster resource that hands the project's configuration to assets.

Configuration is read by `llmcosts_core.settings.get_settings()` at run time (never at import),
the one place the environment is read. The optional override fields exist for tests and for a
deployment that prefers Dagster's config system; `DATABASE_URL` cannot be an `EnvVar` here because
leaving it unset is meaningful (it selects the embedded Postgres) and `EnvVar` requires it to be set.
"""


import dataclasses

import dagster as dg

from llmcosts_core.settings import Secret, Settings, get_settings


class SettingsResource(dg.ConfigurableResource):
    database_url: str | None = None

    def settings(self) -> Settings:
        settings = get_settings()
        if self.database_url:
            settings = dataclasses.replace(settings, database_url=Secret(self.database_url))
        return settings
