"""The noise budget of the daily post, on a realistic population: the default budgets file
(alerts/budgets.yml), 10,000 users without raw.app_users (so every one falls to the default tier,
free at $0.50 a month), 2,000 of them over that ceiling. One dbt build through the Dagster assets,
one real delivery to the Slack contract server.

Target (issue 15): one post of at most 25 lines that fits Slack's limits (<= 50 blocks, <= 3,000
characters per section text), while the alert log keeps one row per member that crossed.
The figures are printed (`-s`) so a change can be compared before and after."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import dagster as dg
import psycopg
import pytest
from budget_synthetic import Call, insert, query, scratch_database

from tests.alerts.slack_server import RecordingServer

pytestmark = pytest.mark.slow

AS_OF = date(2026, 3, 15)
USERS = 10_000
OVER_CEILING = 2_000
MODELS = ("gpt-4o", "gpt-4o-mini", "claude-sonnet-4")


def population() -> list[Call]:
    """Users 0..1999 make ten calls in March and spend $0.55 to $2.55 in all (110% to 510% of the
    $0.50 ceiling, no call above $0.26); the others make two calls and spend $0.04 (8%)."""
    calls = []
    for i in range(USERS):
        user = f"user_{i:05d}"
        heavy = i < OVER_CEILING
        n_calls = 10 if heavy else 2
        each = (Decimal("0.55") + Decimal(i) / 1000) / n_calls if heavy else Decimal("0.02")
        for n in range(n_calls):
            calls.append(Call(
                observation_id=f"obs-{i:05d}-{n}",
                ts=datetime.combine(date(2026, 3, 1 + (i + n) % 14), time(9 + i % 10), tzinfo=UTC),
                user_id=user,
                feature=f"feature_{i % 20:02d}",
                model=MODELS[i % 3],
                cost_usd=each,
            ))
    return calls


@pytest.fixture(scope="module")
def delivered(pg_admin_url, tmp_path_factory):
    from alerts import run_alerts
    from alerts.config import get_alert_settings
    from orchestration.defs.budgets import budgets
    from orchestration.defs.dbt import dbt_run_config, llmcosts_dbt_models
    from orchestration.defs.dbt.resources import dbt_cli_resource

    slack = RecordingServer().start()
    with scratch_database(pg_admin_url) as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.delenv("LLMCOSTS_BUDGETS_FILE", raising=False)  # the default file, alerts/budgets.yml
        patch.setenv("SLACK_WEBHOOK_URL", slack.base_url + "/services/T0/B0/post-size")
        patch.setenv("LLMCOSTS_ALERT_BACKOFF_S", "0")
        insert(url, population(), app_users=[])
        assert dg.materialize([budgets]).success
        built = dg.materialize(
            [llmcosts_dbt_models], resources={"dbt": dbt_cli_resource()},
            run_config=dbt_run_config(AS_OF.isoformat()), raise_on_error=False,
        )
        with psycopg.connect(url) as conn:
            result = run_alerts(conn, AS_OF, settings=get_alert_settings())
        yield {"url": url, "built": built, "result": result, "posts": [r.json() for r in slack.received]}
    slack.stop()


def test_one_short_post_and_one_log_row_per_member(delivered):
    result, posts = delivered["result"], delivered["posts"]
    assert delivered["built"].success
    assert result.errors == [] and len(posts) == 1
    post = posts[0]
    lines = post["text"].splitlines()
    sections = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]
    print(f"\n10,000-user fixture: {len(lines)} lines, {len(post['blocks'])} blocks, longest section "
          f"{max(len(s) for s in sections)} chars, {result.fired_count} alert-log rows\n" + post["text"])

    assert len(lines) <= 25
    assert len(post["blocks"]) <= 50
    assert max(len(s) for s in sections) <= 3000
    assert not any("truncated" in str(b) for b in post["blocks"])

    # every member that crossed its ceiling is in the log, once per threshold crossed
    over = query(delivered["url"], """
        select count(*) as n from marts.budget_status
        where as_of = %s and budget_name = 'user_ceiling:free' and status = 'exceeded'""", (AS_OF,))[0]["n"]
    assert over == OVER_CEILING
    logged = query(delivered["url"], """
        select count(distinct split_part(subject, '|', 2)) as members,
               count(*) filter (where split_part(subject, '|', 4) = '100') as at_limit,
               count(*) filter (where status = 'delivered') as delivered,
               count(*) as n
        from alerts.alert_log
        where rule = 'budget_threshold' and subject like 'user_ceiling:free|user_%%'""")[0]
    assert logged["members"] == OVER_CEILING and logged["at_limit"] == OVER_CEILING
    assert logged["delivered"] == logged["n"]  # delivered with the one line that tells about them

    # and the post says so on one line, with the count and where to find the rest
    free = [line for line in lines if "`user_ceiling:free`" in line]
    assert len(free) == 1
    assert "2,000 users over the limit (2,000 new today)" in free[0]
    assert "`user_01999` 510% ($2.55)" in free[0]  # the top overshoot first
    assert "llmcosts budget" in free[0]


def test_a_rerun_posts_nothing_and_the_next_day_only_what_is_new(delivered):
    from alerts import run_alerts
    from alerts.config import get_alert_settings

    url = delivered["url"]
    with psycopg.connect(url) as conn:
        again = run_alerts(conn, AS_OF, settings=get_alert_settings())
    assert again.delivered == 0 and again.fired_count == 0
