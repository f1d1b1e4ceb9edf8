"""One alert run: evaluate the rules, record what fired, deliver what is owed, once.

Order of work, and why:
1. Evaluate every enabled rule (read-only; a failing rule is reported, the others still run).
2. Record each fired row as 'pending' per channel in alerts.alert_log, and commit, before
   anything is posted: a crash after this point loses nothing.
3. Per channel, in one transaction: lock the rows it still owes (this run's and any left by an
   earlier run), post them as ONE message, mark them delivered or leave them pending with the
   error. The row lock makes a concurrent run wait, then find nothing left to send.
   A process killed between a successful post and the commit would re-send those rows once on
   the next run: delivery is exactly-once except for that millisecond window, where it prefers
   a duplicate to a loss.
4. GitHub issues (feature-share rule) go through the same ledger, one issue per row.

`run_alerts` commits its own writes as it goes (the ledger must survive a later failure), so pass
it a connection without uncommitted work of your own.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg

from alerts import alert_log, delivery
from alerts.config import AlertSettings, get_alert_settings
from alerts.engine import CONSOLIDATORS, FiredAlert, RuleContext, registered_rules, rule_order, rule_title
from alerts.payload import email_message, group_alerts, render_text, slack_payload, webhook_payload
from alerts.sql_files import sql

log = logging.getLogger(__name__)

GITHUB_CHANNEL = "github_issue"


@dataclass
class AlertRunResult:
    as_of: date
    dry_run: bool
    fired: dict[str, list[FiredAlert]] = field(default_factory=dict)
    delivered: int = 0
    pending: int = 0
    payload_text: str = ""
    channels: tuple[str, ...] = ()
    delivered_by_channel: dict[str, int] = field(default_factory=dict)
    github_issues_opened: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What was (or would be) posted to each channel; for dry runs the Slack payload.
    payloads: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def fired_count(self) -> int:
        """Every fired row, the ones a summary line covers included (each is in the alert log)."""
        return sum(len(rows) for rows in self.fired.values())

    def metadata(self) -> dict[str, Any]:
        """A summary safe for logs and asset metadata: names and counts, never a URL or token."""
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "fired": {rule: [a.subject for a in rows] for rule, rows in self.fired.items()},
            "fired_count": self.fired_count,
            "delivered": self.delivered,
            "delivered_by_channel": dict(self.delivered_by_channel),
            "pending": self.pending,
            "channels": list(self.channels),
            "github_issues_opened": self.github_issues_opened,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }


def _commit(conn: psycopg.Connection) -> None:
    if not conn.autocommit:
        conn.commit()


def evaluate_rules(conn: psycopg.Connection, as_of: date, settings: AlertSettings) -> tuple[dict, list[str]]:
    ctx = RuleContext(conn=conn, as_of=as_of, settings=settings)
    fired: dict[str, list[FiredAlert]] = {}
    errors: list[str] = []
    for rule in registered_rules():
        if rule.name in settings.disabled_rules or not rule.enabled(settings):
            continue
        try:
            # A savepoint (or a transaction, in autocommit): one failing query must not abort the rest.
            with conn.transaction():
                rows = rule.evaluate(ctx)
        except psycopg.Error as exc:
            # The message of a database error names tables and columns, never a credential.
            first_line = (str(exc).splitlines() or [""])[0]
            errors.append(f"rule {rule.name}: {type(exc).__name__}: {first_line}")
            log.error("alert rule %s failed: %s", rule.name, first_line)
            continue
        if rows:
            fired[rule.name] = rows
    for consolidate in CONSOLIDATORS:
        try:
            with conn.transaction():
                fired = consolidate(fired, ctx)
        except psycopg.Error as exc:
            first_line = (str(exc).splitlines() or [""])[0]
            errors.append(f"consolidating {consolidate.__name__}: {type(exc).__name__}: {first_line}")
            log.error("alert consolidation %s failed: %s", consolidate.__name__, first_line)
    return fired, errors


def _as_of_warnings(conn: psycopg.Connection, as_of: date) -> list[str]:
    try:
        with conn.transaction():
            built = [row[0] for row in conn.execute(sql("marts_as_of_check.sql")).fetchall()]
    except psycopg.Error:
        return []  # the rule errors already say the mart is missing
    if built and as_of not in built:
        return [
            f"marts.feature_wow has no rows for as_of {as_of.isoformat()} "
            f"(built for {', '.join(d.isoformat() for d in built)}); week-over-week rules cannot fire"
        ]
    return []


def _all_fired(fired: dict[str, list[FiredAlert]]) -> list[FiredAlert]:
    return [alert for name in rule_order(fired) for alert in fired[name]]


def _send(channel: str, as_of: date, alerts: list[FiredAlert], settings: AlertSettings):
    groups = group_alerts(alerts, settings.max_rows_per_rule)
    if channel == "slack":
        payload = slack_payload(as_of, groups)
        return payload, delivery.post_json(settings.slack_webhook_url, payload, settings)
    if channel == "webhook":
        payload = webhook_payload(as_of, groups)
        return payload, delivery.post_json(settings.generic_webhook_url, payload, settings)
    if channel == "email":
        message = email_message(as_of, groups, settings.smtp.sender, settings.smtp.recipients)
        return {"subject": message["Subject"], "text": message.get_content()}, delivery.send_email(
            message, settings.smtp, settings
        )
    raise ValueError(f"unknown alert channel {channel!r}")


def _deliver_channel(conn: psycopg.Connection, channel: str, as_of: date, settings: AlertSettings,
                     result: AlertRunResult) -> None:
    with conn.transaction():
        owed = alert_log.unsent(conn, channel)
        if not owed:
            return
        payload, outcome = _send(channel, as_of, owed, settings)
        result.payloads[channel] = payload
        if outcome.ok:
            alert_log.mark(conn, owed, channel, status="delivered", attempts=outcome.attempts, error=None)
            result.delivered_by_channel[channel] = len(owed)
            result.delivered += len(owed)
            log.info("delivered %d alert(s) to %s", len(owed), channel)
        else:
            status = "failed" if outcome.rejected else "pending"
            alert_log.mark(conn, owed, channel, status=status, attempts=outcome.attempts, error=outcome.error)
            result.errors.append(f"{channel}: delivery failed after {outcome.attempts} attempt(s): {outcome.error}")
            log.warning("could not deliver %d alert(s) to %s: %s", len(owed), channel, outcome.error)


def _issue_text(alert: FiredAlert) -> tuple[str, str]:
    title = f"LLM costs: review the prompt and model of feature '{alert.subject}'"
    body = "\n".join(
        [
            f"Raised by the llmcosts `{alert.rule}` alert for {alert.as_of.isoformat()}.",
            "",
            alert.message,
            *[f"- {line}" for line in alert.details],
            "",
            "A single feature now takes a large share of all LLM spend. Please check whether its prompt "
            "can be shortened or cached, and whether a cheaper model would do.",
        ]
    )
    return title, body


def _open_github_issues(conn: psycopg.Connection, settings: AlertSettings, result: AlertRunResult) -> None:
    with conn.transaction():
        for alert in alert_log.unsent(conn, GITHUB_CHANNEL):
            title, body = _issue_text(alert)
            outcome = delivery.open_github_issue(settings.github, title, body, settings)
            if outcome.ok:
                alert_log.mark(conn, [alert], GITHUB_CHANNEL, status="delivered", attempts=outcome.attempts, error=None)
                result.github_issues_opened += 1
            else:
                status = "failed" if outcome.rejected else "pending"
                alert_log.mark(conn, [alert], GITHUB_CHANNEL, status=status, attempts=outcome.attempts,
                               error=outcome.error)
                result.errors.append(f"github: could not open an issue for {alert.subject}: {outcome.error}")


def run_alerts(
    conn: psycopg.Connection,
    as_of: date,
    dry_run: bool = False,
    settings: AlertSettings | None = None,
) -> AlertRunResult:
    """Evaluate every registered rule for `as_of` and deliver what fired, once.

    With `dry_run=True`, or when no channel is configured, the post is printed to stdout and
    returned, and nothing is written to the ledger."""
    settings = settings or get_alert_settings()
    channels = settings.channels
    preview = dry_run or not channels
    result = AlertRunResult(as_of=as_of, dry_run=preview, channels=() if preview else channels)

    result.fired, result.errors = evaluate_rules(conn, as_of, settings)
    result.warnings.extend(_as_of_warnings(conn, as_of))
    _commit(conn)
    fired = _all_fired(result.fired)

    if preview:
        if not dry_run:
            result.warnings.append(
                "no delivery channel configured (SLACK_WEBHOOK_URL, LLMCOSTS_ALERT_WEBHOOK_URL or "
                "LLMCOSTS_SMTP_HOST): dry run"
            )
        groups = group_alerts(fired, settings.max_rows_per_rule)
        result.payload_text = render_text(as_of, groups) if fired else ""
        result.payloads["slack"] = slack_payload(as_of, groups) if fired else None
        print(result.payload_text or f"No alerts for {as_of.isoformat()}.", file=sys.stdout)
        return result

    alert_log.ensure_schema(conn)
    with conn.transaction():
        for channel in channels:
            alert_log.record(conn, fired, channel)
        if settings.github is not None:
            alert_log.record(
                conn, [a for a in fired if _opens_issue(a.rule)], GITHUB_CHANNEL
            )
    _commit(conn)

    for channel in channels:
        _deliver_channel(conn, channel, as_of, settings, result)
        _commit(conn)
    if settings.github is not None:
        _open_github_issues(conn, settings, result)
        _commit(conn)

    owed_channels = list(channels) + ([GITHUB_CHANNEL] if settings.github is not None else [])
    result.pending = alert_log.count_unsent(conn, owed_channels)
    _commit(conn)
    first = next((c for c in channels if c in result.payloads), None)
    if first is not None:
        payload = result.payloads[first]
        result.payload_text = payload.get("text", "") if isinstance(payload, dict) else ""
    return result


def _opens_issue(rule_name: str) -> bool:
    return any(rule.name == rule_name and rule.opens_github_issue for rule in registered_rules())


__all__ = ["AlertRunResult", "run_alerts", "evaluate_rules", "rule_title"]
