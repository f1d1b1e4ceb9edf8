"""Delivery, once and only once, against real local servers standing in for Slack, a JSON webhook,
an SMTP relay and the GitHub API."""

import json
import logging
import time
from datetime import date
from email import message_from_bytes

import psycopg
import pytest
from slack_server import SECRET_PATH, RecordingServer, Reply

from alerts import run_alerts

AS_OF = date(2026, 3, 10)
FIRED_ON_FIXTURE = 9


def _log(conn, channel="slack"):
    return conn.execute(
        "select rule, subject, as_of, status, attempts, last_error from alerts.alert_log "
        "where channel = %s order by rule, subject, as_of",
        (channel,),
    ).fetchall()


def _all_text(result) -> str:
    return " ".join([repr(result), json.dumps(result.metadata()), result.payload_text, *result.errors])


def test_one_post_per_run_then_nothing_on_a_rerun(conn, slack, slack_url):
    first = run_alerts(conn, AS_OF)
    assert len(slack.received) == 1
    request = slack.received[0]
    assert request.path == SECRET_PATH
    body = request.json()
    assert body["text"] == first.payload_text and body["text"].startswith("LLM cost alerts for 2026-03-10")
    assert {b["type"] for b in body["blocks"]} >= {"header", "section", "divider"}
    assert first.fired_count == FIRED_ON_FIXTURE
    assert (first.delivered, first.pending) == (FIRED_ON_FIXTURE, 0)
    assert all(status == "delivered" and attempts == 1 for *_, status, attempts, _ in _log(conn))

    second = run_alerts(conn, AS_OF)
    assert len(slack.received) == 1, "a re-run of the same day must post nothing"
    assert second.fired_count == FIRED_ON_FIXTURE and second.delivered == 0 and second.pending == 0


def test_a_500_then_success_delivers_exactly_once(conn, slack, slack_url):
    slack.then(Reply(500, "internal_error"))
    result = run_alerts(conn, AS_OF)
    assert len(slack.received) == 2
    assert slack.received[0].body == slack.received[1].body
    assert result.delivered == FIRED_ON_FIXTURE and result.pending == 0 and result.errors == []
    assert {attempts for *_, attempts, _ in _log(conn)} == {2}
    run_alerts(conn, AS_OF)
    assert len(slack.received) == 2


def test_persistent_500_stays_pending_and_the_next_run_delivers_once(conn, slack, slack_url):
    slack.default = Reply(500, "")
    failed = run_alerts(conn, AS_OF)
    assert len(slack.received) == 3  # LLMCOSTS_ALERT_MAX_ATTEMPTS defaults to 3
    assert failed.delivered == 0 and failed.pending == FIRED_ON_FIXTURE
    assert failed.errors == ["slack: delivery failed after 3 attempt(s): HTTP 500"]
    assert {(status, attempts, error) for *_, status, attempts, error in _log(conn)} == {("pending", 3, "HTTP 500")}

    # The next day's run delivers what the failed run left, in the same post as its own alert
    # (call e6, at 2026-03-11 00:00 UTC, is in the 2026-03-11 run's last day).
    slack.default = Reply(200, "ok")
    later = run_alerts(conn, date(2026, 3, 11))
    assert len(slack.received) == 4
    posted = slack.received[-1].json()["text"]
    assert "feature `search` spend is up 85% week over week ($12.40 -> $22.94, +$10.54), largest driver: call volume _(as of 2026-03-10)_" in posted
    assert [a.subject for a in later.fired["expensive_calls"]] == ["chat/gpt-4o"]
    assert posted.endswith(
        "\n:moneybag: 1 call over $0.50 in `chat` on `gpt-4o` (max $2.00, total $2.00, costliest `e6`)"
    )
    assert later.delivered == FIRED_ON_FIXTURE + 1 and later.pending == 0
    assert {status for *_, status, _a, _e in _log(conn)} == {"delivered"}
    run_alerts(conn, date(2026, 3, 11))
    run_alerts(conn, AS_OF)
    assert len(slack.received) == 4, "never doubled"


def test_429_retry_after_is_honoured(conn, slack, slack_url):
    slack.then(Reply(429, "rate_limited", headers={"Retry-After": "1"}))
    result = run_alerts(conn, AS_OF)
    assert len(slack.received) == 2
    waited = slack.received[1].at - slack.received[0].at
    assert waited >= 1.0
    assert result.delivered == FIRED_ON_FIXTURE


