"""`make bench`'s Spark section: the Spark warehouse on a local standalone cluster of a master and
two workers (1 core, 1 GB each) with the Thrift server, all on this machine.

- ingestion into the lake: the real loader (pages over HTTP, mapping, pricing) writing Parquet
  month partitions and swapping them in, observations/s;
- the daily dbt build on Spark at the ingested history and at `scale` times it (older months
  copied in), with the ratio: the build must not grow with history;
- publishing the marts into the serving Postgres, seconds.

The cluster is this machine's two cores shared by every process: figures say what one small box
does, and the ratio (not the seconds) is the claim that carries over to a real cluster.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql" / "spark"


def _spark_sql_file(name: str, **params) -> str:
    return (SQL_DIR / name).read_text().format(**params)


def _statement(sql_text: str) -> str:
    return "\n".join(line for line in sql_text.splitlines() if not line.lstrip().startswith("--")).strip()


def bench_spark(url: str, n: int, repeat: int, scale: int, *, start_server, end: datetime, dbt_build) -> dict:
    from ingestion.lake.mirror import mirror_control_tables
    from ingestion.pipeline import ingest_month
    from llmcosts_core.settings import get_settings
    from llmcosts_core.spark import execute, spark_sql
    from llmcosts_core.spark.cluster import ClusterPorts, LocalSparkCluster
    from llmcosts_core.spark.publish import publish_marts

    root = Path(tempfile.mkdtemp(prefix="llmcosts-bench-spark-"))
    cluster = LocalSparkCluster(root=root / "cluster", workers=2, ports=ClusterPorts.free(2))
    print("spark: starting a master, 2 workers and the Thrift server ...", flush=True)
    clock = time.perf_counter()
    cluster.start()
    started_s = time.perf_counter() - clock
    saved = {k: os.environ.get(k) for k in ("LLMCOSTS_WAREHOUSE", "LLMCOSTS_SPARK_THRIFT_HOST",
                                             "LLMCOSTS_SPARK_THRIFT_PORT", "LLMCOSTS_LAKE_ROOT",
                                             "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "LANGFUSE_BASE_URL",
                                             "LLMCOSTS_BACKFILL_DAYS")}
    days = 60
    server, base_url = start_server(n, days)
    try:
        os.environ.update({
            "LLMCOSTS_WAREHOUSE": "spark", "LLMCOSTS_SPARK_THRIFT_HOST": "127.0.0.1",
            "LLMCOSTS_SPARK_THRIFT_PORT": str(cluster.ports.thrift), "LLMCOSTS_LAKE_ROOT": str(root / "lake"),
            "LANGFUSE_PUBLIC_KEY": "pk-bench", "LANGFUSE_SECRET_KEY": "sk-bench", "LANGFUSE_BASE_URL": base_url,
            "LLMCOSTS_BACKFILL_DAYS": str(days + 2),
        })
        settings = get_settings()
        start = end - timedelta(days=days + 1)
        months = sorted({date(start.year, start.month, 1), date((end - timedelta(seconds=1)).year,
                                                                 (end - timedelta(seconds=1)).month, 1)})
        clock = time.perf_counter()
        rows = 0
        for month in months:
            for result in ingest_month(settings, month, mode="full", now=end, run_id="bench-spark"):
                rows += result.rows_upserted
        ingest_s = time.perf_counter() - clock
        print(f"  ingest into the lake: {n:,} observations ({rows:,} LLM calls) in {ingest_s:.1f}s = "
              f"{n / ingest_s:,.0f}/s", flush=True)

        as_of = end.date()
        mirror_control_tables(settings)
        full_small = dbt_build(as_of, full_refresh=True)
        with spark_sql(settings) as cursor:
            day = end.strftime("%Y-%m-%d %H:%M:%S")
            execute(cursor, _statement(_spark_sql_file("add_one_day.sql", day=day, day_compact=end.strftime("%Y%m%d"))))
        next_as_of = as_of + timedelta(days=1)
        small_rows = _calls(settings)
        incremental_small = [dbt_build(next_as_of) for _ in range(repeat)]
        clock = time.perf_counter()
        published = publish_marts(settings)
        publish_s = time.perf_counter() - clock
        print(f"  {small_rows:,} calls: full {full_small:.1f}s, daily {statistics.median(incremental_small):.1f}s; "
              f"publish {len(published)} marts ({sum(t.rows for t in published):,} rows) {publish_s:.1f}s", flush=True)

        span = 60
        with spark_sql(settings) as cursor:
            origin = execute(cursor, "select min(ts) from raw.llm_calls")[0][0]
            for k in range(1, scale):
                execute(cursor, _statement(_spark_sql_file(
                    "grow_history.sql", shift_days=span * k, origin=origin.strftime("%Y-%m-%d %H:%M:%S"),
                    span_days=span)))
        large_rows = _calls(settings)
        incremental_large = [dbt_build(next_as_of) for _ in range(repeat)]
        print(f"  {large_rows:,} calls: daily {statistics.median(incremental_large):.1f}s", flush=True)
        state = cluster.master_state()
        return {
            "cluster": {"workers": state.get("aliveworkers"), "cores": state.get("cores"),
                        "start_s": round(started_s, 1)},
            "observations": n,
            "llm_rows": rows,
            "ingest_observations_per_s": n / ingest_s,
            "history_small": small_rows,
            "history_large": large_rows,
            "full_build_s_small": full_small,
            "daily_build_s_small": statistics.median(incremental_small),
            "daily_build_s_large": statistics.median(incremental_large),
            "daily_build_ratio": statistics.median(incremental_large) / statistics.median(incremental_small),
            "publish_s": publish_s,
            "published_rows": sum(t.rows for t in published),
            "target": {"daily_build_ratio": "<= 1.5"},
        }
    finally:
        server.stdin.close()
        server.wait(timeout=30)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        cluster.stop()


def _calls(settings) -> int:
    from llmcosts_core.spark import execute, spark_sql

    with spark_sql(settings) as cursor:
        return int(execute(cursor, "select count(*) from raw.llm_calls")[0][0])

