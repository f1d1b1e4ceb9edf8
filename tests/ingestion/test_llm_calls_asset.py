"""The `llm_calls` asset materialized by Dagster for one month partition, as the schedule runs it."""

from datetime import UTC, datetime

import dagster as dg
import psycopg

from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import generate_observations
from orchestration.defs.langfuse.assets import llm_calls
from orchestration.lib.settings_resource import SettingsResource


def test_materializing_a_month_partition_pulls_exactly_that_month(migrated_warehouse, monkeypatch):
    end = datetime(2026, 11, 3, tzinfo=UTC)
    observations = generate_observations(end, days=5, calls_per_day=60, seed=3, project_id="p")
    with LocalLangfuseServer(observations, public_key="pk", secret_key="sk", project_id="p") as server:
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk")
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk")
        monkeypatch.setenv("LANGFUSE_BASE_URL", server.base_url)
        result = dg.materialize(
            [llm_calls],
            partition_key="2026-10-01",
            resources={"llmcosts": SettingsResource()},
            instance=dg.DagsterInstance.ephemeral(),
        )
    assert result.success
    metadata = result.asset_materializations_for_node("llm_calls")[0].metadata
    october = [o for o in observations
               if o["type"] in ("GENERATION", "EMBEDDING") and o["startTime"] < "2026-11-01"]
    assert metadata["rows_upserted"].value == len(october) > 0
    assert metadata["rejects"].value == 0
    expected_cost = sum(o["totalCost"] or 0 for o in october)
    assert abs(metadata["cost_total_usd"].value - expected_cost) < 1e-6
    with psycopg.connect(migrated_warehouse) as conn:
        span = conn.execute("select min(ts), max(ts), count(*) from raw.llm_calls").fetchone()
    assert span[0] >= datetime(2026, 10, 1, tzinfo=UTC) and span[1] < datetime(2026, 11, 1, tzinfo=UTC)
    assert span[2] == len(october)
