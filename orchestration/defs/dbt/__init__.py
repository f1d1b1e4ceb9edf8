"""Dagster wiring of the dbt project (dbt_project/): assets, checks and the `dbt` resource."""

import dagster as dg

from orchestration.defs.dbt.assets import (
    DBT_ASSETS_OP_NAME,
    DbtBuildConfig,
    build_dbt_vars,
    dbt_run_config,
    llmcosts_dbt_models,
)
from orchestration.defs.dbt.resources import dbt_cli_resource

defs = dg.Definitions(assets=[llmcosts_dbt_models], resources={"dbt": dbt_cli_resource()})

__all__ = [
    "DBT_ASSETS_OP_NAME",
    "DbtBuildConfig",
    "build_dbt_vars",
    "dbt_run_config",
    "defs",
    "llmcosts_dbt_models",
]
