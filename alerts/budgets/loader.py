"""Load the validated budgets into the warehouse (raw.budgets, raw.budget_settings, top-ups),
replacing the previous set atomically: one transaction, so dbt and `budget check` see the old set
or the new one, never a mix. An invalid file raises before anything is touched."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from alerts.budgets.config import BudgetFile, load_budgets
from alerts.sql_files import sql

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BudgetLoadResult:
    path: str
    budgets_loaded: int
    settings_loaded: int
    topups_loaded: int
    warnings: tuple[str, ...]
    budget_names: tuple[str, ...]


def budget_rows(budgets: BudgetFile) -> list[dict]:
    return [
        {
            "name": b.name,
            "scope": b.scope,
            "value": b.value,
            "filters": Jsonb(b.filters),
            "period_kind": b.period.kind,
            "period_days": b.period.days,
            "limit_usd": b.limit_usd,
            "thresholds": list(b.thresholds),
            "hard_limit": b.hard_limit,
            "parent": b.parent,
            "source": b.source,
        }
        for b in budgets.budgets
    ]


def replace_budgets(conn: psycopg.Connection, budgets: BudgetFile) -> BudgetLoadResult:
    """Replace the warehouse's budgets with `budgets`, in one transaction (committed on return).
    The tables come from ingestion's migration 0007_budgets (the asset migrates first)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(sql("budget_load_clear.sql"))
        cur.executemany(sql("budget_load_insert.sql"), budget_rows(budgets))
        settings = budgets.settings.as_rows()
        cur.executemany(sql("budget_load_setting.sql"), [{"setting": k, "value": v} for k, v in settings.items()])
        cur.executemany(
            sql("budget_load_topup.sql"),
            [{"scope": t.scope, "member": t.member, "at": t.at, "amount_usd": t.amount_usd, "note": t.note}
             for t in budgets.topups],
        )
    if not conn.autocommit:
        conn.commit()
    for warning in budgets.warnings:
        log.warning("%s", warning)
    return BudgetLoadResult(
        path=budgets.path,
        budgets_loaded=len(budgets.budgets),
        settings_loaded=len(settings),
        topups_loaded=len(budgets.topups),
        warnings=budgets.warnings,
        budget_names=tuple(b.name for b in budgets.budgets),
    )


def load_budgets_into_warehouse(conn: psycopg.Connection, path: Path | str | None = None) -> BudgetLoadResult:
    """Validate the budgets file (LLMCOSTS_BUDGETS_FILE or alerts/budgets.yml) and load it."""
    return replace_budgets(conn, load_budgets(path))
