"""Build and load the dated price table, raw.model_prices, from genai-prices and local overrides.

genai-prices carries every model's match rule (equals / starts-with / regex ... clauses) and its
price history (conditional prices with a start date). Each (provider, model, price period) becomes
one row: the match rule translated to a Postgres regular expression, the period as a half-open
[valid_from, valid_to), USD per million input / output / cache-read / cache-write tokens.
Overrides (a YAML file in the repo) become rows with priority 0, so they always win where they
apply. A load that changes anything writes a whole new version; nothing is updated in place.

Not representable in a dated table, and left out (documented in the README): genai-prices'
time-of-day prices (off-peak discounts; the always-valid price is used), tiered prices above a
context threshold (the base tier is used) and request-context price variants (service tiers).

Environment: `LLMCOSTS_PRICE_OVERRIDES` (path of the overrides file), read at call time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import yaml

from ingestion.sql_files import sql
from llmcosts_core.settings import ConfigError, _get

log = logging.getLogger(__name__)

DEFAULT_OVERRIDES = Path(__file__).resolve().parent / "price_overrides.yml"
OVERRIDES_ENV = "LLMCOSTS_PRICE_OVERRIDES"

# Before the first dated price of a model: its first price applies (genai-prices' own rule).
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)

# raw.llm_calls.provider (ingestion.mapping.provider_for_model) -> genai-prices provider id.
PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "mistral": "mistral",
    "meta": "meta",
    "cohere": "cohere",
    "deepseek": "deepseek",
    "xai": "x-ai",
}

_PRICE_LOCK = 7_342_002  # advisory lock: two loads at once must not both write version N+1


@dataclass(frozen=True)
class PriceRow:
    price_key: str
    provider: str
    model_id: str
    model_pattern: str
    valid_from: datetime
    valid_to: datetime | None
    input_per_mtok: Decimal
    output_per_mtok: Decimal
    cache_read_per_mtok: Decimal | None
    cache_write_per_mtok: Decimal | None
    source: str
    priority: int
    match_rank: int
    note: str | None = None

    def canonical(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
            elif isinstance(value, Decimal):
                data[key] = format(value.normalize(), "f")
        return data


@dataclass(frozen=True)
class LoadResult:
    price_version: int
    created: bool
    row_count: int
    override_count: int


# -- match rules -> Postgres regular expressions ------------------------------------------------

def _literal(text: str) -> str:
    """A literal for an ARE (Postgres) regex; lower-cased because calls are matched on lower(model)."""
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", text.lower())


def clause_to_regex(clause: Any) -> str:
    """Translate a genai-prices match clause (applied to the lower-cased model name) to a regex."""
    from genai_prices import types as gp

    if isinstance(clause, gp.ClauseEquals):
        return f"^{_literal(clause.equals)}$"
    if isinstance(clause, gp.ClauseStartsWith):
        return f"^{_literal(clause.starts_with)}"
    if isinstance(clause, gp.ClauseEndsWith):
        return f"{_literal(clause.ends_with)}$"
    if isinstance(clause, gp.ClauseContains):
        return _literal(clause.contains)
    if isinstance(clause, gp.ClauseRegex):
        if "(?P" in clause.regex or "(?<" in clause.regex:
            raise ValueError(f"regex not portable to Postgres: {clause.regex!r}")
        return f"(?:{clause.regex})"
    if isinstance(clause, gp.ClauseOr):
        return "(?:" + "|".join(f"(?:{clause_to_regex(c)})" for c in clause.or_) + ")"
    if isinstance(clause, gp.ClauseAnd):
        # every part must match somewhere: one lookahead per part, anchored at the start
        return "^" + "".join(f"(?=.*(?:{clause_to_regex(c)}))" for c in clause.and_)
    raise ValueError(f"unknown match clause {type(clause).__name__}")


def glob_to_regex(pattern: str) -> str:
    return "^" + ".*".join(_literal(part) for part in pattern.split("*")) + "$"


# -- genai-prices ---------------------------------------------------------------------------------

def _price(value: Any) -> Decimal | None:
    from genai_prices import types as gp

    if value is None:
        return None
    if isinstance(value, gp.TieredPrices):
        return Decimal(value.base)
    return Decimal(value)


def _periods(model: Any) -> list[tuple[datetime, datetime | None, Any]]:
    """(valid_from, valid_to, ModelPrice) periods of one genai-prices model, oldest first.

    genai-prices' rule: conditional prices are tried last to first and the first active one wins;
    none active means the first one. Time-of-day conditions cannot live in a dated table: skipped."""
    from genai_prices import types as gp

    if isinstance(model.prices, gp.ModelPrice):
        return [(BEGINNING, None, model.prices)]
    dated: list[tuple[datetime, Any]] = []
    for conditional in model.prices:
        constraint = conditional.constraint
        if constraint is None:
            dated.append((BEGINNING, conditional.prices))
        elif isinstance(constraint, gp.StartDateConstraint):
            start = datetime.combine(constraint.start_date, datetime.min.time(), tzinfo=UTC)
            dated.append((max(start, BEGINNING), conditional.prices))
    if not dated:
        return []
    bounds = sorted({BEGINNING, *(start for start, _ in dated)})

    def active(at: datetime):
        for start, prices in reversed(dated):
            if start <= at:
                return prices
        return dated[0][1]

    periods: list[tuple[datetime, datetime | None, Any]] = []
    for start in bounds:
        prices = active(start)
        if periods and periods[-1][2] is prices:
            continue
        if periods:
            periods[-1] = (periods[-1][0], start, periods[-1][2])
        periods.append((start, None, prices))
    return periods


def genai_price_rows() -> list[PriceRow]:
    from genai_prices.data_snapshot import get_snapshot

    by_id = {provider.id: provider for provider in get_snapshot().providers}
    rows: list[PriceRow] = []
    for provider, genai_id in PROVIDERS.items():
        source_provider = by_id.get(genai_id)
        if source_provider is None:
            continue
        for rank, model in enumerate(source_provider.models):
            try:
                pattern = clause_to_regex(model.match)
            except ValueError as exc:
                log.warning("genai-prices %s/%s skipped: %s", genai_id, model.id, exc)
                continue
            for valid_from, valid_to, prices in _periods(model):
                input_price, output_price = _price(prices.input_mtok), _price(prices.output_mtok)
                if input_price is None or output_price is None:
                    continue  # not token-priced (images, audio seconds ...): not ours to price
                rows.append(
                    PriceRow(
                        price_key=f"genai-prices:{provider}:{model.id}:{valid_from.date().isoformat()}",
                        provider=provider,
                        model_id=model.id,
                        model_pattern=pattern,
                        valid_from=valid_from,
                        valid_to=valid_to,
                        input_per_mtok=input_price,
                        output_per_mtok=output_price,
                        cache_read_per_mtok=_price(prices.cache_read_mtok),
                        cache_write_per_mtok=_price(prices.cache_write_mtok),
                        source="genai-prices",
                        priority=1,
                        match_rank=rank,
                    )
                )
    return rows


# -- overrides -------------------------------------------------------------------------------------

def overrides_path() -> Path:
    configured = _get(OVERRIDES_ENV)
    return Path(configured) if configured else DEFAULT_OVERRIDES


def _decimal(entry: dict, key: str, where: str, required: bool) -> Decimal | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}: {key} is required")
        return None
    if isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be a number")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ConfigError(f"{where}: {key} must be a number, got {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ConfigError(f"{where}: {key} must be a non-negative number")
    return number


def _day(value: Any, where: str, key: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"{where}: {key} must be a date YYYY-MM-DD, got {value!r}") from None
    if not isinstance(value, date):
        raise ConfigError(f"{where}: {key} must be a date YYYY-MM-DD")
    return datetime.combine(value, datetime.min.time(), tzinfo=UTC)


def override_rows(path: Path | None = None) -> list[PriceRow]:
    """Rows of the overrides file. Successive overrides of one provider and model close each
    other: each is valid until the next one's effective date (or its own effective_to)."""
    path = path or overrides_path()
    if not path.is_file():
        raise ConfigError(f"price overrides file not found: {path} (set {OVERRIDES_ENV})")
    document = yaml.safe_load(path.read_text()) or {}
    entries = document.get("overrides") or [] if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{path.name}: expected a mapping with a list under `overrides`")
    parsed = []
    for index, entry in enumerate(entries):
        where = f"{path.name} override #{index + 1}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping")
        provider = str(entry.get("provider") or "").strip().lower()
        if provider not in PROVIDERS:
            raise ConfigError(f"{where}: provider must be one of {sorted(PROVIDERS)}, got {provider!r}")
        if bool(entry.get("model")) == bool(entry.get("model_regex")):
            raise ConfigError(f"{where}: give exactly one of model, model_regex")
        model_name = str(entry.get("model") or entry.get("model_regex"))
        pattern = glob_to_regex(model_name) if entry.get("model") else str(entry["model_regex"])
        valid_from = _day(entry.get("effective_from"), where, "effective_from")
        if valid_from is None:
            raise ConfigError(f"{where}: effective_from is required")
        valid_to = _day(entry.get("effective_to"), where, "effective_to")
        if valid_to is not None and valid_to <= valid_from:
            raise ConfigError(f"{where}: effective_to must be after effective_from (half-open)")
        parsed.append((index, provider, model_name, pattern, valid_from, valid_to, entry, where))

    rows = []
    for index, provider, model_name, pattern, valid_from, valid_to, entry, where in parsed:
        if valid_to is None:
            later = [p[4] for p in parsed if p[1] == provider and p[3] == pattern and p[4] > valid_from]
            valid_to = min(later) if later else None
        rows.append(
            PriceRow(
                price_key=f"override:{provider}:{model_name}:{valid_from.date().isoformat()}",
                provider=provider,
                model_id=model_name,
                model_pattern=pattern,
                valid_from=valid_from,
                valid_to=valid_to,
                input_per_mtok=_decimal(entry, "input_per_mtok", where, True),
                output_per_mtok=_decimal(entry, "output_per_mtok", where, True),
                cache_read_per_mtok=_decimal(entry, "cache_read_per_mtok", where, False),
                cache_write_per_mtok=_decimal(entry, "cache_write_per_mtok", where, False),
                source="override",
                priority=0,
                match_rank=index,
                note=str(entry["note"]) if entry.get("note") else None,
            )
        )
    keys = [row.price_key for row in rows]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"{path.name}: two overrides share provider, model and effective_from")
    return rows


