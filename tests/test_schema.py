from datetime import UTC, datetime

import psycopg

from ingestion.schema import ensure_partitions, migrate, month_starts


def test_month_starts_is_half_open():
    assert [str(m) for m in month_starts(datetime(2026, 10, 31, 23, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))] == [
        "2026-10-01",
        "2026-11-01",
    ]
    # One microsecond into January touches January.
    assert [str(m) for m in month_starts(datetime(2026, 12, 5, tzinfo=UTC), datetime(2027, 1, 1, 0, 0, 0, 1, tzinfo=UTC))] == [
        "2026-12-01",
        "2027-01-01",
    ]
    assert month_starts(datetime(2026, 12, 5, tzinfo=UTC), datetime(2026, 12, 5, tzinfo=UTC)) == []


def test_migrations_are_idempotent_and_partitions_are_monthly(warehouse_url):
    with psycopg.connect(warehouse_url) as conn:
        first = migrate(conn)
        second = migrate(conn)
        assert first and second == []
        names = ensure_partitions(conn, datetime(2026, 10, 15, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
        assert names == ["llm_calls_y2026m10", "llm_calls_y2026m11", "llm_calls_y2026m12"]
        bounds = dict(
            conn.execute(
                """
                select c.relname, pg_get_expr(c.relpartbound, c.oid)
                from pg_inherits i join pg_class c on c.oid = i.inhrelid
                where i.inhparent = 'raw.llm_calls'::regclass
                """
            ).fetchall()
        )
        assert "2026-11-01 00:00:00+00" in bounds["llm_calls_y2026m11"]
        assert "2026-12-01 00:00:00+00" in bounds["llm_calls_y2026m11"]
        # A second call creates nothing new and does not fail.
        assert ensure_partitions(conn, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)) == [
            "llm_calls_y2026m11",
            "llm_calls_y2026m12",
        ]
