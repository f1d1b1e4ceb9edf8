"""Benchmark hook for the lake sink (LLMCOSTS_WAREHOUSE=spark): load N synthetic observations from
the local Langfuse-compatible server through ingestion.lake_loader and report observations/s.

Needs the Spark Thrift server and a control Postgres that the settings point at (as
`spark_warehouse` in tests/spark/conftest.py sets them). Not part of `benchmarks.run`'s default
sections: it needs a running Spark cluster. Keep N small on a shared machine.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from ingestion.lake_loader import load_window_to_lake
from ingestion.langfuse_source import LangfuseSource
from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import generate_observations
from ingestion.schema import migrate
from llmcosts_core.settings import LangfuseProject, Secret, get_settings
from llmcosts_core.warehouse import connect


def spark_ingest_observations_per_s(n: int, *, days: int = 2) -> dict:
    """Load ~n observations (every type the workload makes) into the lake; rows, seconds, obs/s."""
    settings = get_settings()
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    observations = generate_observations(end, days=days, calls_per_day=max(n // days, 1), seed=5,
                                         project_id="bench-project")
    with LocalLangfuseServer(observations, public_key="pk-bench", secret_key="sk-bench",
                             project_id="bench-project") as server:
        project = LangfuseProject("pk-bench", Secret("sk-bench"), server.base_url)
        source = LangfuseSource(project, settings.ingest)
        with connect(settings) as conn:
            migrate(conn)
            conn.commit()
            clock = time.perf_counter()
            result = load_window_to_lake(conn, source, end - timedelta(days=days), end + timedelta(seconds=1),
                                         settings=settings, run_id="bench-spark")
            seconds = time.perf_counter() - clock
    received = result.rows_upserted + result.rows_skipped + result.rows_rejected
    return {"rows": result.rows_upserted, "observations_received": received, "seconds": seconds,
            "observations_per_s": received / seconds if seconds else 0.0}
