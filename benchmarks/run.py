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

from benchmarks.cpu_account import postgres_cpu_seconds, process_cpu_seconds
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


def _ingest_once(url: str, server: subprocess.Popen, base_url: str, start: datetime, n: int) -> dict:
    """One load of [start, END) by the real loader in its own process, with the CPU each party spent."""
    postgres_cpu_before = postgres_cpu_seconds(url)
    server_cpu_before = process_cpu_seconds(server.pid)
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.ingest_worker", "--base-url", base_url, "--database-url", url,
         "--start", start.isoformat(), "--end", END.isoformat()],
        check=True, capture_output=True, text=True,
    )
    run = json.loads(out.stdout.strip().splitlines()[-1])
    # The workload's observations covered per second. The loader asks the API for LLM calls only
    # (its `type` filter), so it receives fewer: `observations_received`.
    run["observations"] = n
    run["observations_per_s"] = n / run["seconds"]
    run["server_cpu_seconds"] = process_cpu_seconds(server.pid) - server_cpu_before
    postgres_cpu_after = postgres_cpu_seconds(url)
    run["postgres_cpu_seconds"] = (
        None if postgres_cpu_before is None or postgres_cpu_after is None
        else postgres_cpu_after - postgres_cpu_before
    )
    return run


def bench_ingest(url: str, n: int, repeat: int) -> dict:
    days = 60
    start = END - timedelta(days=days + 1)
    print(f"ingest: generating and serving {n:,} observations ...", flush=True)
    server, base_url = _start_server(n, days)
    runs = []
    copy_source = None
    try:
        for i in range(repeat):
            with psycopg.connect(url, autocommit=True) as conn:
                migrate(conn)
                conn.execute("truncate raw.llm_calls, raw.ingestion_watermarks, raw.ingestion_runs")
            run = _ingest_once(url, server, base_url, start, n)
            # A raw COPY of the same rows right after each load: this shared machine's speed drifts
            # by half within an hour, so each load is compared with a COPY at the same speed.
            if copy_source is None:
                copy_source = _export_calls(url)
            run["raw_copy_seconds"] = raw_copy_seconds(url, *copy_source)
            run["ratio_to_copy"] = run["raw_copy_seconds"] / run["seconds"]
            runs.append(run)
            print(f"  run {i + 1}: {n:,} observations ({run['observations_received']:,} received) in "
                  f"{run['seconds']:.1f}s = {run['observations_per_s']:,.0f}/s, peak RSS {run['peak_rss_mb']:.0f} MB; "
                  f"raw COPY {run['raw_copy_seconds']:.1f}s: ratio {run['ratio_to_copy']:.2f}", flush=True)
        # The same window again over the loaded table: every page meets stored calls and is merged,
        # as in the trailing re-pull of every incremental run (first loads COPY straight in).
        repull = _ingest_once(url, server, base_url, start, n)
        print(f"  re-pull of the loaded window: {repull['seconds']:.1f}s = {repull['observations_per_s']:,.0f}/s, "
              f"{repull['pages_merged']} of {repull['pages']} pages merged", flush=True)
    finally:
        server.stdin.close()
        server.wait(timeout=30)

    rows = runs[-1]["rows"]
    ingest_rows_per_s = statistics.median(r["rows"] / r["seconds"] for r in runs)
    copy_rows_per_s = statistics.median(rows / r["raw_copy_seconds"] for r in runs)
    repull["llm_rows_per_s"] = repull["rows"] / repull["seconds"]
    repull["ratio_to_copy"] = repull["llm_rows_per_s"] / copy_rows_per_s
    return {
        "observations": n,
        "llm_rows": rows,
        "observations_per_s": statistics.median(r["observations_per_s"] for r in runs),
        "llm_rows_per_s": ingest_rows_per_s,
        "raw_copy_rows_per_s": copy_rows_per_s,
        # the median of each load's ratio to the COPY that followed it (see above)
        "ratio_to_copy": statistics.median(r["ratio_to_copy"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "cpu_per_observation": _cpu_per_observation(runs, rows / n, copy_rows_per_s),
        "runs": runs,
        "repull": repull,
        "targets": {"observations_per_s": ">= 20000", "ratio_to_copy": ">= 0.5", "peak_rss_mb": "< 300 at 1M"},
    }


def _cpu_per_observation(runs: list[dict], llm_share: float, copy_rows_per_s: float) -> dict | None:
    """Median CPU microseconds per observation of each party, and what they imply on this machine:
    with every core busy all the time, observations/s cannot exceed cores / total CPU per
    observation. Beside it, the observations/s the 0.5-of-COPY target asks for."""
    if any(r.get("postgres_cpu_seconds") is None for r in runs):
        return None  # Postgres is not on this machine: no account

    def per_observation(key: str) -> float:
        return statistics.median(r[key] / r["observations"] * 1e6 for r in runs)

    account = {
        "loader_us": per_observation("cpu_seconds"),
        "postgres_us": per_observation("postgres_cpu_seconds"),
        "server_us": per_observation("server_cpu_seconds"),
    }
    account["total_us"] = sum(account.values())
    cores = os.cpu_count() or 1
    account["ceiling_observations_per_s"] = cores * 1e6 / account["total_us"]
    account["observations_per_s_for_half_of_copy"] = 0.5 * copy_rows_per_s / llm_share
    return account


def _export_calls(url: str) -> tuple[bytearray, list]:
    """The rows just ingested, as COPY text, and their months."""
    with psycopg.connect(url, autocommit=True) as conn:
        buffer = bytearray()
        with conn.cursor().copy("copy (select * from raw.llm_calls) to stdout") as copy:
            for chunk in copy:
                buffer += chunk
        months = [r[0] for r in conn.execute(
            "select distinct date_trunc('month', ts at time zone 'UTC')::date from raw.llm_calls")]
    return buffer, months


def raw_copy_seconds(url: str, buffer: bytearray, months: list) -> float:
    """COPY the rows into an empty table shaped like raw.llm_calls (same partitions and indexes):
    the floor the ingestion is compared with."""
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
        seconds = time.perf_counter() - clock
        conn.execute("drop schema bench cascade")
    return seconds


# -- the warehouse: dbt builds, dashboard cards, alerts ------------------------------------------
def _sql(name: str) -> str:
    return (Path(__file__).resolve().parent / "sql" / name).read_text()


def _dbt_build(as_of, *, full_refresh: bool = False) -> float:
    from orchestration.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable, dbt_run_environ

    args = [dbt_executable(), "--no-use-colors", "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
            str(DBT_PROJECT_DIR), "--vars", json.dumps({"as_of": as_of.isoformat()})]
    if full_refresh:
        args.append("--full-refresh")
    clock = time.perf_counter()
    out = subprocess.run(args, env={**os.environ, **dbt_run_environ()}, capture_output=True, text=True)
    seconds = time.perf_counter() - clock
    if out.returncode != 0:
        raise RuntimeError("dbt build failed:\n" + out.stdout[-3000:])
    return seconds


def _count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("select count(*) from raw.llm_calls").fetchone()[0]


def bench_build(url: str, n: int, repeat: int, scale: int = 10) -> dict:
    """The daily dbt build (one new day) at the ingested history and at `scale` times it."""
    from ingestion.schema import ensure_partitions

    as_of = END.date()
    new_day = END
    print("build: full dbt build, then the daily incremental build ...", flush=True)
    full_small = _dbt_build(as_of, full_refresh=True)
    with psycopg.connect(url) as conn:
        ensure_partitions(conn, new_day, new_day + timedelta(days=1))
        conn.execute(_sql("add_one_day.sql"), {"day": new_day})
        conn.commit()
    next_as_of = as_of + timedelta(days=1)
    small_rows = _count(url)
    incremental_small = [_dbt_build(next_as_of) for _ in range(repeat)]
    print(f"  {small_rows:,} calls: full {full_small:.1f}s, daily {statistics.median(incremental_small):.1f}s",
          flush=True)

    span = 60
    with psycopg.connect(url) as conn:
        origin = conn.execute("select min(ts) from raw.llm_calls").fetchone()[0]
        ensure_partitions(conn, origin - timedelta(days=span * (scale - 1)), origin)
        conn.commit()
        for k in range(1, scale):
            conn.execute(_sql("grow_history.sql"), {"shift_days": span * k, "origin": origin, "span_days": span})
            conn.commit()
        conn.execute("analyze raw.llm_calls")
    large_rows = _count(url)
    incremental_large = [_dbt_build(next_as_of) for _ in range(repeat)]
    full_large = _dbt_build(next_as_of, full_refresh=True)
    print(f"  {large_rows:,} calls: full {full_large:.1f}s, daily {statistics.median(incremental_large):.1f}s",
          flush=True)
    return {
        "as_of": next_as_of.isoformat(),
        "history_small": small_rows,
        "history_large": large_rows,
        "daily_build_s_small": statistics.median(incremental_small),
        "daily_build_s_large": statistics.median(incremental_large),
        "daily_build_ratio": statistics.median(incremental_large) / statistics.median(incremental_small),
        "full_build_s_small": full_small,
        "full_build_s_large": full_large,
        "target": {"daily_build_ratio": "<= 1.5"},
    }


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def bench_cards(url: str, n: int, repeat: int, runs: int = 20) -> dict:
    """p50/p95 of every dashboard card on the marts, beside three reference queries on raw."""
    from alerts.alert_log import ensure_schema
    from metabase.card_queries import run_card
    from metabase.catalog import default_catalog

    print(f"cards: {runs} runs of every card query ...", flush=True)
    results = {}
    with psycopg.connect(url) as conn:
        ensure_schema(conn)  # the alert log card reads what the daily alerts run creates
        conn.commit()
        rows = _count(url)
        as_of_row = conn.execute("select max(as_of) from marts.feature_costs").fetchone()
        end = datetime.combine(as_of_row[0], datetime.min.time(), tzinfo=UTC) if as_of_row[0] else END
        for key, card in sorted(default_catalog().cards.items()):
            timings = []
            for _ in range(runs):
                clock = time.perf_counter()
                try:
                    run_card(conn, card)
                except Exception as exc:  # a card missing its table (optional source) is reported, not fatal
                    results[key] = {"error": str(exc)[:200]}
                    conn.rollback()
                    break
                timings.append((time.perf_counter() - clock) * 1000)
            if timings:
                results[key] = {"p50_ms": _percentile(timings, 50), "p95_ms": _percentile(timings, 95)}
        reference = {}
        for name in ("raw_cost_by_feature_30d", "raw_cost_by_user_top50_30d", "raw_cost_by_feature_prompt_30d"):
            timings = []
            for _ in range(max(3, runs // 4)):
                clock = time.perf_counter()
                conn.execute(_sql(f"{name}.sql"), {"start": end - timedelta(days=30), "end": end}).fetchall()
                timings.append((time.perf_counter() - clock) * 1000)
            reference[name] = {"p50_ms": _percentile(timings, 50), "p95_ms": _percentile(timings, 95)}
    card_p95 = [r["p95_ms"] for r in results.values() if "p95_ms" in r]
    mart_equivalents = [results[k]["p95_ms"] for k in ("feature_costs_30d", "user_costs_30d", "prompt_costs_30d")
                        if k in results and "p95_ms" in results[k]]
    raw_p95 = [r["p95_ms"] for r in reference.values()]
    return {
        "calls_in_raw": rows,
        "cards": results,
        "raw_reference": reference,
        "max_card_p95_ms": max(card_p95) if card_p95 else None,
        "raw_over_mart_p95": (statistics.median(raw_p95) / statistics.median(mart_equivalents))
        if mart_equivalents else None,
        "target": {"max_card_p95_ms": "< 50 at 10M"},
    }


def bench_alerts(url: str, n: int, repeat: int) -> dict:
    from alerts import run_alerts

    timings = []
    with psycopg.connect(url) as conn:
        as_of = conn.execute("select max(as_of) from marts.feature_costs").fetchone()[0] or END.date()
        for _ in range(max(3, repeat)):
            clock = time.perf_counter()
            run_alerts(conn, as_of, dry_run=True)
            timings.append(time.perf_counter() - clock)
    return {"calls_in_raw": _count(url), "evaluate_all_rules_s": statistics.median(timings)}


def bench_storage(url: str, n: int, repeat: int) -> dict:
    """What raw.llm_calls takes on disk as loaded (after the other sections: with `build`, at its
    grown history): per partition and per index, and bytes per call."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum analyze raw.llm_calls")  # settled sizes, as after autovacuum
        partitions = [
            {"partition": name, "rows": rows, "table_bytes": table, "index_bytes": index, "index_bytes_by_index": by}
            for name, rows, table, index, by in conn.execute(_sql("llm_calls_storage.sql")).fetchall()
        ]
    rows = sum(p["rows"] for p in partitions)
    table_bytes = sum(p["table_bytes"] for p in partitions)
    index_bytes = sum(p["index_bytes"] for p in partitions)
    by_index: dict[str, int] = {}
    for partition in partitions:
        for name, size in partition["index_bytes_by_index"].items():
            by_index[name] = by_index.get(name, 0) + size
    largest = max(partitions, key=lambda p: p["rows"], default=None)
    return {
        "calls_in_raw": rows,
        "partitions": len(partitions),
        "table_bytes": table_bytes,
        "index_bytes": index_bytes,
        "index_bytes_by_index": by_index,
        "bytes_per_call": (table_bytes + index_bytes) / rows if rows else None,
        "table_bytes_per_call": table_bytes / rows if rows else None,
        "largest_partition": largest,
        "by_partition": partitions,
    }


def bench_spark_section(url: str, n: int, repeat: int, scale: int = 10) -> dict:
    """The Spark warehouse on a local 2-worker cluster (benchmarks/spark.py); skipped, with the
    reason in the results, where there is no Java."""
    from benchmarks.spark import bench_spark
    from llmcosts_core.spark.cluster import java_executable

    try:
        java_executable()
    except Exception as exc:  # noqa: BLE001 -- a ConfigError naming what to install
        print(f"spark: skipped ({exc})", flush=True)
        return {"skipped": str(exc)}
    return bench_spark(url, n, repeat, scale, start_server=_start_server, end=END, dbt_build=_dbt_build)


SECTIONS = {
    "ingest": bench_ingest, "build": bench_build, "cards": bench_cards, "alerts": bench_alerts,
    "storage": bench_storage, "spark": bench_spark_section,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--scale", type=int, default=10, help="history multiplier for the build benchmark")
    parser.add_argument("--spark-observations", type=int, default=None,
                        help="observations for the Spark section (default: a tenth of --observations)")
    args = parser.parse_args(argv)

    url = _bench_database_url()
    os.environ["DATABASE_URL"] = url  # dbt, the cards and the alerts all find the bench database this way
    results = {"started_at": datetime.now(UTC).isoformat(), "machine": _machine(url), "repeat": args.repeat}
    for name in args.only or list(SECTIONS):
        if name == "build":
            results[name] = bench_build(url, args.observations, args.repeat, scale=args.scale)
        elif name == "spark":
            # A tenth of the Postgres size by default: the local cluster is this machine's 2 cores.
            results[name] = bench_spark_section(url, args.spark_observations or max(1000, args.observations // 10),
                                                args.repeat, scale=args.scale)
        else:
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
        print(f"{'re-pull (all merged) / raw COPY':<32} {ingest['repull']['ratio_to_copy']:>14.2f}")
        cpu = ingest.get("cpu_per_observation")
        if cpu:
            print(f"{'CPU us/observation loader':<32} {cpu['loader_us']:>14.1f}")
            print(f"{'CPU us/observation Postgres':<32} {cpu['postgres_us']:>14.1f}")
            print(f"{'CPU us/observation server':<32} {cpu['server_us']:>14.1f}")
            print(f"{'ceiling on these cores (obs/s)':<32} {cpu['ceiling_observations_per_s']:>14,.0f}  "
                  f"(0.5 of COPY needs {cpu['observations_per_s_for_half_of_copy']:,.0f})")
    build = results.get("build")
    if build:
        print(f"{'daily dbt build, small history (s)':<32} {build['daily_build_s_small']:>14.1f}  "
              f"({build['history_small']:,} calls)")
        print(f"{'daily dbt build, large history (s)':<32} {build['daily_build_s_large']:>14.1f}  "
              f"({build['history_large']:,} calls)")
        print(f"{'daily build ratio large/small':<32} {build['daily_build_ratio']:>14.2f}  <= 1.5")
        print(f"{'full rebuild, large history (s)':<32} {build['full_build_s_large']:>14.1f}")
    cards = results.get("cards")
    if cards and cards["max_card_p95_ms"] is not None:
        print(f"{'slowest card p95 (ms)':<32} {cards['max_card_p95_ms']:>14.1f}  < 50 at 10M")
        if cards["raw_over_mart_p95"]:
            print(f"{'raw query / mart card p95':<32} {cards['raw_over_mart_p95']:>14.1f}")
    alerts = results.get("alerts")
    if alerts:
        print(f"{'evaluate all alert rules (s)':<32} {alerts['evaluate_all_rules_s']:>14.2f}  "
              f"({alerts['calls_in_raw']:,} calls)")
    storage = results.get("storage")
    if storage and storage["bytes_per_call"]:
        print(f"{'raw.llm_calls bytes per call':<32} {storage['bytes_per_call']:>14,.0f}  "
              f"(table {storage['table_bytes_per_call']:,.0f}, {storage['calls_in_raw']:,} calls)")
    spark = results.get("spark")
    if spark and "skipped" not in spark:
        print(f"{'Spark: ingest to Parquet (obs/s)':<32} {spark['ingest_observations_per_s']:>14,.0f}")
        print(f"{'Spark: daily build, small (s)':<32} {spark['daily_build_s_small']:>14.1f}  "
              f"({spark['history_small']:,} calls)")
        print(f"{'Spark: daily build, large (s)':<32} {spark['daily_build_s_large']:>14.1f}  "
              f"({spark['history_large']:,} calls)")
        print(f"{'Spark: daily build ratio':<32} {spark['daily_build_ratio']:>14.2f}  <= 1.5")
        print(f"{'Spark: publish marts (s)':<32} {spark['publish_s']:>14.1f}  ({spark['published_rows']:,} rows)")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
