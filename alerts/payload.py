"""Turning fired alerts into one post per run: Slack Block Kit with a plain-text fallback, a generic
JSON body, an email. Rows are grouped by rule in registry order; each rule shows at most
`max_rows_per_rule` rows in full, then "and N more"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from typing import Any

from alerts.engine import FiredAlert, rule_order, rule_title

# Slack's documented limits: 3000 characters per section text, 50 blocks per message.
SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
DETAIL_INDENT = "    "


@dataclass(frozen=True)
class RuleGroup:
    rule: str
    title: str
    shown: tuple[FiredAlert, ...]
    hidden: int
    # rows a summary line of the post tells about (budget members): delivered, not rendered
    covered: tuple[FiredAlert, ...] = ()


def group_alerts(alerts: list[FiredAlert], max_rows_per_rule: int) -> list[RuleGroup]:
    by_rule: dict[str, list[FiredAlert]] = {}
    for alert in alerts:
        by_rule.setdefault(alert.rule, []).append(alert)
    groups = []
    for name in rule_order(by_rule):
        ordered = sorted(by_rule[name], key=lambda a: (a.as_of, a.position, a.subject))
        rows = [a for a in ordered if a.covered_by is None]
        if not rows:
            continue  # covered by another rule's summary: nothing of its own to say
        groups.append(
            RuleGroup(
                rule=name,
                title=rule_title(name),
                shown=tuple(rows[:max_rows_per_rule]),
                hidden=max(0, len(rows) - max_rows_per_rule),
                covered=tuple(a for a in ordered if a.covered_by is not None),
            )
        )
    return groups


def headline(as_of: date) -> str:
    return f"LLM cost alerts for {as_of.isoformat()}"


def _alert_lines(alert: FiredAlert, as_of: date) -> list[str]:
    # A row left pending by an earlier run says which day it is about.
    suffix = f" _(as of {alert.as_of.isoformat()})_" if alert.as_of != as_of else ""
    return [alert.message + suffix] + [DETAIL_INDENT + line for line in alert.details]


def _group_lines(group: RuleGroup, as_of: date) -> list[str]:
    lines = []
    for alert in group.shown:
        lines.extend(_alert_lines(alert, as_of))
    return lines


def _more(group: RuleGroup) -> str:
    return f"and {group.hidden} more"


def render_text(as_of: date, groups: list[RuleGroup]) -> str:
    """The plain-text (Slack mrkdwn) rendering: the Slack `text` fallback, the email body, the
    dry-run preview."""
    out = [headline(as_of)]
    for group in groups:
        out.append("")
        out.append(f"*{group.title}* ({len(group.shown) + group.hidden})")
        out.extend(_group_lines(group, as_of))
        if group.hidden:
            out.append(_more(group))
    return "\n".join(out)


def _sections(text_lines: list[str]) -> list[dict[str, Any]]:
    """Pack lines into as few mrkdwn sections as Slack's per-section limit allows."""
    sections, current = [], ""
    for line in text_lines:
        line = line if len(line) <= SECTION_LIMIT else line[: SECTION_LIMIT - 1] + "…"
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_LIMIT:
            sections.append(current)
            candidate = line
        current = candidate
    if current:
        sections.append(current)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections]


def slack_payload(as_of: date, groups: list[RuleGroup]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": headline(as_of)}}]
    for group in groups:
        blocks.append({"type": "divider"})
        title = f"*{group.title}* ({len(group.shown) + group.hidden})"
        blocks.extend(_sections([title, *_group_lines(group, as_of)]))
        if group.hidden:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _more(group)}]})
    if len(blocks) > BLOCK_LIMIT:
        # Everything is still in `text`; say so rather than have Slack reject the post.
        blocks = blocks[: BLOCK_LIMIT - 1] + [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "message truncated; full text attached"}]}
        ]
    return {"text": render_text(as_of, groups), "blocks": blocks}


def webhook_payload(as_of: date, groups: list[RuleGroup]) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(),
        "text": render_text(as_of, groups),
        "alerts": [
            {
                "rule": group.rule,
                "title": group.title,
                "total": len(group.shown) + group.hidden,
                "rows": [
                    {
                        "subject": a.subject,
                        "as_of": a.as_of.isoformat(),
                        "message": a.message,
                        "details": list(a.details),
                        # machines get every member a summary line stands for
                        "covered_by": a.covered_by,
                    }
                    for a in (*group.shown, *group.covered)
                ],
            }
            for group in groups
        ],
    }


def email_message(as_of: date, groups: list[RuleGroup], sender: str, recipients: tuple[str, ...]) -> EmailMessage:
    total = sum(len(g.shown) + g.hidden for g in groups)
    message = EmailMessage()
    message["Subject"] = f"{headline(as_of)}: {total} alert{'s' if total != 1 else ''}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(render_text(as_of, groups))
    return message
