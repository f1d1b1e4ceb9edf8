"""All configuration, read from the environment (and an optional `.env`) in this one place.

Nothing here runs at import time: `get_settings()` reads the environment when called, so a
process that changes its environment (tests, the CLI's `--as-of`) sees the change, and no secret
is touched before it is needed. Secrets are wrapped in `Secret` so that a stray `repr()`, log line
or exception message never prints them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting is missing or malformed. The message names the variable to fix."""


class Secret:
    """A string that never shows itself in repr/str, so it cannot leak into logs or metadata."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class LangfuseProject:
    """One Langfuse project: a key pair and the API it lives on."""

    public_key: str
    secret_key: Secret
    base_url: str

    @property
    def source_key(self) -> str:
        # The watermark key. The public key identifies a project without being a secret.
        return f"{self.base_url.rstrip('/')}#{self.public_key}"


@dataclass(frozen=True)
class IngestSettings:
    lookback_hours: float = 48.0
    initial_backfill_days: int = 90
    page_limit: int = 1000
    http_timeout_s: float = 30.0
    max_retries: int = 6
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    feature_metadata_keys: tuple[str, ...] = ("feature",)
    max_metadata_bytes: int = 16_384
    # Postgres sessions merging pages concurrently (pages are disjoint): on 2 cores, 2 took a
    # 200k-observation load from ~17,500 to ~22,000 observations/s; 1 writes every page in order.
    writer_connections: int = 2


WAREHOUSES = ("postgres", "spark")


@dataclass(frozen=True)
class SparkSettings:
    """Where the Spark warehouse lives (LLMCOSTS_WAREHOUSE=spark; docs/scaling.md).

    With no LLMCOSTS_SPARK_THRIFT_HOST, llmcosts runs its own standalone cluster on this machine
    (`llmcosts spark start`: a master, `local_workers` workers and the Thrift server, from the
    pyspark wheel). With it, every Spark statement goes to that Thrift server, and the lake root
    must be storage the cluster reads too (an object store URL, HDFS, a shared mount)."""

    lake_root: str
    thrift_host: str | None = None
    thrift_port: int = 10000
    local_workers: int = 2
    local_worker_memory: str = "1g"

    @property
    def uses_local_cluster(self) -> bool:
        return self.thrift_host is None


@dataclass(frozen=True)
class Settings:
    database_url: Secret | None
    data_dir: Path
    langfuse_projects: tuple[LangfuseProject, ...]
    slack_webhook_url: Secret | None
    metabase_url: str | None
    metabase_api_key: Secret | None
    ingest: IngestSettings = field(default_factory=IngestSettings)
    # Where raw calls and the marts are built: "postgres" (the default: everything in the one
    # Postgres) or "spark" (raw calls as Parquet on the lake, marts built by Spark and published
    # into Postgres for serving; watermarks, runs, budgets and the alert log stay in Postgres).
    warehouse: str = "postgres"
    spark: SparkSettings | None = None

    @property
    def uses_spark(self) -> bool:
        return self.warehouse == "spark"

    @property
    def spark_root(self) -> Path:
        """The local cluster's state: metastore, PIDs, logs, Spark's scratch space."""
        return self.data_dir / "spark"

    @property
    def uses_embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def pgdata_dir(self) -> Path:
        return self.data_dir / "pgdata"


_loaded_env_files: set[Path] = set()


def load_dotenv_once(path: Path | None = None) -> None:
    """Load `.env` from the project root (once per file) without overriding variables already set."""
    from dotenv import load_dotenv

    env_file = path or Path(os.environ.get("LLMCOSTS_ENV_FILE", PROJECT_ROOT / ".env"))
    if env_file in _loaded_env_files:
        return
    _loaded_env_files.add(env_file)
    if env_file.is_file():
        load_dotenv(env_file, override=False)


# -- readers every domain uses for its own settings, so all of them see `.env` and fail alike ---
def env_str(name: str) -> str | None:
    """A variable's value, stripped; None when unset or blank."""
    load_dotenv_once()
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


DEFAULT_OWNER_TEAM = "data-platform"


def owner_team() -> str:
    """The team that owns the pipeline's assets in the Dagster UI (LLMCOSTS_OWNER_TEAM, a team name
    such as `data-platform`). Read when the definitions load; not a secret."""
    team = env_str("LLMCOSTS_OWNER_TEAM") or DEFAULT_OWNER_TEAM
    if not all(c.isalnum() or c in "-_." for c in team):
        raise ConfigError(f"LLMCOSTS_OWNER_TEAM must be a team name (letters, digits, - _ .), got {team!r}")
    return team


def env_secret(name: str) -> Secret | None:
    value = env_str(name)
    return Secret(value) if value is not None else None


def env_decimal(name: str, default: str | Decimal, *, maximum: Decimal | None = None) -> Decimal:
    """A non-negative number (Decimal: money thresholds stay exact)."""
    raw = env_str(name)
    if raw is None:
        return Decimal(default)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not value.is_finite() or value < 0 or (maximum is not None and value > maximum):
        bound = f"between 0 and {maximum}" if maximum is not None else "a non-negative number"
        raise ConfigError(f"{name} must be {bound}, got {raw!r}")
    return value


