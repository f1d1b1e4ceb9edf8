"""The one Dagster entry point loads, with the expected assets, jobs and schedules."""

import dagster as dg


def test_definitions_load_with_expected_assets():
    from orchestration import definitions

    dg.Definitions.validate_loadable(definitions.defs)
    keys = {key.to_user_string() for key in definitions.defs.resolve_asset_graph().get_all_asset_keys()}
    expected = {"llm_calls"}
    assert expected <= keys, expected - keys
    assert definitions.defs.resolve_schedule_def("hourly_llm_calls").cron_schedule == "0 * * * *"
    partitions = definitions.defs.resolve_assets_def("llm_calls").partitions_def
    assert isinstance(partitions, dg.MonthlyPartitionsDefinition)
