from datetime import UTC, date, datetime

import psycopg
import pytest

from ingestion.retention import prune, retention_cutoff
from ingestion.schema import ensure_partitions


def test_retention_cutoff_counts_the_current_month():
    assert retention_cutoff(date(2026, 11, 22), 1) == datetime(2026, 11, 1, tzinfo=UTC)
    assert retention_cutoff(date(2026, 11, 22), 3) == datetime(2026, 9, 1, tzinfo=UTC)
    assert retention_cutoff(date(2026, 2, 1), 14) == datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        retention_cutoff(date(2026, 11, 22), 0)


def _seed(url):
    with psycopg.connect(url) as conn:
        ensure_partitions(conn, datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
        for month in (7, 8, 9, 10, 11):
            conn.execute(
                "insert into raw.llm_calls (observation_id, project_id, ts, observation_type, cost_source) "
                "values (%s, 'p', %s, 'GENERATION', 'unpriced')",
                (f"obs-{month}", datetime(2026, month, 15, tzinfo=UTC)),
            )


def _partitions(conn, schema):
    return sorted(r[0] for r in conn.execute(
        "select tablename from pg_tables where schemaname = %s and tablename like 'llm_calls_y%%'", (schema,)))


def test_prune_archives_old_months_and_keeps_the_rest(migrated_warehouse):
    _seed(migrated_warehouse)
    dry = prune(migrated_warehouse, 3, dry_run=True, today=date(2026, 11, 22))
    assert dry.archived == ["llm_calls_y2026m07", "llm_calls_y2026m08"]
    with psycopg.connect(migrated_warehouse) as conn:
        assert conn.execute("select count(*) from raw.llm_calls").fetchone()[0] == 5  # dry run changed nothing

    result = prune(migrated_warehouse, 3, today=date(2026, 11, 22))
    assert result.archived == ["llm_calls_y2026m07", "llm_calls_y2026m08"]
    assert "llm_calls_y2026m12" in result.kept  # future partitions are never touched
    with psycopg.connect(migrated_warehouse) as conn:
        live = [r[0] for r in conn.execute("select observation_id from raw.llm_calls order by ts")]
        archived = conn.execute("select count(*) from archive.llm_calls_y2026m07").fetchone()[0]
        assert _partitions(conn, "archive") == ["llm_calls_y2026m07", "llm_calls_y2026m08"]
    assert live == ["obs-9", "obs-10", "obs-11"] and archived == 1
    # Idempotent: a second prune finds nothing more to do.
    assert prune(migrated_warehouse, 3, today=date(2026, 11, 22)).archived == []


def test_prune_drop_removes_old_months(migrated_warehouse):
    _seed(migrated_warehouse)
    result = prune(migrated_warehouse, 1, drop=True, today=date(2026, 11, 22))
    assert result.dropped == ["llm_calls_y2026m07", "llm_calls_y2026m08", "llm_calls_y2026m09",
                              "llm_calls_y2026m10"]
    with psycopg.connect(migrated_warehouse) as conn:
        assert [r[0] for r in conn.execute("select observation_id from raw.llm_calls")] == ["obs-11"]
        assert _partitions(conn, "archive") == []
