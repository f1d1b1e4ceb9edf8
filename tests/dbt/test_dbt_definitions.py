"""The dbt assets load (from a manifest parsed on demand) with the documented keys and checks."""

import dagster as dg

CONTRACT_MARTS = [
    "fct_llm_costs_daily", "feature_costs", "user_costs", "prompt_costs", "feature_wow",
    "feature_costs_daily", "user_costs_daily", "prompt_costs_daily", "model_costs_daily",
    "hourly_pattern", "spend_summary", "prompt_version_transitions", "kill_review", "feature_share",
    "cohort_costs", "user_value_segments",
]


def test_dbt_definitions_load_with_schema_keys_groups_and_checks():
    from orchestration.defs.app_users import defs as app_users_defs
    from orchestration.defs.dbt import defs as dbt_defs

    defs = dg.Definitions.merge(dbt_defs, app_users_defs)
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {f"marts/{name}" for name in CONTRACT_MARTS} <= keys
    assert {"staging/stg_langfuse__llm_calls", "intermediate/int_llm_calls__labeled", "app_users"} <= keys

    staging = graph.get(dg.AssetKey(["staging", "stg_langfuse__llm_calls"]))
    assert staging.group_name == "staging"
    # The source meta puts the dbt models downstream of the ingestion asset.
    assert dg.AssetKey(["llm_calls"]) in staging.parent_keys
    assert graph.get(dg.AssetKey(["marts", "feature_costs"])).group_name == "marts"
    assert graph.get(dg.AssetKey(["intermediate", "int_llm_calls__labeled"])).group_name == "intermediate"

    # dbt tests surface as asset checks, the singular consistency test on spend_summary included.
    checks = {(check.asset_key.to_user_string(), check.name) for check in graph.asset_check_keys}
    assert any(key == "marts/feature_costs" and "unique" in name for key, name in checks)
    assert ("marts/spend_summary", "assert_feature_costs_add_up_to_spend_summary") in checks


def test_a_fresh_clone_without_target_gets_its_manifest_parsed_once(tmp_path, monkeypatch):
    import os
    import shutil

    from dagster_dbt import DbtProject

    from orchestration.defs.dbt.project import DBT_PROJECT_DIR, ensure_manifest, manifest_is_current

    clone = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, clone, ignore=shutil.ignore_patterns("target", "logs"))
    # No warehouse configured at all: parsing must not need one.
    for name in ("DATABASE_URL", "LLMCOSTS_PG_HOST", "LLMCOSTS_PG_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    project = DbtProject(project_dir=clone, profiles_dir=clone)
    assert not manifest_is_current(project)
    manifest = ensure_manifest(project)
    assert manifest.is_file() and manifest_is_current(project)
    parsed_at = manifest.stat().st_mtime
    assert ensure_manifest(project).stat().st_mtime == parsed_at  # current: not parsed again
    # Editing a model makes the manifest stale again.
    model = clone / "models" / "marts" / "feature_costs.sql"
    model.write_text(model.read_text() + "\n")
    os.utime(model, (parsed_at + 10, parsed_at + 10))  # not within the file system's mtime resolution
    assert not manifest_is_current(project)
