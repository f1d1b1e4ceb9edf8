"""The dbt CLI resource, under the key `dbt`."""

from __future__ import annotations

from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.project import dbt_executable, llmcosts_dbt_project


def dbt_cli_resource() -> DbtCliResource:
    # Colours would end up as escape codes in Dagster's logs.
    return DbtCliResource(
        project_dir=llmcosts_dbt_project(),
        dbt_executable=dbt_executable(),
        global_config_flags=["--no-use-colors"],
    )
