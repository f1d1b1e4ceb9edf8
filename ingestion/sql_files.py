"""Access to the SQL files under ingestion/sql/, so queries live in .sql files that tests run."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def sql(name: str) -> str:
    return (SQL_DIR / name).read_text()
