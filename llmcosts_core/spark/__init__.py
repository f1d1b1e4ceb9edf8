"""The Spark warehouse (LLMCOSTS_WAREHOUSE=spark): the cluster, and Spark SQL through its Thrift
server. Everything that talks to Spark asks `spark_sql()` for a cursor, so all of it reaches the
same Thrift server (and so the same metastore)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from llmcosts_core.errors import ServiceUnavailable
from llmcosts_core.settings import ConfigError, Settings, SparkSettings, get_settings
from llmcosts_core.spark.cluster import ClusterPorts, LocalSparkCluster, _alive
from llmcosts_core.spark.thrift import SparkSqlError, execute, quote_literal, thrift_connection

__all__ = [
    "SparkSqlError",
    "ensure_local_cluster",
    "execute",
    "local_cluster",
    "query_rows",
    "quote_literal",
    "require_spark",
    "spark_settings",
    "spark_sql",
    "thrift_address",
    "utc_text",
]


def spark_settings(settings: Settings | None = None) -> SparkSettings:
    settings = settings or get_settings()
    if settings.spark is None:
        raise ConfigError("the Spark settings are missing (LLMCOSTS_WAREHOUSE=spark)")
    return settings.spark


def local_cluster(settings: Settings | None = None) -> LocalSparkCluster:
    """The machine-local cluster llmcosts manages under LLMCOSTS_HOME/spark."""
    settings = settings or get_settings()
    spark = spark_settings(settings)
    root = settings.spark_root
    ports = ClusterPorts(thrift=spark.thrift_port)
    recorded = root / "pids.json"
    if recorded.is_file():  # a running cluster keeps the ports it started with
        try:
            saved = json.loads(recorded.read_text()).get("ports") or {}
            saved["worker_uis"] = tuple(saved.get("worker_uis") or ())
            ports = ClusterPorts(**saved)
        except (ValueError, TypeError):
            pass
    return LocalSparkCluster(
        root=root,
        workers=spark.local_workers,
        worker_memory=spark.local_worker_memory,
        ports=ports if len(ports.worker_uis) >= spark.local_workers else ClusterPorts.free(spark.local_workers),
    )


def local_cluster_running(settings: Settings | None = None) -> bool:
    cluster = local_cluster(settings)
    if not cluster.pid_file.is_file():
        return False
    pids = json.loads(cluster.pid_file.read_text()).get("pids", {})
    return bool(pids) and all(_alive(int(pid)) for pid in pids.values())


def ensure_local_cluster(settings: Settings | None = None) -> LocalSparkCluster | None:
    """Start the local cluster unless it runs (or an external Thrift server is configured).
    Returns the cluster when this call started it."""
    settings = settings or get_settings()
    if not spark_settings(settings).uses_local_cluster or local_cluster_running(settings):
        return None
    return local_cluster(settings).start()


def require_spark(settings: Settings | None = None) -> None:
    """Fail with the fix when the Spark Thrift server does not answer. A pipeline run never starts
    the local cluster by itself: a cluster started by a run would outlive it unseen."""
    settings = settings or get_settings()
    host, port = thrift_address(settings)
    try:
        with spark_sql(settings) as cursor:
            execute(cursor, "select 1")
    except ServiceUnavailable:
        if spark_settings(settings).uses_local_cluster:
            raise ServiceUnavailable(
                f"LLMCOSTS_WAREHOUSE=spark, but the local Spark cluster is not running (Thrift server "
                f"127.0.0.1:{port}); start it with `llmcosts spark start`"
            ) from None
        raise


def thrift_address(settings: Settings | None = None) -> tuple[str, int]:
    settings = settings or get_settings()
    spark = spark_settings(settings)
    if spark.uses_local_cluster:
        return "127.0.0.1", local_cluster(settings).ports.thrift
    return spark.thrift_host, spark.thrift_port


@contextmanager
def spark_sql(settings: Settings | None = None) -> Iterator:
    """A cursor on the Spark Thrift server (the local cluster's when no external one is set)."""
    host, port = thrift_address(settings)
    with thrift_connection(host, port) as conn:
        yield conn.cursor()


def utc_text(instant: datetime) -> str:
    """An instant as the text of a Spark timestamp (the cluster's session zone is UTC)."""
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def query_rows(statement: str, params: Mapping[str, Any] | None = None,
               settings: Settings | None = None) -> list[dict[str, Any]]:
    """The rows (column -> value) of one Spark SQL query with `%(name)s` parameters. PyHive escapes
    str, numbers and dates only: a Decimal goes as its exact text, cast in the SQL."""
    values = {name: str(value) if isinstance(value, Decimal) else value for name, value in (params or {}).items()}
    with spark_sql(settings) as cursor:
        cursor.execute(statement, values)
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
