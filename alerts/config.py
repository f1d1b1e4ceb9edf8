"""Alert thresholds and delivery channels, read from the environment in this one place.

`get_alert_settings()` reads the environment when called (never at import), so a test or the CLI
can change a threshold between runs. Webhook URLs, the SMTP password and the GitHub token are
`Secret`s: they print as `Secret('***')`, so a stray repr in a log or an asset's metadata cannot leak
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from llmcosts_core.settings import (
    ConfigError,
    Secret,
    env_bool,
    env_decimal,
    env_float,
    env_int,
    env_str,
    get_settings,
)

DIGEST_MODES = ("off", "daily", "weekly")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: Secret | None = None
    # STARTTLS whenever credentials are sent, unless the operator says otherwise: a password must
    # not cross the network in clear text by default.
    starttls: bool = False
    use_ssl: bool = False


@dataclass(frozen=True)
class GithubSettings:
    repo: str  # "owner/name"
    token: Secret
    api_url: str = "https://api.github.com"


@dataclass(frozen=True)
class AlertSettings:
    # rule thresholds
    floor_usd: Decimal = Decimal("5")
    wow_growth_pct: Decimal = Decimal("30")
    overnight_factor: Decimal = Decimal("2")
    share_pct: Decimal = Decimal("20")
    expensive_call_usd: Decimal = Decimal("0.50")
    digest: str = "off"
    # budget forecasts are posted only where they have earned it: this many days of the period
    # observed, and a median backtested error for the budget at most this many percent
    forecast_min_days: int = 7
    forecast_max_error_pct: Decimal = Decimal("25")
    disabled_rules: frozenset[str] = frozenset()
    # presentation
    max_rows_per_rule: int = 10
    metabase_url: str | None = None
    dashboard_path: str = ""
    # channels (None = not configured)
    slack_webhook_url: Secret | None = None
    generic_webhook_url: Secret | None = None
    smtp: SmtpSettings | None = None
    github: GithubSettings | None = None
    # delivery behaviour
    http_timeout_s: float = 10.0
    max_attempts: int = 3
    backoff_s: float = 1.0
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 60.0

    @property
    def channels(self) -> tuple[str, ...]:
        """Configured delivery channels, in posting order. Names only: safe to log."""
        names = []
        if self.slack_webhook_url:
            names.append("slack")
        if self.generic_webhook_url:
            names.append("webhook")
        if self.smtp is not None:
            names.append("email")
        return tuple(names)

    def dashboard_url(self, feature: str | None = None) -> str | None:
        if not self.metabase_url:
            return None
        from urllib.parse import urlencode

        url = self.metabase_url.rstrip("/") + self.dashboard_path
        return f"{url}?{urlencode({'feature': feature})}" if feature else url


# One set of readers for every domain (llmcosts_core.settings): they load `.env` and fail alike.
_get = env_str
_float = env_float
_int = env_int
_bool = env_bool


def _decimal(name: str, default: str) -> Decimal:
    return env_decimal(name, default)


def _webhook(name: str) -> Secret | None:
    raw = _get(name)
    if raw is None:
        return None
    if not raw.startswith(("http://", "https://")):
        # Do not echo the value: it is a secret even when it is malformed.
        raise ConfigError(f"{name} must be an http(s) URL")
    return Secret(raw)


def _smtp() -> SmtpSettings | None:
    host = _get("LLMCOSTS_SMTP_HOST")
    if host is None:
        return None
    sender = _get("LLMCOSTS_SMTP_FROM")
    recipients = tuple(r.strip() for r in (_get("LLMCOSTS_SMTP_TO") or "").split(",") if r.strip())
    if not sender or not recipients:
        raise ConfigError("LLMCOSTS_SMTP_HOST is set: LLMCOSTS_SMTP_FROM and LLMCOSTS_SMTP_TO are required")
    use_ssl = _bool("LLMCOSTS_SMTP_SSL", False)
    port = _int("LLMCOSTS_SMTP_PORT", 465 if use_ssl else 587, minimum=1)
    user = _get("LLMCOSTS_SMTP_USER")
    password = _get("LLMCOSTS_SMTP_PASSWORD")
    return SmtpSettings(
        host=host,
        port=port,
        sender=sender,
        recipients=recipients,
        user=user,
        password=Secret(password) if password else None,
        starttls=_bool("LLMCOSTS_SMTP_STARTTLS", bool(user) and not use_ssl),
        use_ssl=use_ssl,
    )


def _github() -> GithubSettings | None:
    repo = _get("LLMCOSTS_GITHUB_REPO")
    token = _get("LLMCOSTS_GITHUB_TOKEN")
    if not repo or not token:
        return None
    if repo.count("/") != 1 or not all(repo.split("/")):
        raise ConfigError(f"LLMCOSTS_GITHUB_REPO must look like owner/name, got {repo!r}")
    api_url = (_get("LLMCOSTS_GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    return GithubSettings(repo=repo, token=Secret(token), api_url=api_url)


def get_alert_settings() -> AlertSettings:
    core = get_settings()
    digest = (_get("LLMCOSTS_ALERT_DIGEST") or "off").lower()
    if digest not in DIGEST_MODES:
        raise ConfigError(f"LLMCOSTS_ALERT_DIGEST must be one of {', '.join(DIGEST_MODES)}, got {digest!r}")
    dashboard_path = _get("LLMCOSTS_ALERT_DASHBOARD_PATH") or ""
    if dashboard_path and not dashboard_path.startswith("/"):
        dashboard_path = "/" + dashboard_path
    return AlertSettings(
        floor_usd=_decimal("LLMCOSTS_ALERT_FLOOR_USD", "5"),
        wow_growth_pct=_decimal("LLMCOSTS_ALERT_WOW_GROWTH_PCT", "30"),
        overnight_factor=_decimal("LLMCOSTS_ALERT_OVERNIGHT_FACTOR", "2"),
        share_pct=_decimal("LLMCOSTS_ALERT_SHARE_PCT", "20"),
        expensive_call_usd=_decimal("LLMCOSTS_ALERT_EXPENSIVE_CALL_USD", "0.50"),
        digest=digest,
        forecast_min_days=_int("LLMCOSTS_ALERT_FORECAST_MIN_DAYS", 7, minimum=1),
        forecast_max_error_pct=_decimal("LLMCOSTS_ALERT_FORECAST_MAX_ERROR_PCT", "25"),
        disabled_rules=frozenset(
            r.strip() for r in (_get("LLMCOSTS_ALERT_DISABLED_RULES") or "").split(",") if r.strip()
        ),
        max_rows_per_rule=_int("LLMCOSTS_ALERT_MAX_ROWS_PER_RULE", 10, minimum=1),
        metabase_url=core.metabase_url,
        dashboard_path=dashboard_path,
        slack_webhook_url=core.slack_webhook_url,
        generic_webhook_url=_webhook("LLMCOSTS_ALERT_WEBHOOK_URL"),
        smtp=_smtp(),
        github=_github(),
        http_timeout_s=_float("LLMCOSTS_ALERT_HTTP_TIMEOUT", 10.0),
        max_attempts=_int("LLMCOSTS_ALERT_MAX_ATTEMPTS", 3, minimum=1),
        backoff_s=_float("LLMCOSTS_ALERT_BACKOFF_S", 1.0),
        backoff_max_s=_float("LLMCOSTS_ALERT_BACKOFF_MAX_S", 30.0),
        retry_after_max_s=_float("LLMCOSTS_ALERT_RETRY_AFTER_MAX_S", 60.0),
    )
