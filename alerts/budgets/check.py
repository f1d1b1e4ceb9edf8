"""Should this user's next LLM call go ahead? allow / warn / throttle / block, with the reason.

For applications and gateways: `check_user(user_id, estimated_cost_usd=...)` (or
`llmcosts budget check --user U --estimated-cost X`). It reads the warehouse only:

- the user's own budgets (scope `user`: their tier's ceiling, per-user budgets) with their spend
  in each budget's current period, live from raw.llm_calls in ONE query through the
  (user_id, ts) index (alerts/sql/budget_check.sql);
- the broader budgets that contain the user (global, tier, tenant, project, ...) from
  marts.budget_status, as of the last dbt build (alerts/sql/budget_check_shared.sql), when built.

Decision per budget, on spent + the estimated cost of the call: `block` at or over the hard limit,
`throttle` from the throttle share (settings.throttle_at_percent, default 90%; a cheaper model of
the same provider is suggested), `warn` from the lowest soft threshold, else `allow`. The answer is
the most severe, and says how fresh it is: the latest successful ingestion and what it covers.
Periods are live here: the current period is the one containing the moment of the check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from alerts.sql_files import sql
from llmcosts_core.settings import get_settings

DECISIONS = ("allow", "warn", "throttle", "block")
_CALLS_TABLE = "raw.llm_calls as c"
_LAKE_CALLS_TABLE = "pg_temp.budget_check_calls as c"


def _calls_from_the_lake(conn: psycopg.Connection, check_sql: str, user_id: str, at: datetime) -> str:
    """On the Spark warehouse raw calls live in the lake: fetch this user's calls of the current
    periods (and their latest call) from Spark into a temporary table, and run the same check over
    it, so both warehouses answer from one SQL form."""
    from llmcosts_core.spark import spark_sql, utc_text

    since_day = conn.execute(sql("budget_check_calls_since.sql"), {"at": at}).fetchone()[0]
    since = datetime.combine(since_day, datetime.min.time())
    with spark_sql() as spark:
        spark.execute(sql("spark/budget_check_user_calls.sql"), {
            "user_id": user_id,
            "since": since.strftime("%Y-%m-%d %H:%M:%S"),
            "at": utc_text(at),
        })
        calls = spark.fetchall()
    conn.execute(
        "create temp table if not exists budget_check_calls (ts timestamptz, cost_usd numeric(20, 10), project_id text, "
        "environment text, metadata jsonb, feature text, model text, provider text, user_id text)"
    )
    conn.execute("truncate pg_temp.budget_check_calls")
    with conn.cursor().copy("copy pg_temp.budget_check_calls from stdin") as copy:
        for ts, *rest in calls:
            copy.write_row([ts.replace(tzinfo=UTC), *rest])
    if check_sql.count(_CALLS_TABLE) != 2:
        raise RuntimeError("budget_check.sql no longer reads raw.llm_calls the way the Spark path expects")
    return check_sql.replace(_CALLS_TABLE, _LAKE_CALLS_TABLE)


@dataclass(frozen=True)
class BudgetUsage:
    budget_name: str
    scope: str
    member: str
    period_start: date
    period_end: date
    limit_usd: Decimal | None
    spent_usd: Decimal
    decision: str
    reason: str
    source: str  # live (raw.llm_calls now) | marts (marts.budget_status, last dbt build)


@dataclass(frozen=True)
class CheckResult:
    user_id: str
    decision: str
    reason: str
    tier: str | None
    estimated_cost_usd: Decimal
    checked_at: datetime
    budgets: tuple[BudgetUsage, ...] = ()
    suggested_model: str | None = None
    current_model: str | None = None
    last_ingest_finished_at: datetime | None = None
    data_through: datetime | None = None
    marts_as_of: date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def allowed(self) -> bool:
        return self.decision in ("allow", "warn")

    def to_dict(self) -> dict[str, Any]:
        def plain(value):
            if isinstance(value, Decimal):
                return float(value)
            if isinstance(value, datetime | date):
                return value.isoformat()
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        return plain(asdict(self))


def _money(value: Decimal | None) -> str:
    return "unlimited" if value is None else f"${Decimal(value):.4f}".rstrip("0").rstrip(".")


def decide(
    spent: Decimal,
    estimated: Decimal,
    limit: Decimal | None,
    hard_limit: Decimal,
    thresholds: tuple[Decimal, ...] | list[Decimal],
    throttle_at: Decimal,
) -> str:
    """One budget's answer for a call costing `estimated` on top of `spent` (pure, unit-tested)."""
    if limit is None:
        return "allow"
    after = Decimal(spent) + Decimal(estimated)
    if after >= limit * hard_limit:
        return "block"
    if after >= limit * throttle_at:
        return "throttle"
    if thresholds and after >= limit * min(thresholds):
        return "warn"
    return "allow"


def _severity(decision: str) -> int:
    return DECISIONS.index(decision)


def _reason(name: str, scope: str, member: str, decision: str, spent, estimated, limit, period: str) -> str:
    what = {"block": "at or over its hard limit", "throttle": "near its limit", "warn": "past a soft threshold",
            "allow": "within its limit"}[decision]
    if limit is None:
        return f"budget {name} ({scope} {member}, {period}) is unlimited"
    pct = (Decimal(spent) + Decimal(estimated)) * 100 / limit if limit else Decimal(100)
    est = f" + {_money(estimated)} estimated" if estimated else ""
    return (f"budget {name} ({scope} {member}, {period}) {what}: {_money(spent)} spent{est} of "
            f"{_money(limit)} ({pct:.0f}%)")


