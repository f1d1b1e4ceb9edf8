"""`make bench` at a tiny size, so the harness keeps working. It asserts that every figure was
measured, never how fast: timings on a shared machine are not test material."""

import json

import pytest

pytestmark = pytest.mark.slow


def test_bench_harness_runs_every_section(tmp_path, monkeypatch, pg_admin_url):
    from benchmarks import run

    monkeypatch.setenv("DATABASE_URL", pg_admin_url)  # the harness creates its own database beside it
    out = tmp_path / "bench.json"
    # The Spark section is run by hand (`make bench`): its cluster and builds would add minutes here,
    # and tests/spark/test_parity.py already runs the same Spark path end to end.
    sections = [arg for name in ("ingest", "build", "cards", "alerts", "storage") for arg in ("--only", name)]
    assert run.main(["--observations", "1500", "--repeat", "1", "--scale", "2", "--output", str(out), *sections]) == 0
    results = json.loads(out.read_text())
    ingest, build, cards, alerts, storage = (results[k] for k in ("ingest", "build", "cards", "alerts", "storage"))
    assert ingest["observations"] == 1500 and ingest["observations_per_s"] > 0 and ingest["peak_rss_mb"] > 0
    assert ingest["ratio_to_copy"] > 0
    # a first load COPYs every page straight in; the re-pull of the same window merges every page
    assert ingest["runs"][0]["pages_merged"] == 0
    repull = ingest["repull"]
    assert repull["pages_merged"] > 0 and repull["ratio_to_copy"] > 0
    cpu = ingest["cpu_per_observation"]  # None only when Postgres is not a process on this machine
    if cpu is not None:
        # the server's share can round to 0 at this size (CPU times tick every 10 ms)
        assert cpu["loader_us"] > 0 and cpu["postgres_us"] > 0 and cpu["server_us"] >= 0
        assert cpu["total_us"] == pytest.approx(cpu["loader_us"] + cpu["postgres_us"] + cpu["server_us"])
        assert cpu["ceiling_observations_per_s"] == pytest.approx(results["machine"]["cpus"] * 1e6 / cpu["total_us"])
    assert build["history_large"] > build["history_small"] > 0 and build["daily_build_ratio"] > 0
    assert cards["max_card_p95_ms"] > 0 and len(cards["raw_reference"]) == 3
    assert not [key for key, card in cards["cards"].items() if "error" in card]
    assert alerts["evaluate_all_rules_s"] >= 0
    assert results["machine"]["cpus"] >= 1
    # storage is measured after the build grew the history: every call counted once, in a partition
    assert storage["calls_in_raw"] == build["history_large"]
    assert storage["partitions"] >= 2 and storage["table_bytes"] > 0 and storage["index_bytes"] > 0
    assert set(storage["index_bytes_by_index"]) == {
        "llm_calls_pkey", "llm_calls_feature_ts_idx", "llm_calls_user_ts_idx", "llm_calls_prompt_ts_idx"
    }
    assert sum(storage["index_bytes_by_index"].values()) == storage["index_bytes"]


def test_postgres_cpu_account_counts_sessions_that_closed(pg_admin_url):
    """The ingestion's extra writer sessions exit before the load returns: their CPU must still be
    counted (it moves to the postmaster's reaped-children times)."""
    import psutil
    import psycopg

    from benchmarks.cpu_account import postgres_cpu_seconds

    before = postgres_cpu_seconds(pg_admin_url)
    if before is None:
        pytest.skip("Postgres is not a process on this machine: the benchmark reports no CPU account")
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        backend = psutil.Process(conn.execute("select pg_backend_pid()").fetchone()[0])
        conn.execute("select count(*) from generate_series(1, 3000000)")
        times = backend.cpu_times()
        session_cpu = times.user + times.system  # read from the OS just before the session closes
    assert session_cpu > 0.05
    after = postgres_cpu_seconds(pg_admin_url)
    assert after - before >= session_cpu
