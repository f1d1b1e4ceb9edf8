"""Access to alerts/sql/*.sql, so every rule's query is a file that tests execute as is."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def sql(name: str) -> str:
    return (SQL_DIR / name).read_text()
