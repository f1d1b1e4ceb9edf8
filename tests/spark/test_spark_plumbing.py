"""The Spark warehouse's plumbing that needs no cluster: settings, the type mapping of the
publisher, stopping recorded processes by PID, and the error when no Thrift server answers."""

from __future__ import annotations

import json
import logging
import subprocess
import time

import pytest

from llmcosts_core.errors import ServiceUnavailable
from llmcosts_core.settings import ConfigError, get_settings
from llmcosts_core.spark import require_spark
from llmcosts_core.spark.cluster import _alive, free_port, stop_recorded
from llmcosts_core.spark.publish import postgres_type


def test_warehouse_setting(monkeypatch, tmp_path):
    monkeypatch.delenv("LLMCOSTS_WAREHOUSE", raising=False)
    assert get_settings().warehouse == "postgres" and not get_settings().uses_spark
    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "Spark")
    settings = get_settings()
    assert settings.uses_spark
    assert settings.spark.lake_root == str(settings.data_dir / "lake")
    assert settings.spark.uses_local_cluster
    monkeypatch.setenv("LLMCOSTS_LAKE_ROOT", "s3://bucket/llmcosts")
    assert get_settings().spark.lake_root == "s3://bucket/llmcosts"
    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "bigquery")
    with pytest.raises(ConfigError, match="LLMCOSTS_WAREHOUSE must be one of postgres, spark"):
        get_settings()


@pytest.mark.parametrize(("spark", "postgres"), [
    ("decimal(38,10)", "numeric(38, 10)"),
    ("string", "text"),
    ("timestamp", "timestamptz"),
    ("date", "date"),
    ("bigint", "bigint"),
    ("int", "integer"),
    ("double", "double precision"),
    ("boolean", "boolean"),
    ("array<string>", "text[]"),
    ("map<string,string>", "jsonb"),
])
def test_postgres_type(spark, postgres):
    assert postgres_type(spark) == postgres


def test_postgres_type_refuses_what_it_does_not_know():
    with pytest.raises(ValueError, match="no Postgres type for the Spark type 'interval day'"):
        postgres_type("interval day")


def test_stop_recorded_stops_the_recorded_process_groups(tmp_path):
    # Each child in its own session, as the cluster starts them; the grandchild must die too.
    processes = [subprocess.Popen(["sh", "-c", "sleep 300 & wait"], start_new_session=True) for _ in range(2)]
    (tmp_path / "pids.json").write_text(json.dumps({"pids": {f"p{i}": p.pid for i, p in enumerate(processes)}}))
    children = subprocess.run(["pgrep", "-g", str(processes[0].pid)], capture_output=True, text=True).stdout.split()
    assert len(children) >= 2  # sh and its sleep
    stopped = stop_recorded(tmp_path, timeout_s=5)
    assert sorted(stopped) == sorted(p.pid for p in processes)
    for p in processes:
        p.wait(timeout=5)
    time.sleep(0.2)
    assert not any(_alive(int(pid)) for pid in children)
    assert not (tmp_path / "pids.json").exists()
    assert stop_recorded(tmp_path) == []


def test_no_thrift_server_is_a_service_error_naming_the_fix(monkeypatch, caplog):
    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "spark")
    monkeypatch.setenv("LLMCOSTS_SPARK_THRIFT_PORT", str(free_port()))
    with pytest.raises(ServiceUnavailable, match="llmcosts spark start"):
        require_spark()
    monkeypatch.setenv("LLMCOSTS_SPARK_THRIFT_HOST", "127.0.0.1")
    with pytest.raises(ServiceUnavailable, match="LLMCOSTS_SPARK_THRIFT_HOST"):
        require_spark()
    # one line for one error: thrift's own "Could not connect" record is not logged beside it
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
