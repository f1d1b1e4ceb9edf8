"""Sending a post: Slack / generic JSON webhooks over HTTP, email over SMTP, GitHub issues.

Every sender retries transient failures (5xx, timeouts, connection errors, 4xx SMTP replies) with
bounded exponential backoff, honours a 429's Retry-After, and reports an outcome whose `error`
text never contains the URL, a token or a response body that could echo them: webhook URLs are
credentials.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import requests

from alerts.config import AlertSettings, GithubSettings, SmtpSettings
from llmcosts_core.retry import backoff_seconds, retry_after_seconds
from llmcosts_core.settings import Secret

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class DeliveryOutcome:
    ok: bool
    attempts: int
    error: str | None = None
    # The channel refused the post (a 4xx other than 429): retrying now will not help.
    rejected: bool = False
    response: Any = None


class _Retry(Exception):
    def __init__(self, error: str, wait: float | None = None):
        super().__init__(error)
        self.error = error
        self.wait = wait


class _Reject(Exception):
    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


def _backoff(settings: AlertSettings, attempt: int) -> float:
    # No jitter: one run posts to one channel at a time, nothing to de-synchronise.
    return backoff_seconds(attempt, settings.backoff_s, settings.backoff_max_s, jitter=False)


def _with_retries(settings: AlertSettings, send: Callable[[], Any], sleep: Sleep) -> DeliveryOutcome:
    last_error = None
    for attempt in range(1, settings.max_attempts + 1):
        try:
            return DeliveryOutcome(ok=True, attempts=attempt, response=send())
        except _Reject as exc:
            return DeliveryOutcome(ok=False, attempts=attempt, error=exc.error, rejected=True)
        except _Retry as exc:
            last_error = exc.error
            if attempt == settings.max_attempts:
                break
            wait = exc.wait if exc.wait is not None else _backoff(settings, attempt)
            if wait > settings.retry_after_max_s:
                # Too long to hold the run: leave it pending for the next run.
                last_error = f"{exc.error}; asked to wait {wait:.0f}s, more than LLMCOSTS_ALERT_RETRY_AFTER_MAX_S"
                break
            log.info("alert delivery failed (%s), retrying in %.1fs", exc.error, wait)
            sleep(wait)
    return DeliveryOutcome(ok=False, attempts=attempt, error=last_error)


# Slack-style error bodies ("invalid_payload", "no_service") are short codes and safe to keep;
# anything else might echo the request, so it is dropped.
_SAFE_BODY = re.compile(r"^[a-z0-9_]{1,64}$")


def _http_error(response: requests.Response) -> str:
    body = (response.text or "").strip()
    return f"HTTP {response.status_code}" + (f" {body}" if _SAFE_BODY.match(body) else "")


class _HideRequestLines(logging.Filter):
    """urllib3 logs the request path at DEBUG, and a Slack webhook's path is its secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextlib.contextmanager
def _quiet_urllib3() -> Iterator[None]:
    logger = logging.getLogger("urllib3.connectionpool")
    hide = _HideRequestLines()
    logger.addFilter(hide)
    try:
        yield
    finally:
        logger.removeFilter(hide)


def post_json(
    url: Secret,
    payload: dict[str, Any],
    settings: AlertSettings,
    *,
    headers: dict[str, str] | None = None,
    sleep: Sleep = time.sleep,
) -> DeliveryOutcome:
    def send() -> requests.Response:
        try:
            response = requests.post(url.get(), json=payload, headers=headers, timeout=settings.http_timeout_s)
        except requests.Timeout:
            raise _Retry("timeout") from None
        except requests.ConnectionError:
            raise _Retry("connection error") from None
        except requests.RequestException as exc:
            # The exception's text contains the URL: keep only its type.
            raise _Retry(type(exc).__name__) from None
        if 200 <= response.status_code < 300:
            return response
        if response.status_code == 429:
            raise _Retry(_http_error(response), wait=retry_after_seconds(response.headers.get("Retry-After")))
        if response.status_code >= 500 or response.status_code == 408:
            raise _Retry(_http_error(response))
        raise _Reject(_http_error(response))

    with _quiet_urllib3():
        return _with_retries(settings, send, sleep)


def send_email(message: EmailMessage, smtp: SmtpSettings, settings: AlertSettings, *, sleep: Sleep = time.sleep):
    def send() -> None:
        try:
            if smtp.use_ssl:
                client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=settings.http_timeout_s,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(smtp.host, smtp.port, timeout=settings.http_timeout_s)
            with client:
                if smtp.starttls:
                    client.starttls(context=ssl.create_default_context())
                if smtp.user:
                    client.login(smtp.user, smtp.password.get() if smtp.password else "")
                client.send_message(message, from_addr=smtp.sender, to_addrs=list(smtp.recipients))
        except smtplib.SMTPAuthenticationError as exc:
            raise _Reject(f"SMTP authentication failed ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            # 4xx replies are the server's "try again later"; 5xx are final.
            if 400 <= exc.smtp_code < 500:
                raise _Retry(f"SMTP {exc.smtp_code}") from None
            raise _Reject(f"SMTP {exc.smtp_code}") from None
        except smtplib.SMTPRecipientsRefused:
            raise _Reject("SMTP recipients refused") from None
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts and refused connections
            raise _Retry(f"SMTP {type(exc).__name__}") from None

    return _with_retries(settings, send, sleep)


def open_github_issue(
    github: GithubSettings, title: str, body: str, settings: AlertSettings, *, sleep: Sleep = time.sleep
) -> DeliveryOutcome:
    url = Secret(f"{github.api_url}/repos/{github.repo}/issues")
    headers = {
        "Authorization": f"Bearer {github.token.get()}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    return post_json(url, {"title": title, "body": body, "labels": ["llm-costs"]}, settings,
                     headers=headers, sleep=sleep)
