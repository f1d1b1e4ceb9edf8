"""`make bench`: measured throughput, memory and latency, written to benchmarks/results/.

    python -m benchmarks.run --observations 1000000 [--repeat 3] [--only ingest]

Every figure is the median of `--repeat` runs. The machine (CPU count, memory, Postgres version)
is recorded beside the figures. Timings are never asserted by tests: this machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from ingestion.schema import migrate
from llmcosts_core.warehouse import database_url

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BENCH_DB = "llmcosts_bench"
END = datetime(2026, 11, 1, tzinfo=UTC)


def _bench_database_url() -> str:
    from urllib.parse import urlparse, urlunparse

    base = database_url()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"drop database if exists {BENCH_DB} with (force)")
        conn.execute(f"create database {BENCH_DB}")
    return urlunparse(urlparse(base)._replace(path="/" + BENCH_DB))


def _machine(url: str) -> dict:
    with psycopg.connect(url) as conn:
        pg = conn.execute("show server_version").fetchone()[0]
    mem_kb = 0
    if Path("/proc/meminfo").exists():
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"cpus": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1), "python": platform.python_version(),
            "platform": platform.platform(), "postgres": pg}


def _start_server(n: int, days: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.serve_workload", "--observations", str(n), "--end", END.isoformat(),
         "--days", str(days)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    base_url = proc.stdout.readline().strip()
    if not base_url.startswith("http"):
        proc.kill()
        raise RuntimeError("the benchmark Langfuse server did not start")
    return proc, base_url


def bench_ingest(url: str, n: int, repeat: int) -> dict:
    days = 60
    start = END - timedelta(days=days + 1)
    print(f"ingest: generating and serving {n:,} observations ...", flush=True)
    server, base_url = _start_server(n, days)
    runs = []
    try:
        for i in range(repeat):
            with psycopg.connect(url, autocommit=True) as conn:
                migrate(conn)
                conn.execute("truncate raw.llm_calls, raw.ingestion_watermarks, raw.ingestion_runs")
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.ingest_worker", "--base-url", base_url, "--database-url", url,
                 "--start", start.isoformat(), "--end", END.isoformat()],
                check=True, capture_output=True, text=True,
            )
            run = json.loads(out.stdout.strip().splitlines()[-1])
            run["observations_per_s"] = run["observations"] / run["seconds"]
            runs.append(run)
            print(f"  run {i + 1}: {run['observations']:,} observations in {run['seconds']:.1f}s = "
                  f"{run['observations_per_s']:,.0f}/s, peak RSS {run['peak_rss_mb']:.0f} MB", flush=True)
    finally:
        server.stdin.close()
        server.wait(timeout=30)

    copy_seconds = bench_raw_copy(url, repeat)
    rows = runs[-1]["rows"]
    ingest_rows_per_s = statistics.median(r["rows"] / r["seconds"] for r in runs)
    copy_rows_per_s = rows / statistics.median(copy_seconds)
    return {
        "observations": n,
        "llm_rows": rows,
        "observations_per_s": statistics.median(r["observations_per_s"] for r in runs),
        "llm_rows_per_s": ingest_rows_per_s,
        "raw_copy_rows_per_s": copy_rows_per_s,
        "ratio_to_copy": ingest_rows_per_s / copy_rows_per_s,
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "runs": runs,
        "targets": {"observations_per_s": ">= 20000", "ratio_to_copy": ">= 0.5", "peak_rss_mb": "< 300 at 1M"},
    }


def bench_raw_copy(url: str, repeat: int) -> list[float]:
    """COPY the rows just ingested into an empty table shaped like raw.llm_calls (same partitions
    and indexes): the floor the ingestion is compared with."""
    with psycopg.connect(url, autocommit=True) as conn:
        buffer = bytearray()
        with conn.cursor().copy("copy (select * from raw.llm_calls) to stdout") as copy:
            for chunk in copy:
                buffer += chunk
        months = [r[0] for r in conn.execute(
            "select distinct date_trunc('month', ts at time zone 'UTC')::date from raw.llm_calls")]
    timings = []
    for _ in range(repeat):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("drop schema if exists bench cascade")
            conn.execute("create schema bench")
            conn.execute("create table bench.llm_calls (like raw.llm_calls including defaults including constraints) "
                         "partition by range (ts)")
            conn.execute("alter table bench.llm_calls add primary key (observation_id, ts)")
            for column in ("feature", "user_id", "prompt_id"):
                conn.execute(f"create index on bench.llm_calls ({column}, ts)")
            for month in months:
                nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
                conn.execute(f"create table bench.llm_calls_{month:%Y%m} partition of bench.llm_calls "
                             f"for values from ('{month}') to ('{nxt}')")
            clock = time.perf_counter()
            with conn.cursor().copy("copy bench.llm_calls from stdin") as copy:
                view = memoryview(buffer)
                for offset in range(0, len(view), 1 << 20):
                    copy.write(view[offset:offset + (1 << 20)])
            timings.append(time.perf_counter() - clock)
            conn.execute("drop schema bench cascade")
    return timings


SECTIONS = {"ingest": bench_ingest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)

    url = _bench_database_url()
    results = {"started_at": datetime.now(UTC).isoformat(), "machine": _machine(url), "repeat": args.repeat}
    for name in args.only or list(SECTIONS):
        results[name] = SECTIONS[name](url, args.observations, args.repeat)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = args.output or RESULTS_DIR / f"bench-{args.observations}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print()
    print(f"{'figure':<32} {'value':>14}  target")
    ingest = results.get("ingest")
    if ingest:
        print(f"{'ingest observations/s':<32} {ingest['observations_per_s']:>14,.0f}  >= 20,000")
        print(f"{'ingest / raw COPY (rows/s)':<32} {ingest['ratio_to_copy']:>14.2f}  >= 0.5")
        print(f"{'ingest peak RSS (MB)':<32} {ingest['peak_rss_mb']:>14.0f}  < 300 at 1M")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
