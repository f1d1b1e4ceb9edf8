"""`check_user` on a migrated warehouse without any dbt build: the user's own ceiling, live."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from budget_synthetic import BUDGETS_YAML, generate, insert, spent

from alerts.budgets.check import check_user
from alerts.budgets.config import parse_budgets
from alerts.budgets.loader import replace_budgets


@pytest.fixture
def loaded(migrated_warehouse):
    import yaml

    calls = generate()
    insert(migrated_warehouse, calls)
    with psycopg.connect(migrated_warehouse) as conn:
        replace_budgets(conn, parse_budgets(yaml.safe_load(BUDGETS_YAML)))
    return migrated_warehouse, calls


def test_block_over_the_ceiling_then_allow_after_the_month_rolls_over(loaded):
    url, calls = loaded
    with psycopg.connect(url) as conn:
        at = datetime(2026, 3, 15, 12, tzinfo=UTC)
        result = check_user("u_free", conn=conn, at=at)
        assert result.decision == "block"
        assert "user_ceiling:free" in result.reason
        usage = {u.budget_name: u for u in result.budgets}["user_ceiling:free"]
        # live: every call of March up to the moment of the check, none of February's
        assert usage.spent_usd == spent(calls, at.date().replace(day=1), at.date().replace(day=16), user_id="u_free")
        assert result.tier == "free"
        assert any("marts.budget_status is not built" in n for n in result.notes)

        rolled = check_user("u_free", conn=conn, at=datetime(2026, 4, 1, 0, 30, tzinfo=UTC))
        assert rolled.decision == "allow"
        assert {u.budget_name: u for u in rolled.budgets}["user_ceiling:free"].spent_usd == 0


def test_estimated_cost_tips_a_user_into_throttle_and_block(loaded):
    url, _ = loaded
    with psycopg.connect(url) as conn:
        # u_pro: $0.30 a day, $5 ceiling: 14 days in = $4.20 (84%): warn
        at = datetime(2026, 3, 14, 23, tzinfo=UTC)
        assert check_user("u_pro", conn=conn, at=at).decision == "warn"
        assert check_user("u_pro", Decimal("0.30"), conn=conn, at=at).decision == "throttle"
        assert check_user("u_pro", Decimal("0.80"), conn=conn, at=at).decision == "block"
        # a lower throttle share throttles earlier
        assert check_user("u_pro", conn=conn, at=at, throttle_at=Decimal("0.8")).decision == "throttle"


def test_unknown_user_gets_the_default_tier_and_enterprise_is_unlimited(loaded):
    url, _ = loaded
    with psycopg.connect(url) as conn:
        at = datetime(2026, 3, 20, tzinfo=UTC)
        unknown = check_user("u_unknown", conn=conn, at=at)
        assert unknown.tier == "free" and any("default tier" in n for n in unknown.notes)
        assert [u.budget_name for u in unknown.budgets] == ["user_ceiling:free"]
        assert unknown.decision == "allow"  # 19 days x $0.01 = 38% of $0.50
        enterprise = check_user("u_ent", Decimal("1000"), conn=conn, at=at)
        assert enterprise.decision == "allow" and "unlimited" in enterprise.reason


def test_answer_says_how_fresh_it_is(loaded):
    url, _ = loaded
    finished = datetime(2026, 3, 15, 6, tzinfo=UTC)
    with psycopg.connect(url) as conn:
        before = check_user("u_free", conn=conn, at=datetime(2026, 3, 15, 12, tzinfo=UTC))
        # no ingestion run recorded: the user's latest call is what the data covers
        assert before.last_ingest_finished_at is None
        assert before.data_through == datetime(2026, 3, 15, 10, tzinfo=UTC)
        conn.execute(
            "insert into raw.ingestion_runs (run_id, source_key, window_start, window_end, started_at, finished_at,"
            " status) values ('r1', 's', %s, %s, %s, %s, 'succeeded')",
            (datetime(2026, 3, 14, tzinfo=UTC), datetime(2026, 3, 15, 5, tzinfo=UTC), finished, finished),
        )
        after = check_user("u_free", conn=conn, at=datetime(2026, 3, 15, 12, tzinfo=UTC))
        assert after.last_ingest_finished_at == finished
        assert after.data_through == datetime(2026, 3, 15, 5, tzinfo=UTC)
        assert after.to_dict()["last_ingest_finished_at"] == finished.isoformat()