# -- load ------------------------------------------------------------------------------------------

def content_hash(rows: list[PriceRow]) -> str:
    payload = json.dumps(sorted((row.canonical() for row in rows), key=lambda r: r["price_key"]),
                         sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _portable(conn: psycopg.Connection, rows: list[PriceRow]) -> list[PriceRow]:
    """Drop rows whose pattern Postgres cannot compile (logged), so one exotic regex in a new
    genai-prices release never blocks the whole table."""
    patterns = sorted({row.model_pattern for row in rows})
    try:
        with conn.transaction():
            conn.execute("select '' ~ p from unnest(%s::text[]) as p", (patterns,))
        return rows
    except psycopg.errors.InvalidRegularExpression:
        pass
    bad = set()
    for pattern in patterns:
        try:
            with conn.transaction():
                conn.execute("select '' ~ %s", (pattern,))
        except psycopg.errors.InvalidRegularExpression:
            bad.add(pattern)
    for row in rows:
        if row.model_pattern in bad:
            log.warning("price row %s skipped: pattern not valid in Postgres", row.price_key)
    return [row for row in rows if row.model_pattern not in bad]


def load_prices(conn: psycopg.Connection, overrides: Path | None = None) -> LoadResult:
    """Load genai-prices + overrides as a new price version if they differ from the newest one.
    Idempotent: the same prices load to the same version. Commits."""
    import genai_prices

    path = overrides or overrides_path()
    overrides_list = override_rows(path)
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_PRICE_LOCK,))
        rows = _portable(conn, genai_price_rows() + overrides_list)
        digest = content_hash(rows)
        latest = conn.execute(sql("pricing_latest_version.sql")).fetchone()
        if latest and latest[1] == digest:
            return LoadResult(latest[0], False, len(rows), len(overrides_list))
        version = (latest[0] if latest else 0) + 1
        conn.execute(
            sql("pricing_insert_version.sql"),
            {
                "price_version": version,
                "content_hash": digest,
                "genai_prices_version": genai_prices.__version__,
                "overrides_file": path.name,
                "row_count": len(rows),
            },
        )
        with conn.cursor() as cur, cur.copy(
            "copy raw.model_prices (price_version, price_key, provider, model_id, model_pattern, "
            "valid_from, valid_to, input_per_mtok, output_per_mtok, cache_read_per_mtok, "
            "cache_write_per_mtok, source, priority, match_rank, note) from stdin"
        ) as copy:
            for row in rows:
                copy.write_row((
                    version, row.price_key, row.provider, row.model_id, row.model_pattern,
                    row.valid_from, row.valid_to, row.input_per_mtok, row.output_per_mtok,
                    row.cache_read_per_mtok, row.cache_write_per_mtok, row.source, row.priority,
                    row.match_rank, row.note,
                ))
    log.info("price table version %s: %s rows (%s overrides)", version, len(rows), len(overrides_list))
    return LoadResult(version, True, len(rows), len(overrides_list))


def ensure_prices(conn: psycopg.Connection) -> int | None:
    """Load a first price version when there is none, so a first ingestion is never left
    unpriced for want of a table. Later changes come from the `model_prices` asset."""
    with conn.transaction():
        version = conn.execute("select raw.current_price_version()").fetchone()[0]
    if version is not None:
        return version
    return load_prices(conn).price_version
