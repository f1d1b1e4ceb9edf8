from datetime import UTC, date, datetime, timedelta

from ingestion.pipeline import Window, plan_window
from orchestration.defs.langfuse.schedules import partitions_to_refresh

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
LOOKBACK = timedelta(hours=48)
BACKFILL = timedelta(days=90)


def plan(month, mode="incremental", watermark=None, **kw):
    return plan_window(month=month, mode=mode, now=NOW, watermark=watermark, lookback=LOOKBACK,
                       initial_backfill=BACKFILL, **kw)


def test_full_mode_is_the_half_open_month_up_to_now():
    assert plan(date(2026, 10, 1), mode="full") == Window(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert plan(date(2026, 11, 1), mode="full") == Window(datetime(2026, 11, 1, tzinfo=UTC), NOW)
    assert plan(date(2026, 12, 1), mode="full").empty


def test_incremental_repulls_the_trailing_lookback():
    wm = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert plan(date(2026, 11, 1), watermark=wm) == Window(wm - LOOKBACK, NOW)
    # A watermark two days into the month: the lookback reaches back into October.
    wm = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert plan(date(2026, 10, 1), watermark=wm) == Window(wm - LOOKBACK, datetime(2026, 11, 1, tzinfo=UTC))


def test_first_incremental_run_backfills_from_midnight():
    window = plan(date(2026, 11, 1))
    assert window.start == datetime(2026, 11, 1, tzinfo=UTC)  # clipped to the month
    first = plan(date(2026, 8, 1))
    assert first.start == datetime(2026, 8, 24, tzinfo=UTC) and first.end == datetime(2026, 9, 1, tzinfo=UTC)


def test_explicit_since_until_clipped_to_month():
    w = plan(date(2026, 11, 1), since=datetime(2026, 10, 20, tzinfo=UTC), until=datetime(2026, 11, 5, tzinfo=UTC))
    assert w == Window(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC))


def test_hourly_schedule_refreshes_previous_month_in_first_days():
    assert partitions_to_refresh(datetime(2026, 11, 22, tzinfo=UTC)) == ["2026-11-01"]
    assert partitions_to_refresh(datetime(2026, 12, 2, 5, tzinfo=UTC)) == ["2026-11-01", "2026-12-01"]
    assert partitions_to_refresh(datetime(2027, 1, 1, tzinfo=UTC)) == ["2026-12-01", "2027-01-01"]