def test_a_timeout_is_retried(conn, slack, slack_url, alert_env):
    alert_env.setenv("LLMCOSTS_ALERT_HTTP_TIMEOUT", "0.3")
    slack.then(Reply(200, "ok", delay_s=1.0))
    result = run_alerts(conn, AS_OF)
    # The slow answer counted as a failure; the retry went through. (Slack received both posts, as a
    # real one would after a client-side timeout: that is the documented at-least-once edge.)
    assert len(slack.received) == 2
    assert result.delivered == FIRED_ON_FIXTURE and result.pending == 0


def test_a_rejected_post_is_marked_failed_and_retried_next_run(conn, slack, slack_url):
    slack.then(Reply(404, "no_service"))
    result = run_alerts(conn, AS_OF)
    assert len(slack.received) == 1  # a 4xx is not retried within the run
    assert {(s, e) for *_, s, _a, e in _log(conn)} == {("failed", "HTTP 404 no_service")}
    assert result.pending == FIRED_ON_FIXTURE
    run_alerts(conn, AS_OF)
    assert len(slack.received) == 2
    assert {s for *_, s, _a, _e in _log(conn)} == {"delivered"}


def test_dry_run_posts_nothing_and_records_nothing(conn, slack, slack_url, capsys):
    result = run_alerts(conn, AS_OF, dry_run=True)
    assert slack.received == []
    assert result.dry_run and result.delivered == 0
    assert "feature `chat` spend is up 231% week over week" in capsys.readouterr().out
    assert conn.execute("select to_regclass('alerts.alert_log')").fetchone()[0] is None
    # and the real run afterwards still posts everything
    assert run_alerts(conn, AS_OF).delivered == FIRED_ON_FIXTURE


def test_no_channel_configured_is_a_dry_run(conn, capsys):
    result = run_alerts(conn, AS_OF)
    assert result.dry_run and result.delivered == 0 and result.channels == ()
    assert "no delivery channel configured" in result.warnings[0]
    assert "LLM cost alerts for 2026-03-10" in capsys.readouterr().out
    assert conn.execute("select to_regclass('alerts.alert_log')").fetchone()[0] is None


