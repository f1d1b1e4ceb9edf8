"""Files for other systems: the throttle list as JSON (for an application or gateway), chargeback
and FOCUS tables as CSV (for finance and FinOps tools). Read from the marts.

Environment (read when called):
- `LLMCOSTS_THROTTLE_LIST_PATH`: where the throttle list JSON goes; default
  `$LLMCOSTS_HOME/throttle_list.json`.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg import sql as pgsql

from alerts.sql_files import sql
from llmcosts_core.settings import env_str, get_settings

# What may be exported as CSV: the chargeback and FOCUS marts (identifiers are never taken from
# user input unchecked).
EXPORTABLE = {"chargeback_monthly": "month_start", "focus_cost_usage": "ChargePeriodStart",
              "budget_status": "budget_name", "throttle_list": "member"}


@dataclass(frozen=True)
class ThrottleExport:
    path: str
    entries: int
    as_of: str | None


def throttle_list_path() -> Path:
    raw = (env_str("LLMCOSTS_THROTTLE_LIST_PATH") or "")
    return Path(raw).expanduser() if raw else get_settings().data_dir / "throttle_list.json"


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _atomic_write(path: Path, text: str) -> None:
    """Write then rename: a reader (a gateway polling the file) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_throttle_list(conn: psycopg.Connection, path: Path | str | None = None) -> ThrottleExport:
    """Write marts.throttle_list as JSON: {"generated_at", "as_of", "entries": [...]}, where each
    entry is {scope, member, budget_name, period_*, limit_usd, spent_usd, pct_used, exceeded_since}."""
    target = Path(path) if path is not None else throttle_list_path()
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        rows = cur.execute(sql("budget_throttle_list.sql")).fetchall()
    as_of = rows[0]["as_of"].isoformat() if rows else None
    document = {
        "generated_at": datetime.now(UTC).isoformat(),
        "as_of": as_of,
        "entries": [{k: _plain(v) for k, v in row.items() if k != "as_of"} for row in rows],
    }
    _atomic_write(target, json.dumps(document, indent=2) + "\n")
    return ThrottleExport(path=str(target), entries=len(rows), as_of=as_of)


def export_csv(conn: psycopg.Connection, mart: str, path: Path | str, month: date | None = None) -> int:
    """Write a mart (chargeback_monthly or focus_cost_usage, ...) as CSV with a header; optionally
    only one month (rows of [month, next month)). Returns the number of rows."""
    if mart not in EXPORTABLE:
        raise ValueError(f"cannot export {mart!r}; choose one of {', '.join(sorted(EXPORTABLE))}")
    query = pgsql.SQL("select * from {}").format(pgsql.Identifier("marts", mart))
    params: dict = {}
    if month is not None:
        column = {"chargeback_monthly": "month_start", "focus_cost_usage": "BillingPeriodStart"}.get(mart)
        if column is None:
            raise ValueError(f"{mart} has no month to filter on")
        start = month.replace(day=1)
        query += pgsql.SQL(" where {col} >= %(start)s and {col} < %(end)s").format(col=pgsql.Identifier(column))
        params = {"start": start, "end": date(start.year + start.month // 12, start.month % 12 + 1, 1)}
        if mart == "focus_cost_usage":
            params = {k: datetime(v.year, v.month, v.day, tzinfo=UTC) for k, v in params.items()}
    query += pgsql.SQL(" order by {}").format(pgsql.Identifier(EXPORTABLE[mart]))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with conn.cursor() as cur, target.open("w", newline="", encoding="utf-8") as handle:
        cur.execute(query, params)
        writer = csv.writer(handle)
        writer.writerow([col.name for col in cur.description])
        count = 0
        for row in cur:
            writer.writerow(["" if v is None else (json.dumps(v) if isinstance(v, dict | list) else v) for v in row])
            count += 1
    return count
