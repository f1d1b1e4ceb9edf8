"""The data-quality suite gives the same outcomes on Spark as on Postgres, for the same raw rows:
one window carrying a duplicate observation_id at two ts, a negative token count, an unknown
cost_source, and rejects (one linked to an overlapping ingestion run, one to a run of another
window, one with no run) -- so a check that passed vacuously on Spark would fail the comparison."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quality"))
from quality_helpers import call, good_calls, insert_calls  # noqa: E402

from ingestion.quality.expectations import validate_window  # noqa: E402
from tests.spark.raw_tables import write_spark_calls, write_spark_rejects  # noqa: E402

START = datetime(2025, 3, 1, tzinfo=UTC)
END = datetime(2025, 4, 1, tzinfo=UTC)
NOW = datetime(2025, 4, 2, tzinfo=UTC)


def _calls() -> list[dict]:
    rows = good_calls(START, n=60, step=timedelta(hours=11), prefix="ok")
    rows.append(call("ok-3", START + timedelta(days=20)))  # ok-3 again, at another ts
    rows.append(call("neg", START + timedelta(days=2), output_tokens=-3))
    rows.append(call("free", START + timedelta(days=3), cost_source="free"))
    rows += [call(f"untagged-{i}", START + timedelta(days=4, minutes=i), user_id=None) for i in range(4)]
    rows.append(call("outside", END + timedelta(days=1)))  # next month: must not count
    return rows


def _rejects() -> list[dict]:
    def reject(observation_id, rejected_at, run_id):
        return {"observation_id": observation_id, "project_id": "proj-a", "source_key": "http://127.0.0.1#pk",
                "reason": "negative tokens", "raw": json.dumps({"id": observation_id}), "run_id": run_id,
                "rejected_at": rejected_at}

    return [
        reject("rej-run", END + timedelta(hours=1), "run-march"),  # late, but its run loaded March
        reject("rej-other", START + timedelta(days=1), "run-april"),  # its run loaded April: not March
        reject("rej-none", START + timedelta(days=5), None),
        reject(None, START + timedelta(days=6), None),  # no id: counted by the raw JSON's md5
    ]


def _prepare_postgres(url: str) -> None:
    from ingestion.schema import migrate

    with psycopg.connect(url) as conn:
        migrate(conn)
        conn.execute("alter table raw.llm_calls drop constraint llm_calls_cost_source_check")
        for run_id, window_start in (("run-march", START), ("run-april", END)):
            conn.execute(
                "insert into raw.ingestion_runs (run_id, source_key, window_start, window_end, started_at, status) "
                "values (%s, 'http://127.0.0.1#pk', %s, %s, %s, 'succeeded')",
                (run_id, window_start, window_start + timedelta(days=30), window_start),
            )
        for row in _rejects():
            conn.execute(
                "insert into raw.llm_calls_rejects (observation_id, project_id, source_key, reason, raw, run_id, "
                "rejected_at) values (%(observation_id)s, %(project_id)s, %(source_key)s, %(reason)s, %(raw)s, "
                "%(run_id)s, %(rejected_at)s)",
                row,
            )
    insert_calls(url, _calls())


def _comparable(outcomes) -> dict:
    return {o.name: {**asdict(o), "details": json.loads(json.dumps(o.details, sort_keys=True))} for o in outcomes}


def test_the_suite_on_spark_matches_postgres(spark_warehouse, warehouse_url, monkeypatch):
    _prepare_postgres(warehouse_url)
    write_spark_calls(_calls())
    write_spark_rejects(_rejects())

    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "postgres")
    on_postgres = _comparable(validate_window(START, END, now=NOW, url=warehouse_url))
    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "spark")
    on_spark = _comparable(validate_window(START, END, now=NOW, url=warehouse_url))

    failed = sorted(name for name, o in on_postgres.items() if not o["passed"])
    assert failed == ["cost_source_accepted", "no_duplicate_observation_id", "non_negative_tokens_and_cost",
                      "rejects_share", "tag_coverage"]
    assert on_postgres["no_duplicate_observation_id"]["unexpected_count"] == 2
    assert on_postgres["rejects_share"]["observed_value"] == pytest.approx(3 / 70)
    for name in on_postgres:
        assert on_spark[name] == on_postgres[name], name


def test_freshness_on_spark_matches_postgres(spark_warehouse, warehouse_url, monkeypatch):
    """Freshness reads the lake on Spark: the same projects, newest calls and lags (to the
    microsecond) as on Postgres; one project stale, one fresh, one call at `now` (excluded)."""
    from ingestion.quality.freshness import check_freshness
    from ingestion.schema import migrate

    now = datetime(2025, 4, 1, 2, 30, tzinfo=UTC)  # early in April: March's partition must be read too
    rows = [
        call("a1", now - timedelta(hours=1, microseconds=250), project_id="proj-a"),
        call("b0", now - timedelta(days=20), project_id="proj-b"),
        call("b1", now - timedelta(hours=7, minutes=30), project_id="proj-b"),
        call("a-now", now, project_id="proj-a"),  # [since, now): not the newest
        call("c-old", now - timedelta(days=40), project_id="proj-c"),  # older than the scan
    ]
    with psycopg.connect(warehouse_url) as conn:
        migrate(conn)
    insert_calls(warehouse_url, rows)
    write_spark_calls(rows)

    outcomes = {}
    for engine in ("postgres", "spark"):
        monkeypatch.setenv("LLMCOSTS_WAREHOUSE", engine)
        with psycopg.connect(warehouse_url) as conn:
            outcomes[engine] = _comparable([check_freshness(conn, now=now)])["freshness"]
    assert not outcomes["postgres"]["passed"]
    assert outcomes["postgres"]["details"]["stale_projects"] == {"proj-b": 7.5}
    assert outcomes["spark"] == outcomes["postgres"]