def test_the_webhook_url_never_leaks(conn, slack, slack_url, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    slack.default = Reply(500, "")
    failed = run_alerts(conn, AS_OF)
    assert failed.errors
    slack.default = Reply(200, "ok")
    delivered = run_alerts(conn, AS_OF)
    assert delivered.delivered == FIRED_ON_FIXTURE
    # unreachable: a connection error's own message contains the URL
    slack.stop()
    conn.execute("update alerts.alert_log set status = 'pending'")
    unreachable = run_alerts(conn, AS_OF)
    assert unreachable.errors == ["slack: delivery failed after 3 attempt(s): connection error"]

    secret_bits = [slack_url, "xoxSECRETwebhookTOKEN"]
    logged_errors = " ".join(str(r[-1]) for r in _log(conn))
    for text in (_all_text(failed), _all_text(delivered), _all_text(unreachable), caplog.text,
                 capsys.readouterr().out, logged_errors):
        for bit in secret_bits:
            assert bit not in text


def test_generic_webhook_and_email_share_the_once_only_log(conn, slack, alert_env, smtp):
    hook = RecordingServer().start()
    try:
        alert_env.setenv("LLMCOSTS_ALERT_WEBHOOK_URL", hook.base_url + "/hooks/secret-hook")
        alert_env.setenv("LLMCOSTS_SMTP_HOST", "127.0.0.1")
        alert_env.setenv("LLMCOSTS_SMTP_PORT", str(smtp.port))
        alert_env.setenv("LLMCOSTS_SMTP_FROM", "alerts@example.test")
        alert_env.setenv("LLMCOSTS_SMTP_TO", "team@example.test, lead@example.test")
        smtp.fail_next_data = 1  # a 451 first: retried within the run

        result = run_alerts(conn, AS_OF)
        assert result.channels == ("webhook", "email")
        assert result.delivered_by_channel == {"webhook": FIRED_ON_FIXTURE, "email": FIRED_ON_FIXTURE}
        body = hook.received[0].json()
        assert body["as_of"] == "2026-03-10"
        assert [g["rule"] for g in body["alerts"]] == [
            "wow_growth", "new_spender", "overnight_doubling", "feature_share", "expensive_calls",
        ]
        assert body["alerts"][0]["rows"][1]["message"] == ":fire: feature `search` spend is up 85% week over week ($12.40 -> $22.94, +$10.54), largest driver: call volume"

        assert len(smtp.messages) == 1
        mail = smtp.messages[0]
        assert mail.recipients == ["team@example.test", "lead@example.test"]
        parsed = message_from_bytes(mail.data)
        assert parsed["Subject"] == "LLM cost alerts for 2026-03-10: 9 alerts"
        assert "feature `summarize` spend is up 39% week over week ($10.00 -> $13.88, +$3.88), largest driver: cache" in parsed.get_payload(decode=True).decode()

        run_alerts(conn, AS_OF)
        assert len(hook.received) == 1 and len(smtp.messages) == 1
        assert slack.received == []  # Slack is not configured in this test
    finally:
        hook.stop()


def test_at_most_ten_rows_per_rule_then_and_n_more(conn, slack, slack_url):
    conn.execute(
        "insert into raw.llm_calls (observation_id, project_id, ts, feature, model, observation_type, "
        "cost_usd, cost_source) select 'x' || i, 'p', '2026-03-09 12:00+00', 'bulk' || i, 'gpt-4o', "
        "'GENERATION', 1 + i / 100.0, 'langfuse' from generate_series(1, 12) as i"
    )
    result = run_alerts(conn, AS_OF)
    assert len(result.fired["expensive_calls"]) == 15
    text = slack.received[0].json()["text"]
    section = text.split("*Expensive calls* (15)\n")[1]
    assert section.count(":moneybag:") == 10 and section.endswith("and 5 more")
    assert any(b["type"] == "context" and b["elements"][0]["text"] == "and 5 more"
               for b in slack.received[0].json()["blocks"])
    # the rows summarised as "and 5 more" were part of the post: delivered, not owed
    assert result.pending == 0


@pytest.fixture
def github(alert_env):
    server = RecordingServer(default=Reply(201, json.dumps({"number": 1, "html_url": "http://gh/1"}))).start()
    alert_env.setenv("LLMCOSTS_GITHUB_API_URL", server.base_url + "/api/v3")
    alert_env.setenv("LLMCOSTS_GITHUB_REPO", "acme/llm-app")
    alert_env.setenv("LLMCOSTS_GITHUB_TOKEN", "ghp_SECRETtoken")
    yield server
    server.stop()


def test_feature_share_opens_one_github_issue(conn, slack, slack_url, github):
    github.then(Reply(502, "bad_gateway"))  # transient: retried
    result = run_alerts(conn, AS_OF)
    assert result.github_issues_opened == 1
    assert len(github.received) == 2
    request = github.received[-1]
    assert request.path == "/api/v3/repos/acme/llm-app/issues"
    assert request.headers["Authorization"] == "Bearer ghp_SECRETtoken"
    issue = request.json()
    assert issue["title"] == "LLM costs: review the prompt and model of feature 'chat'"
    assert "is at 33% of 30-day spend ($211.00 of $633.92); crossed 20% today" in issue["body"]
    assert "ghp_SECRETtoken" not in _all_text(result)

    again = run_alerts(conn, AS_OF)
    assert again.github_issues_opened == 0 and len(github.received) == 2


def test_concurrent_runs_post_once(marts_warehouse, slack, slack_url):
    import threading

    slack.default = Reply(200, "ok", delay_s=0.5)
    results = []
    crashes: list[BaseException] = []

    def run():
        try:
            with psycopg.connect(marts_warehouse) as c:
                results.append(run_alerts(c, AS_OF))
        except BaseException as exc:  # a thread's exception is otherwise lost; the test must show it
            crashes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert crashes == []
    assert len(slack.received) == 1
    assert sorted(r.delivered for r in results) == [0, FIRED_ON_FIXTURE]


def test_retry_after_longer_than_the_cap_leaves_rows_pending(conn, slack, slack_url, alert_env):
    alert_env.setenv("LLMCOSTS_ALERT_RETRY_AFTER_MAX_S", "2")
    slack.then(Reply(429, "rate_limited", headers={"Retry-After": "120"}))
    started = time.monotonic()
    result = run_alerts(conn, AS_OF)
    assert time.monotonic() - started < 10
    assert len(slack.received) == 1 and result.pending == FIRED_ON_FIXTURE
