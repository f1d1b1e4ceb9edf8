"""A small Metabase REST client: authentication, JSON requests, and errors a person can act on.

Error messages name the setting to fix and never contain a secret: they are shown in Dagster's UI
and in logs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests

from llmcosts_core.errors import ServiceUnavailable
from llmcosts_core.settings import ConfigError, Secret, Settings, env_str, get_settings

log = logging.getLogger(__name__)

DEFAULT_DATABASE_NAME = "llmcosts warehouse"


class MetabaseError(RuntimeError):
    """Provisioning Metabase failed; the message says why and what to change."""


class MetabaseConnectionError(MetabaseError, ServiceUnavailable):
    """METABASE_URL does not lead to a Metabase server."""


class MetabaseAuthError(MetabaseError, ConfigError):
    """Metabase refused the credentials, or none were configured."""


class MetabaseApiError(MetabaseError):
    """Metabase answered a request with an error."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


# The shared reader (llmcosts_core.settings): loads `.env` like every other setting.
_env = env_str


@dataclass(frozen=True)
class MetabaseConfig:
    """What the sync needs. URL and API key come from the project's settings; the session login,
    the database name and the warehouse address as Metabase sees it are Metabase-only options
    read here (they can move into llmcosts_core.settings when another component needs them)."""

    url: str
    api_key: Secret | None
    username: str | None
    password: Secret | None
    database_name: str
    # The warehouse URL Metabase should connect to, when it differs from ours (e.g. Metabase runs
    # in a container and reaches Postgres under another host name). None: use DATABASE_URL.
    warehouse_url_for_metabase: Secret | None
    timeout_s: float = 30.0

    def __repr__(self) -> str:  # the dataclass repr would be safe too (Secret hides), but be explicit
        return f"MetabaseConfig(url={self.url!r}, database_name={self.database_name!r})"


def metabase_config(settings: Settings | None = None) -> MetabaseConfig:
    settings = settings or get_settings()
    if not settings.metabase_url:
        raise MetabaseError("METABASE_URL is not set: nothing to provision")
    if not settings.metabase_url.startswith(("http://", "https://")):
        raise MetabaseConnectionError("METABASE_URL must start with http:// or https://")
    password = _env("METABASE_PASSWORD")
    override = _env("LLMCOSTS_METABASE_WAREHOUSE_URL")
    return MetabaseConfig(
        url=settings.metabase_url.rstrip("/"),
        api_key=settings.metabase_api_key,
        username=_env("METABASE_USERNAME"),
        password=Secret(password) if password else None,
        database_name=_env("LLMCOSTS_METABASE_DATABASE_NAME") or DEFAULT_DATABASE_NAME,
        warehouse_url_for_metabase=Secret(override) if override else None,
        timeout_s=float(_env("LLMCOSTS_METABASE_TIMEOUT") or 30.0),
    )


