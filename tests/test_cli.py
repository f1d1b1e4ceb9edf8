"""The `llmcosts` command line: the same assets as the schedules, clear errors, honest exit codes."""

from datetime import UTC, datetime

import psycopg
import pytest

from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import generate_observations
from orchestration.cli import main

END = datetime(2026, 11, 3, tzinfo=UTC)


@pytest.fixture
def langfuse(monkeypatch):
    observations = generate_observations(END, days=4, calls_per_day=50, seed=21, project_id="cli")
    with LocalLangfuseServer(observations, public_key="pk-cli", secret_key="sk-cli", project_id="cli") as server:
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-cli")
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-cli")
        monkeypatch.setenv("LANGFUSE_BASE_URL", server.base_url)
        yield observations


def test_ingest_window_across_a_month_boundary(migrated_warehouse, langfuse, capsys):
    assert main(["ingest", "--since", "2026-10-30", "--until", "2026-11-03"]) == 0
    out = capsys.readouterr().out
    assert "2026-10" in out and "2026-11" in out  # one materialization per month partition
    expected = sum(1 for o in langfuse if o["type"] in ("GENERATION", "EMBEDDING")
                   and "2026-10-30" <= o["startTime"] < "2026-11-03")
    with psycopg.connect(migrated_warehouse) as conn:
        assert conn.execute("select count(*) from raw.llm_calls").fetchone()[0] == expected


def test_wrong_secret_is_a_configuration_error_naming_the_variable(migrated_warehouse, langfuse, monkeypatch,
                                                                    capsys):
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-wrong-and-secret")
    assert main(["ingest", "--since", "2026-11-01", "--until", "2026-11-02"]) == 2
    captured = capsys.readouterr()
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith("error: Langfuse refused the credentials (HTTP 401)") and "LANGFUSE_SECRET_KEY" in last
    assert "Dagster run" in last  # where the trace is
    assert "sk-wrong-and-secret" not in captured.err + captured.out
    assert "Traceback" not in captured.err  # the trace only under --verbose


def test_no_langfuse_configured_is_a_clear_failure(migrated_warehouse, capsys):
    assert main(["ingest", "--since", "2026-11-01", "--until", "2026-11-02"]) != 0
    assert "LANGFUSE_PUBLIC_KEY" in capsys.readouterr().err


def test_bad_arguments_are_configuration_errors(migrated_warehouse, capsys):
    assert main(["ingest", "--since", "2026-11-02", "--until", "2026-11-01"]) == 2
    assert "half-open" in capsys.readouterr().err
    assert main(["prune", "--keep-months", "0"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--as-of", "yesterday"])
    assert exit_info.value.code == 2


def test_quiet_console_keeps_our_info_and_every_warning_but_not_library_chatter():
    import logging

    from orchestration.cli import _own_info_or_any_warning

    def record(name: str, level: int) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "message", None, None)

    # great_expectations sets its own logger to INFO on import ("ephemeral docs site" lines)
    assert not _own_info_or_any_warning(record("great_expectations.data_context.types.base", logging.INFO))
    assert not _own_info_or_any_warning(record("dagster.builtin", logging.INFO))
    assert _own_info_or_any_warning(record("ingestion.loader", logging.INFO))
    assert _own_info_or_any_warning(record("dagster.builtin", logging.WARNING))
