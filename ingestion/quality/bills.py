"""Provider bills: load the usage and cost exports dropped into LLMCOSTS_BILLS_DIR.

Three formats, recognised by content (not by file name):
- `openai_costs`: the JSON of OpenAI's Costs API, `GET /v1/organization/costs` (one page, or a
  list of pages): `data[]` daily buckets (`start_time`/`end_time`, Unix seconds) with `results[]`
  of `amount.value` (USD), `amount.currency`, `line_item` (e.g. "gpt-4o-2024-08-06, input" with
  `group_by=line_item`; the model is the part before the comma) and `project_id`.
- `anthropic_cost_report`: the JSON of Anthropic's Admin API cost report,
  `GET /v1/organizations/cost_report`: `data[]` daily buckets (`starting_at`/`ending_at`, RFC
  3339) with `results[]` of `amount` (a decimal string in the currency's LOWEST units, cents for
  USD: "123.45" is $1.2345), `currency`, `model`, `cost_type`, `token_type`, `workspace_id`.
- `generic_csv`: a CSV with the header `date, provider, model, cost_usd[, input_tokens,
  output_tokens]` (any order, extra columns ignored), for any other provider or a hand-made bill.

A file is loaded once, by the sha256 of its content (`raw.provider_bill_files`); every line of it
either lands in `raw.provider_bills` or, with the reason, in `raw.provider_bill_rejects`. A file
that cannot be read at all is one reject holding the whole text. Nothing is lost.

Environment: `LLMCOSTS_BILLS_DIR` (default `LLMCOSTS_HOME/bills`), see ingestion/quality/config.py.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import psycopg

from ingestion.sql_files import sql

log = logging.getLogger(__name__)

BILL_SUFFIXES = (".json", ".csv")
GENERIC_REQUIRED = ("date", "provider", "model", "cost_usd")
# Anthropic reports amounts in the currency's lowest units (cents for USD).
ANTHROPIC_MINOR_UNITS = Decimal(100)


@dataclass
class BillLine:
    line_number: int
    day: date
    provider: str
    cost_usd: Decimal
    model: str | None = None
    line_item: str | None = None
    cost_type: str | None = None
    project_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    currency: str = "USD"


@dataclass
class BillReject:
    line_number: int
    reason: str
    raw: str


@dataclass
class ParsedBill:
    format: str
    lines: list[BillLine] = field(default_factory=list)
    rejects: list[BillReject] = field(default_factory=list)


@dataclass
class FileResult:
    file_name: str
    content_sha256: str
    format: str | None
    status: str  # 'loaded' or 'already_loaded'
    lines_loaded: int = 0
    lines_rejected: int = 0


@dataclass
class BillsLoadResult:
    bills_dir: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def files_loaded(self) -> int:
        return sum(1 for f in self.files if f.status == "loaded")

    @property
    def files_already_loaded(self) -> int:
        return sum(1 for f in self.files if f.status == "already_loaded")

    @property
    def lines_loaded(self) -> int:
        return sum(f.lines_loaded for f in self.files)

    @property
    def lines_rejected(self) -> int:
        return sum(f.lines_rejected for f in self.files)


class BillLineError(ValueError):
    """One line of a bill cannot be read; the message is the reject reason."""


# -- parsing -----------------------------------------------------------------------------------


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _money(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise BillLineError(f"{what} is missing or not a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise BillLineError(f"{what} is not a number: {str(value)[:40]!r}") from None
    if not amount.is_finite():
        raise BillLineError(f"{what} is not a finite number")
    return amount


def _tokens(value: Any, what: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        tokens = int(str(value).strip())
    except ValueError:
        raise BillLineError(f"{what} is not an integer: {str(value)[:40]!r}") from None
    if tokens < 0:
        raise BillLineError(f"{what} is negative")
    return tokens


def _currency(value: Any) -> str:
    currency = str(value or "USD").strip().upper()
    if currency != "USD":
        raise BillLineError(f"currency {currency} is not USD")
    return currency


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _day_from_unix(value: Any) -> date:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BillLineError("bucket start_time is missing or not a Unix timestamp")
    return datetime.fromtimestamp(value, UTC).date()


def _day_from_iso(value: Any, what: str) -> date:
    if not isinstance(value, str) or not value.strip():
        raise BillLineError(f"{what} is missing")
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BillLineError(f"{what} is not an ISO date: {text[:40]!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.date()


def _openai_model(line_item: str | None) -> tuple[str | None, str | None]:
    """'gpt-4o-2024-08-06, input' -> ('gpt-4o-2024-08-06', 'input')."""
    if not line_item:
        return None, None
    model, _, kind = line_item.partition(",")
    return model.strip() or None, kind.strip() or None


def _pages(document: Any) -> list[Any]:
    return document if isinstance(document, list) else [document]


def _buckets(document: Any) -> Iterator[tuple[Any, Any]]:
    """(bucket, result) pairs of every page; a bucket without results yields (bucket, None)."""
    for page in _pages(document):
        for bucket in (page.get("data") or []) if isinstance(page, dict) else []:
            results = bucket.get("results") if isinstance(bucket, dict) else None
            if not isinstance(results, list):
                yield bucket, None
                continue
            for result in results:
                yield bucket, result


def detect_json_format(document: Any) -> str | None:
    for page in _pages(document):
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            return None
        for bucket in page["data"]:
            if isinstance(bucket, dict):
                if "start_time" in bucket:
                    return "openai_costs"
                if "starting_at" in bucket:
                    return "anthropic_cost_report"
    return None


def _openai_line(number: int, bucket: Any, result: Any) -> BillLine:
    if not isinstance(bucket, dict) or not isinstance(result, dict):
        raise BillLineError("bucket or result is not an object")
    amount = result.get("amount")
    if not isinstance(amount, dict):
        raise BillLineError("amount is missing")
    line_item = _text(result.get("line_item"))
    model, kind = _openai_model(line_item)
    return BillLine(
        line_number=number, day=_day_from_unix(bucket.get("start_time")), provider="openai",
        cost_usd=_money(amount.get("value"), "amount.value"), currency=_currency(amount.get("currency")),
        model=model, line_item=line_item, cost_type=kind, project_id=_text(result.get("project_id")),
    )


def _anthropic_line(number: int, bucket: Any, result: Any) -> BillLine:
    if not isinstance(bucket, dict) or not isinstance(result, dict):
        raise BillLineError("bucket or result is not an object")
    cents = _money(result.get("amount"), "amount")
    token_type = _text(result.get("token_type"))
    return BillLine(
        line_number=number, day=_day_from_iso(bucket.get("starting_at"), "bucket starting_at"),
        provider="anthropic", cost_usd=cents / ANTHROPIC_MINOR_UNITS, currency=_currency(result.get("currency")),
        model=_text(result.get("model")), line_item=_text(result.get("description")) or token_type,
        cost_type=_text(result.get("cost_type")), project_id=_text(result.get("workspace_id")),
    )


def parse_json_bill(text: str) -> ParsedBill:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParsedBill("unreadable", rejects=[BillReject(0, f"not valid JSON: {exc.msg} at line {exc.lineno}", text)])
    fmt = detect_json_format(document)
    if fmt is None:
        return ParsedBill("unreadable", rejects=[BillReject(
            0, "unknown JSON bill: expected OpenAI /v1/organization/costs or Anthropic cost_report pages", text)])
    parse_line = _openai_line if fmt == "openai_costs" else _anthropic_line
    parsed = ParsedBill(fmt)
    for number, (bucket, result) in enumerate(_buckets(document), start=1):
        raw = _dump({"bucket": {k: v for k, v in bucket.items() if k != "results"}, "result": result}
                    if isinstance(bucket, dict) else {"bucket": bucket})
        try:
            if result is None:
                raise BillLineError("bucket has no results list")
            parsed.lines.append(parse_line(number, bucket, result))
        except BillLineError as exc:
            parsed.rejects.append(BillReject(number, str(exc), raw))
    return parsed


def parse_csv_bill(text: str) -> ParsedBill:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return ParsedBill("unreadable", rejects=[BillReject(0, "empty CSV file", text)])
    missing = [c for c in GENERIC_REQUIRED if c not in header]
    if missing:
        return ParsedBill("unreadable", rejects=[BillReject(
            0, f"CSV header lacks {', '.join(missing)} (expected date, provider, model, cost_usd"
            "[, input_tokens, output_tokens])", text)])
    parsed = ParsedBill("generic_csv")
    for number, values in enumerate(reader, start=2):  # line 1 is the header
        if not any(v.strip() for v in values):
            continue
        raw = ",".join(values)
        try:
            if len(values) != len(header):
                raise BillLineError(f"{len(values)} fields, the header has {len(header)}")
            row = dict(zip(header, values, strict=True))
            provider = _text(row["provider"])
            if provider is None:
                raise BillLineError("provider is missing")
            parsed.lines.append(BillLine(
                line_number=number, day=_day_from_iso(row["date"], "date"), provider=provider.lower(),
                model=_text(row["model"]), cost_usd=_money(row["cost_usd"], "cost_usd"),
                input_tokens=_tokens(row.get("input_tokens"), "input_tokens"),
                output_tokens=_tokens(row.get("output_tokens"), "output_tokens"),
            ))
        except BillLineError as exc:
            parsed.rejects.append(BillReject(number, str(exc), raw))
    return parsed


def parse_bill(name: str, content: bytes) -> ParsedBill:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ParsedBill("unreadable", rejects=[BillReject(0, "not UTF-8 text", content.decode("latin-1"))])
    if name.lower().endswith(".json"):
        return parse_json_bill(text)
    return parse_csv_bill(text)


# -- loading -----------------------------------------------------------------------------------


def bill_files(bills_dir: Path) -> list[Path]:
    if not bills_dir.is_dir():
        return []
    return sorted(p for p in bills_dir.iterdir() if p.is_file() and p.suffix.lower() in BILL_SUFFIXES)


def load_bill_file(conn: psycopg.Connection, path: Path) -> FileResult:
    """Load one file in one transaction; a content already loaded is skipped."""
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    parsed = parse_bill(path.name, content)
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(sql("quality/insert_bill_file.sql"), {
            "content_sha256": digest, "file_name": path.name, "format": parsed.format,
            "lines_loaded": len(parsed.lines), "lines_rejected": len(parsed.rejects),
        })
        if cur.fetchone() is None:
            return FileResult(path.name, digest, parsed.format, "already_loaded")
        if parsed.lines:
            cur.executemany(sql("quality/insert_bill_line.sql"), [
                {"content_sha256": digest, **line.__dict__} for line in parsed.lines
            ])
        if parsed.rejects:
            cur.executemany(sql("quality/insert_bill_reject.sql"), [
                {"content_sha256": digest, "file_name": path.name, "line_number": r.line_number,
                 "reason": r.reason, "raw": r.raw}
                for r in parsed.rejects
            ])
    return FileResult(path.name, digest, parsed.format, "loaded", len(parsed.lines), len(parsed.rejects))


def load_bills(conn: psycopg.Connection, bills_dir: Path) -> BillsLoadResult:
    """Load every bill file of the folder not loaded yet (by content). The caller migrates first."""
    result = BillsLoadResult(bills_dir=str(bills_dir))
    for path in bill_files(bills_dir):
        file_result = load_bill_file(conn, path)
        if file_result.lines_rejected:
            log.warning("%s: %d line(s) rejected, see raw.provider_bill_rejects", path.name,
                        file_result.lines_rejected)
        result.files.append(file_result)
    return result