class MetabaseClient:
    """JSON over HTTP with one set of auth headers. Counts its writes, so callers can report them."""

    def __init__(self, config: MetabaseConfig, http: requests.Session | None = None):
        self.config = config
        self.base_url = config.url
        self._http = http or requests.Session()
        self._headers: dict[str, str] = {}
        self.writes: list[tuple[str, str]] = []
        self.version: str | None = None

    # -- connection and auth ---------------------------------------------------------------
    def connect(self) -> MetabaseClient:
        """Check that the URL is a Metabase, then authenticate. Raises with a clear message."""
        properties = self._raw("GET", "/api/session/properties", auth=False)
        if properties.status_code >= 400 or not _is_json(properties):
            raise MetabaseConnectionError(
                f"{self.base_url} does not look like a Metabase server: GET /api/session/properties "
                f"answered HTTP {properties.status_code}"
                + ("" if _is_json(properties) else " without JSON")
                + "; check METABASE_URL"
            )
        body = properties.json()
        if not isinstance(body, dict) or "version" not in body:
            raise MetabaseConnectionError(
                f"{self.base_url} does not look like a Metabase server (no version in "
                "/api/session/properties); check METABASE_URL"
            )
        self.version = (body.get("version") or {}).get("tag") if isinstance(body.get("version"), dict) else None
        if self.config.api_key:
            self._headers = {"x-api-key": self.config.api_key.get()}
            # An API key is only checked when used: make one cheap authenticated call now, so a bad
            # key fails here with a message about the key rather than mid-sync.
            self.get("/api/user/current")
        elif self.config.username and self.config.password:
            response = self._raw(
                "POST", "/api/session", auth=False,
                json={"username": self.config.username, "password": self.config.password.get()},
            )
            if response.status_code in (400, 401, 403):
                raise MetabaseAuthError(
                    f"Metabase rejected the login (HTTP {response.status_code}); check METABASE_USERNAME "
                    "and METABASE_PASSWORD"
                )
            token = _json_or_error(response, "POST /api/session").get("id")
            if not token:
                raise MetabaseApiError("POST /api/session returned no session id", response.status_code)
            self._headers = {"X-Metabase-Session": str(token)}
        else:
            raise MetabaseAuthError(
                "no Metabase credentials: set METABASE_API_KEY (Admin settings > Authentication > API keys), "
                "or METABASE_USERNAME and METABASE_PASSWORD"
            )
        return self

    # -- requests --------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None) -> Any:
        return self._json("GET", path, params=params)

    def post(self, path: str, payload: dict[str, Any]) -> Any:
        return self._json("POST", path, json=payload)

    def put(self, path: str, payload: dict[str, Any]) -> Any:
        return self._json("PUT", path, json=payload)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._raw(method, path, **kwargs)
        if method != "GET":
            self.writes.append((method, path))
        if response.status_code == 401:
            raise MetabaseAuthError(
                f"Metabase rejected the credentials (HTTP 401 on {method} {path}); check "
                + ("METABASE_API_KEY" if self.config.api_key else "METABASE_USERNAME and METABASE_PASSWORD")
            )
        if response.status_code == 403:
            raise MetabaseAuthError(
                f"Metabase refused {method} {path} (HTTP 403): the credentials work but lack permission; "
                "the API key's group (or the user) needs admin rights to manage databases, collections, "
                "cards and dashboards"
            )
        return _json_or_error(response, f"{method} {path}")

    def _raw(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> requests.Response:
        url = self.base_url + path
        headers = {"Accept": "application/json", **(self._headers if auth else {})}
        try:
            return self._http.request(method, url, headers=headers, timeout=self.config.timeout_s, **kwargs)
        except requests.exceptions.ConnectionError as exc:
            reason = "connection refused" if "refused" in str(exc).lower() else type(exc).__name__
            raise MetabaseConnectionError(
                f"cannot reach Metabase at {self.base_url} ({reason}); check METABASE_URL and that "
                "Metabase is running"
            ) from None
        except requests.exceptions.Timeout:
            raise MetabaseConnectionError(
                f"Metabase at {self.base_url} did not answer within {self.config.timeout_s:g}s"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise MetabaseConnectionError(
                f"request to Metabase at {self.base_url} failed: {type(exc).__name__}"
            ) from None


def _is_json(response: requests.Response) -> bool:
    if "json" not in response.headers.get("Content-Type", ""):
        return False
    try:
        response.json()
    except ValueError:
        return False
    return True


def _json_or_error(response: requests.Response, what: str) -> Any:
    if response.status_code >= 400:
        detail = ""
        if _is_json(response):
            body = response.json()
            if isinstance(body, dict):
                detail = body.get("message") or body.get("errors") or ""
        elif response.text:
            detail = response.text[:300]
        raise MetabaseApiError(f"{what} failed with HTTP {response.status_code}: {detail}".rstrip(": "),
                               response.status_code)
    if response.status_code == 204 or not response.content:
        return None
    if not _is_json(response):
        raise MetabaseConnectionError(f"{what} answered without JSON; is METABASE_URL a Metabase server?")
    return response.json()
