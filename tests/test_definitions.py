"""The one Dagster entry point loads, with the expected assets, jobs and schedules."""

import dagster as dg


def test_definitions_load_with_expected_assets():
    from orchestration import definitions

    dg.Definitions.validate_loadable(definitions.defs)
    keys = {key.to_user_string() for key in definitions.defs.resolve_asset_graph().get_all_asset_keys()}
    expected = {
        "llm_calls", "app_users", "slack_alerts", "metabase_dashboards",
        "marts/fct_llm_costs_daily", "marts/feature_costs", "marts/user_costs", "marts/prompt_costs",
        "marts/feature_wow", "marts/spend_summary", "staging/stg_langfuse__llm_calls",
    }
    assert expected <= keys, expected - keys
    assert definitions.defs.resolve_schedule_def("hourly_llm_calls").cron_schedule == "0 * * * *"
    assert definitions.defs.resolve_schedule_def("daily_warehouse_0800").cron_schedule == "0 8 * * *"
    from orchestration.lib.daily import daily_job

    daily = {k.to_user_string() for k in daily_job.selection.resolve(definitions.defs.resolve_asset_graph())}
    assert {"slack_alerts", "marts/feature_costs", "metabase_dashboards", "app_users"} <= daily
    assert "llm_calls" not in daily  # month-partitioned: it has its own hourly job
    partitions = definitions.defs.resolve_assets_def("llm_calls").partitions_def
    assert isinstance(partitions, dg.MonthlyPartitionsDefinition)


def test_dagster_cli_loads_the_entry_point_as_make_ui_does():
    """`make ui` runs `dagster dev -m orchestration.definitions`; Dagster's own loader has rules
    (one Definitions object per module) that constructing the object in Python does not check."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "orchestration.definitions"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "DAGSTER_HOME": os.environ["DAGSTER_HOME"]},
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "Validation successful" in result.stdout + result.stderr
