"""A real Spark standalone cluster for the Spark-warehouse tests: a master, two workers and the
Thrift server, each a separate process on 127.0.0.1 started from the pyspark wheel, once per test
session, and stopped by PID at the end (also when a test fails).

Without Java the tests here are skipped with the reason; `.ci/run` installs Debian's
openjdk-17-jre-headless when it can, so CI runs them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from llmcosts_core.spark import execute
from llmcosts_core.spark.cluster import ClusterPorts, LocalSparkCluster, java_executable
from llmcosts_core.spark.thrift import thrift_connection

SPARK_DATABASES = ("raw", "staging", "intermediate", "marts", "quality")


def _java_or_skip() -> None:
    try:
        java_executable()
    except Exception as exc:  # ConfigError naming what to install
        pytest.skip(f"Spark tests need Java: {exc}")


@pytest.fixture(scope="session")
def spark_cluster():
    _java_or_skip()
    root = Path(tempfile.mkdtemp(prefix="llmcosts-test-spark-"))
    cluster = LocalSparkCluster(root=root, workers=2, ports=ClusterPorts.free(2))
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def spark_warehouse(spark_cluster, warehouse_url, tmp_path, monkeypatch):
    """LLMCOSTS_WAREHOUSE=spark against the session's cluster: a fresh control Postgres (from
    `warehouse_url`), a fresh lake under tmp_path and empty Spark databases."""
    lake = tmp_path / "lake"
    lake.mkdir()
    monkeypatch.setenv("LLMCOSTS_WAREHOUSE", "spark")
    monkeypatch.setenv("LLMCOSTS_SPARK_THRIFT_HOST", "127.0.0.1")
    monkeypatch.setenv("LLMCOSTS_SPARK_THRIFT_PORT", str(spark_cluster.ports.thrift))
    monkeypatch.setenv("LLMCOSTS_LAKE_ROOT", str(lake))
    with thrift_connection("127.0.0.1", spark_cluster.ports.thrift) as conn:
        cursor = conn.cursor()
        for database in SPARK_DATABASES:
            execute(cursor, f"drop database if exists {database} cascade")
    return spark_cluster
