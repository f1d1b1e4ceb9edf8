"""The one Dagster entry point: `dagster dev -m orchestration.definitions`.

Each domain keeps its wiring in `orchestration/defs/<domain>/` and exposes a `defs` object; they are
merged here, with the resources every domain shares and the project-wide policies, applied once:
the warehouse jobs and the daily schedule (orchestration/lib/daily.py), and on every asset an owner
(the team of LLMCOSTS_OWNER_TEAM) and a `domain` tag naming the folder its wiring lives in.
"""

import warnings

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
from orchestration.lib.daily import build_job, daily_job, daily_schedule
from orchestration.lib.settings_resource import SettingsResource

DOMAINS = {
    "langfuse": langfuse, "quality": quality, "pricing": pricing, "app_users": app_users,
    "plausible": plausible, "budgets": budgets, "dbt": dbt, "alerts": alerts, "metabase": metabase,
}


def with_project_policies(domain: str, domain_defs: dg.Definitions, owner: str) -> dg.Definitions:
    """Owner and domain tag on every asset of one domain (kept beside any the domain set)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)  # map_asset_specs is "preview" in 1.13
        return domain_defs.map_asset_specs(
            func=lambda spec: spec.merge_attributes(owners=[f"team:{owner}"], tags={"domain": domain})
        )


def _owner() -> str:
    from llmcosts_core.settings import owner_team

    return owner_team()


DOMAIN_DEFS = [with_project_policies(name, module.defs, _owner()) for name, module in DOMAINS.items()]

defs = dg.Definitions.merge(
    *DOMAIN_DEFS,
    dg.Definitions(
        jobs=[build_job, daily_job],
        schedules=[daily_schedule],
        resources={"llmcosts": SettingsResource()},
    ),
)
