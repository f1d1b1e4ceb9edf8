"""The one Dagster entry point: `dagster dev -m orchestration.definitions`.

Each domain keeps its wiring in `orchestration/defs/<domain>/` and exposes a `defs` object; they are
merged here, with the resources every domain shares and the project-wide policies (the daily job
and its schedule).
"""

import dagster as dg

# Domain modules, not their `defs` objects: Dagster's loader (`dagster dev -m`) refuses a module
# with more than one Definitions object at module scope.
from orchestration.defs import (
    alerts,
    app_users,
    budgets,
    dbt,
    langfuse,
    metabase,
    plausible,
    pricing,
    quality,
)
from orchestration.lib.daily import daily_job, daily_schedule
from orchestration.lib.settings_resource import SettingsResource

DOMAIN_DEFS = [
    domain.defs
    for domain in (langfuse, quality, pricing, app_users, plausible, budgets, dbt, alerts, metabase)
]

defs = dg.Definitions.merge(
    *DOMAIN_DEFS,
    dg.Definitions(
        jobs=[daily_job],
        schedules=[daily_schedule],
        resources={"llmcosts": SettingsResource()},
    ),
)
