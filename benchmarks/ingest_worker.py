"""Run the real ingestion code (SDK pages over HTTP -> COPY -> merge) over one window, in its own
process, and report rows, seconds and this process's peak resident memory as JSON."""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import datetime

import psycopg

from ingestion.langfuse_source import LangfuseSource
from ingestion.loader import load_window
from ingestion.schema import migrate
from llmcosts_core.settings import IngestSettings, LangfuseProject, Secret


def _peak_rss_kb() -> int:
    """This process's peak resident memory. Linux's VmHWM, not getrusage's ru_maxrss: the latter
    carries over the parent's resident size from before exec (Python spawns with vfork), so a
    harness holding a few hundred MB would be measured here."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--start", required=True)
    parser.add_argument("--end", required=True)
    args = parser.parse_args()
    project = LangfuseProject("pk-bench", Secret("sk-bench"), args.base_url)
    source = LangfuseSource(project, IngestSettings())
    with psycopg.connect(args.database_url) as conn:
        migrate(conn)
        conn.commit()
        clock = time.perf_counter()
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        result = load_window(conn, source, datetime.fromisoformat(args.start), datetime.fromisoformat(args.end),
                             run_id="bench")
        seconds = time.perf_counter() - clock
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = _peak_rss_kb()
    print(json.dumps({
        "rows": result.rows_upserted, "skipped": result.rows_skipped,
        "observations_received": result.rows_upserted + result.rows_skipped + result.rows_rejected,
        "pages": result.pages, "pages_merged": result.pages_merged, "seconds": seconds,
        "peak_rss_mb": peak_kb / 1024,
        # CPU time of the ingesting process during the load (start-up and imports excluded):
        # steadier than wall time on a shared machine.
        "cpu_seconds": (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime),
    }))


if __name__ == "__main__":
    main()
