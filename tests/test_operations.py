"""Operating the pipeline: one error line per failure class with its exit code and no secret,
quality checks that run with every CLI ingest and stop the build, run history that survives kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from ingestion.local_langfuse.server import Delay, LocalLangfuseServer
from ingestion.local_langfuse.workload import generate_observations
from orchestration.cli import main

END = datetime(2026, 11, 3, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


@pytest.fixture
def langfuse(monkeypatch):
    observations = generate_observations(END, days=4, calls_per_day=50, seed=21, project_id="ops")
    with LocalLangfuseServer(observations, public_key="pk-ops", secret_key="sk-ops-secret",
                             project_id="ops") as server:
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-ops")
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-ops-secret")
        monkeypatch.setenv("LANGFUSE_BASE_URL", server.base_url)
        yield server


def test_nothing_listening_at_langfuse_is_a_service_error_exit_3(migrated_warehouse, monkeypatch, capsys):
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-ops")
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-ops-very-secret")
    monkeypatch.setenv("LANGFUSE_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LLMCOSTS_MAX_RETRIES", "1")
    monkeypatch.setenv("LLMCOSTS_BACKOFF_BASE", "0.05")
    assert main(["ingest", "--since", "2026-11-01", "--until", "2026-11-02"]) == 3
    captured = capsys.readouterr()
    last = _last_line(captured.err)
    assert last.startswith("error: Langfuse at http://127.0.0.1:9 is not reachable (connection refused)")
    assert "check LANGFUSE_BASE_URL" in last and "(Dagster run " in last
    assert "Traceback" not in captured.err and "sk-ops-very-secret" not in captured.err + captured.out


def test_verbose_shows_the_trace(migrated_warehouse, monkeypatch, capsys):
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-ops")
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-ops-very-secret")
    monkeypatch.setenv("LANGFUSE_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LLMCOSTS_MAX_RETRIES", "0")
    assert main(["--verbose", "ingest", "--since", "2026-11-01", "--until", "2026-11-02"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and _last_line(err).startswith("error: Langfuse at http://127.0.0.1:9")
    assert "sk-ops-very-secret" not in err


def test_no_langfuse_keys_is_a_configuration_error_exit_2(migrated_warehouse, capsys):
    assert main(["ingest", "--since", "2026-11-01", "--until", "2026-11-02"]) == 2
    last = _last_line(capsys.readouterr().err)
    assert last.startswith("error: no Langfuse project configured") and "LANGFUSE_PUBLIC_KEY" in last


def test_warehouse_down_is_a_service_error_exit_3_without_the_password(monkeypatch, capsys):
    # Nothing listens on port 1 of loopback: the database is down.
    monkeypatch.setenv("DATABASE_URL", "postgresql://llmcosts:pw-not-to-print@127.0.0.1:1/llmcosts")
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-ops")
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-ops-very-secret")
    monkeypatch.setenv("LANGFUSE_BASE_URL", "http://127.0.0.1:9")
    for argv in (["build"], ["ingest", "--since", "2026-11-01", "--until", "2026-11-02"]):
        code = main(argv)
        captured = capsys.readouterr()
        assert code == 3, captured.err
        last = _last_line(captured.err)
        assert last.startswith("error: the warehouse at 127.0.0.1:1 is not reachable (connection refused)")
        assert "check DATABASE_URL" in last
        assert "Traceback" not in captured.err
        assert "pw-not-to-print" not in captured.err + captured.out and "sk-ops-very" not in captured.err


def test_as_of_after_the_newest_call_warns_and_is_an_error_with_strict(migrated_warehouse, langfuse, capsys):
    assert main(["ingest", "--since", "2026-11-01", "--until", "2026-11-03"]) == 0
    capsys.readouterr()
    assert main(["build", "--as-of", "2030-01-01", "--strict"]) == 2
    last = _last_line(capsys.readouterr().err)
    assert "--as-of 2030-01-01 is after the newest ingested call (2026-11-02" in last
    from orchestration.lib.runs import check_as_of

    warning = check_as_of(datetime(2030, 1, 1).date())
    assert warning and "2026-11-02" in warning
    assert check_as_of(datetime(2026, 11, 3).date()) is None  # the day after the newest call: fine


def test_cli_ingest_runs_the_quality_checks_and_a_blocking_failure_stops_the_build(
        migrated_warehouse, langfuse, capsys):
    argv = ["ingest", "--since", "2026-11-01", "--until", "2026-11-03"]
    assert main(argv) == 0
    with psycopg.connect(migrated_warehouse) as conn:
        clean = conn.execute("select count(*), count(*) filter (where not passed and severity = 'ERROR') "
                             "from raw.data_quality_results where partition_key = '2026-11-01'").fetchone()
        from ingestion.quality.expectations import WINDOW_CHECKS

        assert clean == (len(WINDOW_CHECKS), 0)  # every window check, recorded, none blocking
    capsys.readouterr()
    # Plant wrong data: the same call stored at a second timestamp (a duplicate observation id).
    with psycopg.connect(migrated_warehouse) as conn:
        columns = [r[0] for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = 'llm_calls' order by ordinal_position").fetchall()]
        select = ", ".join("ts + interval '1 second'" if c == "ts" else c for c in columns)
        conn.execute(f"insert into raw.llm_calls ({', '.join(columns)}) "  # noqa: S608
                     f"select {select} from raw.llm_calls order by ts limit 1")
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    assert "no_duplicate_observation_id" in _last_line(err)
    with psycopg.connect(migrated_warehouse) as conn:
        failed = conn.execute("select count(*) from raw.data_quality_results where partition_key = '2026-11-01' "
                              "and check_name = 'no_duplicate_observation_id' and not passed").fetchone()[0]
    assert failed == 1
    code = main(["build", "--as-of", "2026-11-03"])
    err = capsys.readouterr().err
    assert code == 1, err
    last = _last_line(err)
    assert last.startswith("error: blocking data-quality check failed on raw.llm_calls: no_duplicate_observation_id "
                           "on 2026-11")
    with psycopg.connect(migrated_warehouse) as conn:
        built = conn.execute("select count(*) from information_schema.tables where table_schema = 'marts'").fetchone()
    assert built[0] == 0  # nothing downstream was built on wrong data


def test_a_killed_ingest_is_marked_abandoned_by_the_next_run(migrated_warehouse, monkeypatch, capsys):
    observations = generate_observations(END, days=2, calls_per_day=200, seed=5, project_id="kill")
    with LocalLangfuseServer(observations, public_key="pk-kill", secret_key="sk-kill", project_id="kill") as server:
        server.inject_faults([Delay(0.4)] * 200)  # a slow Langfuse: the run is still going when killed
        env = {**os.environ, "LANGFUSE_PUBLIC_KEY": "pk-kill", "LANGFUSE_SECRET_KEY": "sk-kill",
               "LANGFUSE_BASE_URL": server.base_url, "LLMCOSTS_PAGE_LIMIT": "10"}
        argv = ["ingest", "--since", "2026-11-01", "--until", "2026-11-03"]
        process = subprocess.Popen([sys.executable, "-m", "orchestration.cli", *argv], env=env, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            running = None
            while time.monotonic() < deadline and running is None:
                time.sleep(0.5)
                with psycopg.connect(migrated_warehouse) as conn:
                    running = conn.execute("select run_id from raw.ingestion_runs where status = 'running' "
                                           "and pages > 0 limit 1").fetchone()
                    if running is None:
                        running = conn.execute("select run_id from raw.ingestion_runs where status = 'running' "
                                               "limit 1").fetchone()
            assert running is not None, "the ingest never started"
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        killed_run = running[0]
        time.sleep(1)  # Postgres notices the closed socket and ends the session, releasing its lock

        server.inject_faults([])
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-kill")
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-kill")
        monkeypatch.setenv("LANGFUSE_BASE_URL", server.base_url)
        assert main(argv) == 0
    with psycopg.connect(migrated_warehouse) as conn:
        statuses = dict(conn.execute("select status, count(*) from raw.ingestion_runs group by status").fetchall())
        killed = conn.execute("select status, finished_at, error from raw.ingestion_runs where run_id = %s",
                              (killed_run,)).fetchone()
        count = conn.execute("select count(*) from raw.llm_calls").fetchone()[0]
    assert killed[0] == "abandoned" and killed[1] is not None and "stopped before it finished" in killed[2]
    assert statuses.get("running", 0) == 0 and statuses["succeeded"] == 1
    expected = sum(1 for o in observations if o["type"] in ("GENERATION", "EMBEDDING")
                   and "2026-11-01" <= o["startTime"] < "2026-11-03")
    assert count == expected  # the re-run loads exactly the window, nothing twice


def test_a_live_run_is_never_marked_abandoned(migrated_warehouse):
    from ingestion.loader import _RUN_LOCK_NAMESPACE, mark_abandoned_runs

    with psycopg.connect(migrated_warehouse, autocommit=True) as live, \
            psycopg.connect(migrated_warehouse, autocommit=True) as other:
        for run_id in ("live-run", "dead-run"):
            live.execute(
                "insert into raw.ingestion_runs (run_id, source_key, window_start, window_end, started_at, status) "
                "values (%s, 'k', now() - interval '1 hour', now(), now(), 'running')", (run_id,))
        live.execute("select pg_advisory_lock(%s, hashtext('live-run'))", (_RUN_LOCK_NAMESPACE,))
        assert mark_abandoned_runs(other, "checker") == ["dead-run"]
        statuses = dict(other.execute("select run_id, status from raw.ingestion_runs").fetchall())
    assert statuses == {"live-run": "running", "dead-run": "abandoned"}


def test_plain_progress_lines_when_not_a_terminal():
    import io

    from orchestration.lib import progress

    clock = iter([0.0, 0.0, 5.0, 12.0, 30.0]).__next__
    stream = io.StringIO()
    reporter = progress._PlainReporter(stream, every_s=10.0, clock=clock)
    reporter.task("m", "ingest 2026-11 (month 2 of 4)", total=1.0)
    reporter.update("m", 0.1, "100 rows")  # t=0: too soon after the start line
    reporter.update("m", 0.2, "200 rows")  # t=5: still too soon
    reporter.update("m", 0.5, "500 rows")  # t=12: a line, with the ETA from the time covered
    reporter.finish("m", "1,000 rows")  # t=30
    assert stream.getvalue().splitlines() == [
        "  ingest 2026-11 (month 2 of 4) ...",
        "  ingest 2026-11 (month 2 of 4): 50%, eta 12s; 500 rows",
        "  ingest 2026-11 (month 2 of 4): done in 30s; 1,000 rows",
    ]


def test_covered_fraction_counts_both_passes_newest_first():
    from ingestion.loader import covered_fraction

    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC)
    # EMBEDDING first (sorted), then GENERATION; each pass walks back from `end`.
    assert covered_fraction("EMBEDDING", end - timedelta(days=2), start, end, 0.0) == pytest.approx(0.25)
    assert covered_fraction("GENERATION", end - timedelta(days=1), start, end, 0.5) == pytest.approx(0.625)
    assert covered_fraction("GENERATION", None, start, end, 0.7) == pytest.approx(0.7)  # never backwards


def test_every_outside_service_error_maps_to_its_exit_code_by_class():
    """Plausible and Metabase errors are kinds of ConfigError / ServiceUnavailable at their source,
    so a failed run maps to 2 or 3 by class (wrapped the way Dagster wraps them), never by name."""
    from ingestion.plausible.client import PlausibleAuthError, PlausibleQueryError, PlausibleUnavailableError
    from metabase.client import MetabaseApiError, MetabaseAuthError, MetabaseConnectionError
    from orchestration.lib.failures import classify

    def wrapped(exc: BaseException) -> BaseException:
        try:
            try:
                raise exc
            except BaseException as inner:
                raise RuntimeError("Error occurred while executing op") from inner
        except RuntimeError as outer:
            return outer

    expected = {
        PlausibleAuthError("Plausible refused the key; check PLAUSIBLE_API_KEY"): 2,
        PlausibleUnavailableError("Plausible at http://127.0.0.1:9 kept failing"): 3,
        MetabaseAuthError("Metabase refused the credentials; check METABASE_API_KEY"): 2,
        MetabaseConnectionError("cannot reach Metabase at http://127.0.0.1:9; check METABASE_URL"): 3,
        PlausibleQueryError("Plausible rejected the query"): 1,
        MetabaseApiError("Metabase answered 500"): 1,
    }
    for exc, code in expected.items():
        failure = classify(wrapped(exc))
        assert (failure.exit_code, failure.message) == (code, str(exc)), type(exc).__name__
