"""Ingestion into the lake (LLMCOSTS_WAREHOUSE=spark): the real Langfuse-compatible server over
HTTP, the real control Postgres, Parquet on a local lake and a real Spark cluster reading it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from ingestion import lake
from ingestion.loader import read_watermark
from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import generate_observations
from ingestion.pipeline import ingest_month
from llmcosts_core.settings import get_settings
from llmcosts_core.spark import execute, spark_sql

PK, SK = "pk-lf-test", "sk-lf-test-secret"
END = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # the workload spans the October/November boundary
MONTHS = (date(2026, 10, 1), date(2026, 11, 1))

# Every column but ingested_at, as text both engines print alike.
_SPARK_COLUMNS = """observation_id, trace_id, project_id, date_format(ts, 'yyyy-MM-dd HH:mm:ss.SSSSSS'), user_id,
    session_id, feature, prompt_id, prompt_name, prompt_version, model, provider, observation_type, input_tokens,
    output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, cast(cost_usd as string), cost_source,
    cache_hit, latency_ms, ttft_ms, level, environment, to_json(tags), metadata,
    cast(reported_cost_usd as string), cast(computed_cost_usd as string), price_version"""
_POSTGRES_COLUMNS = """observation_id, trace_id, project_id, to_char(ts at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
    user_id, session_id, feature, prompt_id, prompt_name, prompt_version, model, provider, observation_type,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, cost_usd::text, cost_source,
    cache_hit, latency_ms, ttft_ms, level, environment, to_json(tags)::text, metadata::text,
    reported_cost_usd::text, computed_cost_usd::text, price_version"""
_METADATA = 26  # position of metadata in the lists above: JSON compared as values (jsonb reorders keys)


def _normal(rows) -> list[tuple]:
    return sorted(tuple(json.loads(v) if i == _METADATA and v is not None else v for i, v in enumerate(row))
                  for row in rows)


@pytest.fixture(scope="module")
def workload():
    return generate_observations(END, days=3, calls_per_day=120, seed=11, project_id="test-project")


@pytest.fixture
def server(workload, monkeypatch):
    with LocalLangfuseServer(list(workload), public_key=PK, secret_key=SK, project_id="test-project") as srv:
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", PK)
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", SK)
        monkeypatch.setenv("LANGFUSE_BASE_URL", srv.base_url)
        monkeypatch.setenv("LLMCOSTS_BACKOFF_BASE", "0.01")
        monkeypatch.setenv("LLMCOSTS_PAGE_LIMIT", "100")
        yield srv


def _llm_calls(workload):
    return [o for o in workload if o["type"] in ("GENERATION", "EMBEDDING")]


def _ingest_all(now=END):
    settings = get_settings()
    return [r for month in MONTHS for r in ingest_month(settings, month, mode="incremental", now=now)]


def _spark(statement: str) -> list[tuple]:
    with spark_sql(get_settings()) as cursor:
        return execute(cursor, statement)


def _lake_rows() -> list[tuple]:
    return _normal(_spark(f"select {_SPARK_COLUMNS} from raw.llm_calls"))


def _watermark(url: str):
    with psycopg.connect(url) as conn:
        return read_watermark(conn, get_settings().langfuse_projects[0].source_key)


def _versions(month: date) -> list[Path]:
    part = Path(get_settings().spark.lake_root) / "raw" / "llm_calls" / f"ts_month={month.isoformat()}"
    return sorted(p for p in part.iterdir() if p.name.startswith("v-")) if part.is_dir() else []


def test_lake_holds_exactly_the_rows_postgres_would(spark_warehouse, warehouse_url, pg_admin_url, server,
                                                     workload, monkeypatch):
    results = _ingest_all()
    rows = _lake_rows()
    expected = _llm_calls(workload)
    assert len(rows) == len(expected) and {r[0] for r in rows} == {o["id"] for o in expected}
    assert sum(r.rows_upserted for r in results) == len(expected)
    # the window spans the month boundary: two partitions, one live version each
    partitions = [p[0] for p in _spark("show partitions raw.llm_calls")]
    assert partitions == ["ts_month=2026-10-01", "ts_month=2026-11-01"]
    assert all(len(_versions(month)) == 1 for month in MONTHS)
    assert _watermark(warehouse_url) is not None
    with psycopg.connect(warehouse_url) as conn:  # the control Postgres keeps no calls
        assert conn.execute("select count(*) from raw.llm_calls").fetchone()[0] == 0

    # The same window through the Postgres path, into a second fresh database.
    reference = _reference_postgres(pg_admin_url)
    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "postgres")
    monkeypatch.setenv("DATABASE_URL", reference)
    _ingest_all()
    with psycopg.connect(reference) as conn:
        postgres_rows = _normal(conn.execute(f"select {_POSTGRES_COLUMNS} from raw.llm_calls").fetchall())
    assert len(postgres_rows) == len(rows)
    for lake_row, pg_row in zip(rows, postgres_rows, strict=True):
        assert lake_row == pg_row


def test_a_repull_changes_nothing_and_a_late_row_is_picked_up(spark_warehouse, server, workload):
    _ingest_all()
    before = _lake_rows()
    first_loaded = _spark("select max(ingested_at), count(*) from raw.llm_calls")[0]
    again = _ingest_all()
    assert _lake_rows() == before
    assert sum(r.rows_changed for r in again) == 0 and sum(r.rows_upserted for r in again) > 0
    # unchanged rows keep the time they were first loaded (as the Postgres merge does)
    assert _spark("select max(ingested_at), count(*) from raw.llm_calls")[0] == first_loaded
    assert all(len(_versions(month)) == 1 for month in MONTHS)  # superseded versions removed

    late = dict(_llm_calls(workload)[-1], id="late-arrival", startTime="2026-11-02T05:00:00.000Z")
    server.add_observations([late])
    third = _ingest_all()
    assert sum(r.rows_changed for r in third) == 1
    assert len(_lake_rows()) == len(before) + 1
    assert _spark("select count(*) from raw.llm_calls where observation_id = 'late-arrival'")[0][0] == 1


def test_a_crash_before_the_swap_leaves_table_and_watermark_and_the_next_run_cleans_up(
        spark_warehouse, warehouse_url, server, workload, monkeypatch):
    _ingest_all()
    before, watermark = _lake_rows(), _watermark(warehouse_url)
    server.add_observations([dict(_llm_calls(workload)[-1], id="after-crash", startTime="2026-11-02T05:30:00Z")])

    def crash(self, month, version_dir, *, exists):
        raise RuntimeError("injected crash before the swap")

    later = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    with monkeypatch.context() as patch:
        patch.setattr(lake.Lake, "point_partition_at", crash)
        with pytest.raises(RuntimeError, match="injected crash"):
            _ingest_all(now=later)
    assert _lake_rows() == before
    assert _watermark(warehouse_url) == watermark
    assert len(_versions(date(2026, 10, 1))) == 2  # the orphan written before the crash
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("select status from raw.ingestion_runs order by started_at desc limit 1"
                            ).fetchone()[0] == "failed"

    _ingest_all(now=later)
    assert len(_lake_rows()) == len(before) + 1
    assert _watermark(warehouse_url) > watermark
    assert all(len(_versions(month)) == 1 for month in MONTHS)  # orphan gone


def test_rejects_land_beside_the_calls_with_their_reason(spark_warehouse, server):
    server.add_observations([
        {"id": "neg-tokens", "projectId": "test-project", "type": "GENERATION", "startTime": "2026-11-01T08:00:00Z",
         "usageDetails": {"input": -3}, "model": "gpt-4o-mini"},
        {"id": "bad-cost", "projectId": "test-project", "type": "GENERATION", "startTime": "2026-11-01T08:00:01Z",
         "totalCost": "twelve", "model": "gpt-4o-mini"},
    ])
    results = _ingest_all()
    assert sum(r.rows_rejected for r in results) == 2
    rejects = dict(_spark("select observation_id, reason from raw.llm_calls_rejects"))
    assert "negative tokens" in rejects["neg-tokens"] and "not numeric" in rejects["bad-cost"]
    assert _spark("select get_json_object(raw, '$.id') from raw.llm_calls_rejects "
                  "where observation_id = 'bad-cost'") == [("bad-cost",)]
    assert _spark("select count(*) from raw.llm_calls where observation_id in ('neg-tokens', 'bad-cost')")[0][0] == 0


def _reference_postgres(pg_admin_url: str) -> str:
    """A second fresh database for the same window through the Postgres path."""
    name = "ref_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return urlunparse(urlparse(pg_admin_url)._replace(path="/" + name))


def test_reprice_on_the_lake_equals_the_postgres_reprice(spark_warehouse, warehouse_url, pg_admin_url, server,
                                                         tmp_path, monkeypatch):
    """A new price version (gpt-4o-mini cheaper from November 1st): `reprice` rewrites the lake's
    months to exactly the rows the Postgres re-price gives, reports the same days, and a second run
    reads the months' price versions and writes nothing."""
    from ingestion.pricing.price_table import load_prices
    from ingestion.pricing.repricing import reprice
    from tests.pricing.pricing_helpers import write_overrides

    reference = _reference_postgres(pg_admin_url)
    _ingest_all()
    with monkeypatch.context() as patch:
        patch.setenv("LLMCOSTS_WAREHOUSE", "postgres")
        patch.setenv("DATABASE_URL", reference)
        _ingest_all()
    cheaper = [{"provider": "openai", "model": "gpt-4o-mini", "effective_from": "2026-11-01",
                "input_per_mtok": 0.1, "output_per_mtok": 0.3}]
    monkeypatch.setenv("LLMCOSTS_PRICE_OVERRIDES", str(write_overrides(tmp_path / "cheaper.yml", cheaper)))
    results = {}
    for engine, url in (("spark", warehouse_url), ("postgres", reference)):
        with monkeypatch.context() as patch, psycopg.connect(url) as conn:
            patch.setenv("LLMCOSTS_WAREHOUSE", engine)
            assert load_prices(conn).price_version == 2
            results[engine] = reprice(conn)
    assert results["spark"].rows_changed == results["postgres"].rows_changed > 0
    assert results["spark"].changed_days == results["postgres"].changed_days
    assert results["spark"].price_version == 2
    with psycopg.connect(reference) as conn:
        postgres_rows = _normal(conn.execute(f"select {_POSTGRES_COLUMNS} from raw.llm_calls").fetchall())
        assert conn.execute("select count(*) from raw.llm_calls where price_version = 2 and model = 'gpt-4o-mini' "
                            "and ts >= '2026-11-01' and computed_cost_usd is not null").fetchone()[0] > 0
    assert _lake_rows() == postgres_rows

    versions = {month: _versions(month) for month in MONTHS}
    with psycopg.connect(warehouse_url) as conn:
        again = reprice(conn)
    assert again.rows_changed == 0 and again.changed_days is None
    assert {month: _versions(month) for month in MONTHS} == versions  # nothing rewritten


def test_prune_on_the_lake_archives_then_drops_whole_months(spark_warehouse, warehouse_url, server):
    from ingestion.retention import prune

    _ingest_all()
    per_month = dict(_spark("select cast(ts_month as string), count(*) from raw.llm_calls group by 1"))
    assert set(per_month) == {"2026-10-01", "2026-11-01"}

    dry = prune(warehouse_url, 1, dry_run=True, today=date(2026, 11, 15))
    assert dry.archived == ["llm_calls ts_month=2026-10-01"] and dry.kept == ["llm_calls ts_month=2026-11-01"]
    assert len(_lake_rows()) == sum(per_month.values())  # a dry run touches nothing

    archived = prune(warehouse_url, 1, today=date(2026, 11, 15))
    assert archived.archived == ["llm_calls ts_month=2026-10-01"]
    assert [p[0] for p in _spark("show partitions raw.llm_calls")] == ["ts_month=2026-11-01"]
    assert _spark("select count(*) from raw.llm_calls")[0][0] == per_month["2026-11-01"]
    assert _spark("select count(*) from archive.llm_calls where ts_month = date '2026-10-01'")[0][0] \
        == per_month["2026-10-01"]
    assert _versions(date(2026, 10, 1)) == []

    dropped = prune(warehouse_url, 1, drop=True, today=date(2026, 12, 15))
    assert dropped.dropped == ["llm_calls ts_month=2026-11-01"]
    assert _spark("select count(*) from raw.llm_calls")[0][0] == 0
    assert not (Path(get_settings().spark.lake_root) / "raw" / "llm_calls" / "ts_month=2026-11-01").exists()
    assert _spark("select count(*) from archive.llm_calls")[0][0] == per_month["2026-10-01"]  # untouched


def test_the_benchmark_hook_loads_through_the_lake_sink(spark_warehouse):
    from benchmarks.spark_ingest import spark_ingest_observations_per_s

    measured = spark_ingest_observations_per_s(200)
    assert measured["rows"] > 0 and measured["observations_per_s"] > 0
    assert _spark("select count(*) from raw.llm_calls")[0][0] == measured["rows"]