def _period_label(kind: str, days: int | None, start: date, end: date) -> str:
    span = f"{start.isoformat()}..{end.isoformat()}"
    return f"rolling {days} days {span}" if kind == "rolling" else f"{kind} {span}"


def check_user(
    user_id: str,
    estimated_cost_usd: Decimal | float | str = 0,
    *,
    conn: psycopg.Connection | None = None,
    at: datetime | None = None,
    throttle_at: Decimal | None = None,
) -> CheckResult:
    """allow / warn / throttle / block for `user_id`'s next call. `at` (default now) is the moment
    of the check; `throttle_at` overrides the file's throttle share (a fraction, 0.9 = 90%)."""
    if conn is None:
        from llmcosts_core.warehouse import connect

        with connect() as own:
            return check_user(user_id, estimated_cost_usd, conn=own, at=at, throttle_at=throttle_at)
    at = (at or datetime.now(UTC)).astimezone(UTC)
    estimated = Decimal(str(estimated_cost_usd))
    if estimated < 0:
        raise ValueError("estimated_cost_usd must not be negative")
    with conn.cursor(row_factory=dict_row) as cur:
        check_sql = sql("budget_check.sql")
        if get_settings().uses_spark:
            check_sql = _calls_from_the_lake(conn, check_sql, user_id, at)
        rows = cur.execute(check_sql, {"user_id": user_id, "at": at}).fetchall()
        head = rows[0]
        share = throttle_at if throttle_at is not None else Decimal(head["throttle_at"])
        usages: list[BudgetUsage] = []
        for row in rows:
            if row["budget_name"] is None:
                continue
            decision = decide(row["spent_usd"], estimated, row["limit_usd"], row["hard_limit"],
                              tuple(row["thresholds"] or ()), share)
            member = user_id
            period = _period_label(row["period_kind"], row["period_days"], row["period_start"], row["period_end"])
            usages.append(BudgetUsage(
                row["budget_name"], "user", member, row["period_start"], row["period_end"], row["limit_usd"],
                row["spent_usd"], decision,
                _reason(row["budget_name"], "user", member, decision, row["spent_usd"], estimated, row["limit_usd"],
                        period),
                "live",
            ))
        marts_as_of = None
        if head["has_budget_status"]:
            dims = {"global": "(all)", "tier": head["tier"], "user": user_id}
            if head["last_call_at"] is not None:
                dims.update(project=head["last_project_id"], environment=head["last_environment"],
                            tenant=head["last_tenant"], model=head["last_model"] or "(unknown)",
                            provider=head["last_provider"] or "(unknown)")
            shared = cur.execute(sql("budget_check_shared.sql"), {"dims": Jsonb(dims), "today": at.date()}).fetchall()
            for row in shared:
                marts_as_of = max(marts_as_of or row["as_of"], row["as_of"])
                decision = decide(row["spent_usd"], estimated, row["limit_usd"],
                                  Decimal(row["hard_limit_usd"]) / row["limit_usd"] if row["limit_usd"] else Decimal(1),
                                  (), share)
                if decision == "allow" and row["status"] == "warning":
                    decision = "warn"
                period = f"{row['period_label']} {row['period_start']}..{row['period_end']}, as of {row['as_of']}"
                usages.append(BudgetUsage(
                    row["budget_name"], row["scope"], row["member"], row["period_start"], row["period_end"],
                    row["limit_usd"], row["spent_usd"], decision,
                    _reason(row["budget_name"], row["scope"], row["member"], decision, row["spent_usd"], estimated,
                            row["limit_usd"], period),
                    "marts",
                ))
        notes = []
        if not head["has_budget_status"]:
            notes.append("marts.budget_status is not built: only the user's own budgets were checked")
        if not head["known_user"]:
            notes.append(f"user not in raw.app_users: default tier {head['tier']}")
        worst = max(usages, key=lambda u: (_severity(u.decision), u.spent_usd / u.limit_usd if u.limit_usd else 0),
                    default=None)
        decision = worst.decision if worst else "allow"
        reason = worst.reason if worst else "no budget applies to this user"
        suggested = None
        if decision == "throttle" and head["has_model_costs"] and head["last_model"] and head["last_provider"]:
            found = cur.execute(sql("budget_cheaper_model.sql"),
                                {"provider": head["last_provider"], "model": head["last_model"]}).fetchone()
            suggested = found["model"] if found else None
            reason += f"; suggested cheaper model: {suggested}" if suggested else "; no cheaper model of the same provider"
    return CheckResult(
        user_id=user_id,
        decision=decision,
        reason=reason,
        tier=head["tier"],
        estimated_cost_usd=estimated,
        checked_at=at,
        budgets=tuple(usages),
        suggested_model=suggested,
        current_model=head["last_model"],
        last_ingest_finished_at=head["last_ingest_finished_at"],
        data_through=head["ingested_through"] or head["last_call_at"],
        marts_as_of=marts_as_of,
        notes=tuple(notes),
    )
