"""Configuration: read from the environment and `.env` in one place, secrets never shown."""

import os

import pytest

from llmcosts_core import settings as core


@pytest.fixture
def dotenv(tmp_path, monkeypatch):
    path = tmp_path / ".env"
    monkeypatch.setenv("LLMCOSTS_ENV_FILE", str(path))
    monkeypatch.setattr(core, "_loaded_env_files", set())
    written = []

    def write(**values):
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        written.extend(values)

    yield write
    for key in written:  # load_dotenv wrote them into os.environ
        os.environ.pop(key, None)


def test_a_domain_setting_in_dotenv_is_seen_without_get_settings_first(dotenv, monkeypatch):
    from alerts.config import get_alert_settings
    from ingestion.plausible.config import event_map_path_from_env

    monkeypatch.delenv("LLMCOSTS_ALERT_FLOOR_USD", raising=False)
    dotenv(LLMCOSTS_ALERT_FLOOR_USD="7.5", LLMCOSTS_PLAUSIBLE_EVENT_MAP="/srv/map.yml")
    assert str(get_alert_settings().floor_usd) == "7.5"
    assert str(event_map_path_from_env()) == "/srv/map.yml"


def test_the_environment_wins_over_dotenv(dotenv, monkeypatch):
    monkeypatch.setenv("LLMCOSTS_LOOKBACK_HOURS", "12")
    dotenv(LLMCOSTS_LOOKBACK_HOURS="99")
    assert core.get_settings().ingest.lookback_hours == 12


def test_bad_values_name_the_variable():
    with pytest.raises(core.ConfigError, match="LLMCOSTS_X_SHARE"):
        os.environ["LLMCOSTS_X_SHARE"] = "1.5"
        try:
            core.env_float("LLMCOSTS_X_SHARE", 0.5, share=True)
        finally:
            os.environ.pop("LLMCOSTS_X_SHARE")


def test_secrets_never_show_themselves(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:hunter2@db:5432/x")
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-1")
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-very-secret")
    settings = core.get_settings()
    assert "hunter2" not in repr(settings) and "sk-very-secret" not in repr(settings)
    assert settings.langfuse_projects[0].secret_key.get() == "sk-very-secret"


def test_mismatched_langfuse_key_lists_are_refused(monkeypatch):
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-1,pk-2")
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-1")
    with pytest.raises(core.ConfigError, match="same number of keys"):
        core.get_settings()
