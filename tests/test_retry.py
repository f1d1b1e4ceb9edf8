from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from llmcosts_core.retry import backoff_seconds, retry_after_seconds


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(" 1.5 ") == 1.5
    assert retry_after_seconds("-4") == 0.0
    assert retry_after_seconds(None) is None and retry_after_seconds("") is None
    assert retry_after_seconds("soon") is None
    in_ten = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    assert 8 <= retry_after_seconds(in_ten) <= 10
    assert retry_after_seconds("Mon, 01 Jan 2001 00:00:00 GMT") == 0.0  # in the past: no wait


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half():
    assert [backoff_seconds(n, 0.5, 3.0, jitter=False) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    waits = [backoff_seconds(3, 0.5, 30.0) for _ in range(200)]
    assert all(1.0 <= w <= 2.0 for w in waits) and len(set(waits)) > 1
