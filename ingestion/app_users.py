"""Load the product's own users into raw.app_users, for the cohort retention vs cost marts.

Optional: from a CSV file (LLMCOSTS_APP_USERS_CSV) or from a SQL query against the app's
database (LLMCOSTS_APP_USERS_SQL + LLMCOSTS_APP_USERS_DATABASE_URL). Either source yields the
columns `user_id, signup_at, tier, last_active_at`. A load is all or nothing: every row is
checked first, and if any is bad the load stops with an error listing them (row number and
reason), so a half-broken export never half-replaces good data. Rows are upserted on user_id,
so loading the same export twice changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg

from ingestion.schema import migrate
from ingestion.sql_files import sql
from llmcosts_core.settings import ConfigError, Secret, env_str

REQUIRED_COLUMNS = ("user_id", "signup_at")
OPTIONAL_COLUMNS = ("tier", "last_active_at")
_MAX_LISTED_REJECTS = 20


class AppUsersError(ValueError):
    """Bad rows in an app users export. `rejects` lists (row number, reason)."""

    def __init__(self, source: str, rejects: list[tuple[int, str]]):
        self.rejects = rejects
        listed = "; ".join(f"row {number}: {reason}" for number, reason in rejects[:_MAX_LISTED_REJECTS])
        more = f" (and {len(rejects) - _MAX_LISTED_REJECTS} more)" if len(rejects) > _MAX_LISTED_REJECTS else ""
        super().__init__(f"{len(rejects)} bad row(s) in {source}, nothing loaded: {listed}{more}")


@dataclass(frozen=True)
class AppUser:
    user_id: str
    signup_at: datetime
    tier: str | None
    last_active_at: datetime | None


@dataclass(frozen=True)
class CsvSource:
    path: Path

    def describe(self) -> str:
        return f"CSV file {self.path}"


@dataclass(frozen=True)
class SqlSource:
    query: str
    database_url: Secret

    def describe(self) -> str:
        # The URL may carry a password: never part of a message.
        return "the app database query (LLMCOSTS_APP_USERS_SQL)"


@dataclass(frozen=True)
class LoadResult:
    source: str
    rows_loaded: int


def app_users_source_from_env() -> CsvSource | SqlSource | None:
    """The configured source, read from the environment now; None when none is configured."""
    csv_path = (env_str("LLMCOSTS_APP_USERS_CSV") or "")
    query = (env_str("LLMCOSTS_APP_USERS_SQL") or "")
    url = (env_str("LLMCOSTS_APP_USERS_DATABASE_URL") or "")
    if csv_path and query:
        raise ConfigError("set either LLMCOSTS_APP_USERS_CSV or LLMCOSTS_APP_USERS_SQL, not both")
    if csv_path:
        return CsvSource(Path(csv_path).expanduser())
    if query:
        if not url:
            raise ConfigError("LLMCOSTS_APP_USERS_SQL needs LLMCOSTS_APP_USERS_DATABASE_URL (the app's database)")
        if not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("LLMCOSTS_APP_USERS_DATABASE_URL must be a postgresql:// URL")
        return SqlSource(query=query, database_url=Secret(url))
    return None


def _timestamp(value: object, column: str, required: bool) -> datetime | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if required:
            raise ValueError(f"{column} is missing")
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{column} {text!r} is not an ISO date or timestamp") from None
    # A timestamp without a zone is taken as UTC, like every other time in the warehouse.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def validate_app_users(records: Iterable[Mapping[str, object]], source: str) -> list[AppUser]:
    """Check every record; raise AppUsersError listing all bad ones. Row numbers start at 1 for the
    first data row (a CSV's header is row 0)."""
    users: list[AppUser] = []
    rejects: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        try:
            user_id = str(record.get("user_id") or "").strip()
            if not user_id:
                raise ValueError("user_id is missing")
            if user_id in seen:
                raise ValueError(f"user_id {user_id!r} repeats row {seen[user_id]}")
            signup_at = _timestamp(record.get("signup_at"), "signup_at", required=True)
            last_active_at = _timestamp(record.get("last_active_at"), "last_active_at", required=False)
            tier = str(record.get("tier") or "").strip() or None
        except ValueError as exc:
            rejects.append((number, str(exc)))
            continue
        seen[user_id] = number
        users.append(AppUser(user_id, signup_at, tier, last_active_at))
    if rejects:
        raise AppUsersError(source, rejects)
    return users


def read_csv_records(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise AppUsersError(f"CSV file {path}", [(0, f"missing column(s) {', '.join(missing)}")])
        return [{(key or "").strip(): value for key, value in row.items()} for row in reader]


def read_sql_records(source: SqlSource) -> list[dict[str, object]]:
    try:
        conn = psycopg.connect(source.database_url.get(), autocommit=True, application_name="llmcosts")
    except psycopg.OperationalError as exc:
        raise ConnectionError(
            f"cannot connect to the app database; check LLMCOSTS_APP_USERS_DATABASE_URL: {type(exc).__name__}"
        ) from None
    with conn, conn.cursor() as cursor:
        cursor.execute(source.query)
        names = [column.name for column in cursor.description or []]
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            raise AppUsersError(source.describe(), [(0, f"the query returns no column(s) {', '.join(missing)}")])
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def upsert_app_users(conn: psycopg.Connection, users: list[AppUser]) -> int:
    with conn.transaction(), conn.cursor() as cursor:
        cursor.executemany(
            sql("load_app_users.sql"),
            [
                {
                    "user_id": user.user_id,
                    "signup_at": user.signup_at,
                    "tier": user.tier,
                    "last_active_at": user.last_active_at,
                }
                for user in users
            ],
        )
    return len(users)


def load_app_users(conn: psycopg.Connection, source: CsvSource | SqlSource) -> LoadResult:
    """Read, validate and upsert every user of the source into raw.app_users."""
    migrate(conn)
    records = read_csv_records(source.path) if isinstance(source, CsvSource) else read_sql_records(source)
    users = validate_app_users(records, source.describe())
    return LoadResult(source=source.describe(), rows_loaded=upsert_app_users(conn, users))
