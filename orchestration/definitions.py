"""The one Dagster entry point: `dagster dev -m orchestration.definitions`.

Each domain keeps its wiring in `orchestration/defs/<domain>/` and exposes a `defs` object; they are
merged here, with the resources every domain shares and the project-wide policies (the daily job
and its schedule).
"""

import dagster as dg

from orchestration.defs.alerts import defs as alerts_defs
from orchestration.defs.app_users import defs as app_users_defs
from orchestration.defs.budgets import defs as budgets_defs
from orchestration.defs.dbt import defs as dbt_defs
from orchestration.defs.langfuse import defs as langfuse_defs
from orchestration.defs.metabase import defs as metabase_defs
from orchestration.defs.plausible import defs as plausible_defs
from orchestration.defs.pricing import defs as pricing_defs
from orchestration.defs.quality import defs as quality_defs
from orchestration.lib.daily import daily_job, daily_schedule
from orchestration.lib.settings_resource import SettingsResource

DOMAIN_DEFS = [
    langfuse_defs, quality_defs, pricing_defs, app_users_defs, plausible_defs, budgets_defs, dbt_defs,
    alerts_defs,
    metabase_defs,
]

defs = dg.Definitions.merge(
    *DOMAIN_DEFS,
    dg.Definitions(
        jobs=[daily_job],
        schedules=[daily_schedule],
        resources={"llmcosts": SettingsResource()},
    ),
)