def env_float(name: str, default: float, *, share: bool = False) -> float:
    """A non-negative number; with share=True, a share in [0, 1]."""
    return float(env_decimal(name, str(default), maximum=Decimal(1) if share else None))


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = env_str(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = env_str(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def env_list(name: str) -> list[str]:
    """A comma-separated list, blanks dropped."""
    return _split(env_str(name))


_get = env_str
_secret = env_secret


def _number(name: str, default: float, cast=float):
    if cast is int:
        return env_int(name, int(default))
    return env_float(name, default)


def _split(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def _langfuse_projects() -> tuple[LangfuseProject, ...]:
    """One project per key pair. Several projects: comma-separated lists of equal length in
    LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY, and LANGFUSE_BASE_URL either one URL for all or one
    per project."""
    public_keys = _split(_get("LANGFUSE_PUBLIC_KEY"))
    secret_keys = _split(_get("LANGFUSE_SECRET_KEY"))
    base_urls = _split(_get("LANGFUSE_BASE_URL") or _get("LANGFUSE_HOST")) or [
        "https://cloud.langfuse.com"
    ]
    if not public_keys and not secret_keys:
        return ()
    if len(public_keys) != len(secret_keys):
        raise ConfigError(
            "LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY must list the same number of keys "
            f"(got {len(public_keys)} public, {len(secret_keys)} secret)"
        )
    if len(base_urls) == 1:
        base_urls = base_urls * len(public_keys)
    if len(base_urls) != len(public_keys):
        raise ConfigError(
            "LANGFUSE_BASE_URL must be one URL, or one per key pair "
            f"(got {len(base_urls)} URLs for {len(public_keys)} key pairs)"
        )
    for url in base_urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"LANGFUSE_BASE_URL must start with http:// or https://, got {url!r}")
    return tuple(
        LangfuseProject(public_key=pk, secret_key=Secret(sk), base_url=url.rstrip("/"))
        for pk, sk, url in zip(public_keys, secret_keys, base_urls, strict=True)
    )


def get_settings() -> Settings:
    load_dotenv_once()
    database_url = _secret("DATABASE_URL")
    if database_url is not None and not database_url.get().startswith(("postgresql://", "postgres://")):
        raise ConfigError("DATABASE_URL must be a postgresql:// URL")
    ingest = IngestSettings(
        lookback_hours=_number("LLMCOSTS_LOOKBACK_HOURS", 48.0),
        initial_backfill_days=int(_number("LLMCOSTS_BACKFILL_DAYS", 90, int)),
        page_limit=min(1000, max(1, int(_number("LLMCOSTS_PAGE_LIMIT", 1000, int)))),
        http_timeout_s=_number("LLMCOSTS_HTTP_TIMEOUT", 30.0),
        max_retries=int(_number("LLMCOSTS_MAX_RETRIES", 6, int)),
        backoff_base_s=_number("LLMCOSTS_BACKOFF_BASE", 0.5),
        backoff_max_s=_number("LLMCOSTS_BACKOFF_MAX", 30.0),
        feature_metadata_keys=tuple(_split(_get("LLMCOSTS_FEATURE_KEYS")) or ["feature"]),
        max_metadata_bytes=int(_number("LLMCOSTS_MAX_METADATA_BYTES", 16_384, int)),
        writer_connections=min(8, max(1, int(_number("LLMCOSTS_INGEST_WRITERS", 2, int)))),
    )
    data_dir = Path(_get("LLMCOSTS_HOME") or PROJECT_ROOT / ".llmcosts").resolve()
    warehouse = (_get("LLMCOSTS_WAREHOUSE") or "postgres").lower()
    if warehouse not in WAREHOUSES:
        raise ConfigError(f"LLMCOSTS_WAREHOUSE must be one of {', '.join(WAREHOUSES)}, got {warehouse!r}")
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        langfuse_projects=_langfuse_projects(),
        slack_webhook_url=_secret("SLACK_WEBHOOK_URL"),
        metabase_url=(_get("METABASE_URL") or "").rstrip("/") or None,
        metabase_api_key=_secret("METABASE_API_KEY"),
        ingest=ingest,
        warehouse=warehouse,
        spark=_spark_settings(data_dir),
    )


def _spark_settings(data_dir: Path) -> SparkSettings:
    lake_root = _get("LLMCOSTS_LAKE_ROOT") or str(data_dir / "lake")
    if "://" not in lake_root:
        lake_root = str(Path(lake_root).resolve())
    memory = _get("LLMCOSTS_SPARK_WORKER_MEMORY") or "1g"
    if not (memory[:-1].isdigit() and memory[-1].lower() in "mg"):
        raise ConfigError(f"LLMCOSTS_SPARK_WORKER_MEMORY must be a size such as 1g or 768m, got {memory!r}")
    return SparkSettings(
        lake_root=lake_root,
        thrift_host=_get("LLMCOSTS_SPARK_THRIFT_HOST"),
        thrift_port=env_int("LLMCOSTS_SPARK_THRIFT_PORT", 10000, minimum=1),
        local_workers=env_int("LLMCOSTS_SPARK_WORKERS", 2, minimum=0),
        local_worker_memory=memory,
    )
