"""The `metabase_dashboards` asset: skips cleanly without Metabase, syncs with one."""

import dagster as dg
import pytest
from metabase_server import FakeMetabase

from metabase.catalog import load_catalog
from orchestration.defs.metabase import defs, metabase_dashboards


def test_definitions_load_with_the_expected_asset_and_deps():
    assert dg.AssetKey("metabase_dashboards") in {a.key for a in defs.resolve_all_asset_specs()}
    deps = {dep.asset_key for dep in metabase_dashboards.specs_by_key[dg.AssetKey("metabase_dashboards")].deps}
    assert deps == {dg.AssetKey(["marts", name]) for name in ("feature_costs", "user_costs", "prompt_costs")} | {
        dg.AssetKey("slack_alerts")  # the alert log dashboard reads what the alerts run wrote
    }


def _metadata(result) -> dict:
    (event,) = result.get_asset_materialization_events()
    return event.materialization.metadata


def test_without_metabase_url_the_asset_records_a_skip():
    result = dg.materialize([metabase_dashboards])
    assert result.success
    metadata = _metadata(result)
    assert metadata["skipped"].value is True and "METABASE_URL" in metadata["reason"].value


def test_with_metabase_url_the_asset_syncs(monkeypatch):
    server = FakeMetabase().start()
    try:
        server.add_database("llmcosts warehouse")
        monkeypatch.setenv("METABASE_URL", server.url)
        monkeypatch.setenv("METABASE_API_KEY", server.api_key)
        monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@warehouse.example:5432/llmcosts")
        result = dg.materialize([metabase_dashboards])
        metadata = _metadata(result)
        assert metadata["skipped"].value is False and metadata["created"].value > 0
        # One Metabase dashboard per dashboard file in metabase/dashboards/.
        assert len(server.dashboards) == len(load_catalog().dashboards) >= 3
        # A failed sync fails the asset (only a missing METABASE_URL is a skip).
        monkeypatch.setenv("METABASE_API_KEY", "wrong")
        with pytest.raises(Exception, match="METABASE_API_KEY"):
            dg.materialize([metabase_dashboards])
    finally:
        server.stop()
