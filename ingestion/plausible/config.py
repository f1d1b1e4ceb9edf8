"""Where feature usage comes from, read from the environment when a load runs (see the package
docstring for the variables). Plausible and a CSV file are exclusive; neither is fine (the marts
then measure usage in LLM calls and say so)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from llmcosts_core.settings import ConfigError, IngestSettings, Secret, env_int, env_str, get_settings

DEFAULT_PLAUSIBLE_URL = "https://plausible.io"
DEFAULT_EVENT_MAP = Path(__file__).resolve().parent / "event_feature_map.yml"
MAX_PAGE_LIMIT = 10_000  # Plausible's own maximum for pagination.limit


@dataclass(frozen=True)
class PlausibleConfig:
    base_url: str
    api_key: Secret
    site_id: str
    event_map_path: Path
    lookback_days: int = 3
    backfill_days: int = 90
    page_limit: int = MAX_PAGE_LIMIT
    http: IngestSettings = IngestSettings()

    def describe(self) -> str:
        return f"Plausible site {self.site_id} at {self.base_url}"


@dataclass(frozen=True)
class CsvUsageConfig:
    path: Path

    def describe(self) -> str:
        return f"CSV file {self.path}"


# The shared readers (llmcosts_core.settings): they load `.env` and fail alike across domains.
_get = env_str
_int = env_int


def event_map_path_from_env() -> Path:
    raw = _get("LLMCOSTS_PLAUSIBLE_EVENT_MAP")
    return Path(raw).expanduser() if raw else DEFAULT_EVENT_MAP


def usage_source_from_env() -> PlausibleConfig | CsvUsageConfig | None:
    """The configured usage source, read now; None when neither Plausible nor a CSV is set."""
    api_key = _get("PLAUSIBLE_API_KEY")
    site_id = _get("PLAUSIBLE_SITE_ID")
    csv_path = _get("LLMCOSTS_FEATURE_USAGE_CSV")
    if (api_key or site_id) and csv_path:
        raise ConfigError("set either PLAUSIBLE_API_KEY/PLAUSIBLE_SITE_ID or LLMCOSTS_FEATURE_USAGE_CSV, not both")
    if csv_path:
        return CsvUsageConfig(Path(csv_path).expanduser())
    if not api_key and not site_id:
        return None
    if not api_key:
        raise ConfigError("PLAUSIBLE_SITE_ID is set but PLAUSIBLE_API_KEY is not (a Stats API key)")
    if not site_id:
        raise ConfigError("PLAUSIBLE_API_KEY is set but PLAUSIBLE_SITE_ID is not (the site's domain in Plausible)")
    base_url = (_get("PLAUSIBLE_URL") or DEFAULT_PLAUSIBLE_URL).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"PLAUSIBLE_URL must start with http:// or https://, got {base_url!r}")
    return PlausibleConfig(
        base_url=base_url,
        api_key=Secret(api_key),
        site_id=site_id,
        event_map_path=event_map_path_from_env(),
        lookback_days=_int("LLMCOSTS_PLAUSIBLE_LOOKBACK_DAYS", 3),
        backfill_days=_int("LLMCOSTS_PLAUSIBLE_BACKFILL_DAYS", 90, minimum=1),
        page_limit=min(MAX_PAGE_LIMIT, _int("LLMCOSTS_PLAUSIBLE_PAGE_LIMIT", MAX_PAGE_LIMIT, minimum=1)),
        http=get_settings().ingest,
    )
