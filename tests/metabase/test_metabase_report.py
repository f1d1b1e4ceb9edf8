"""The HTML report: rendered from the card queries, self-contained, and clean in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from metabase.catalog import Catalog, default_catalog
from metabase.report import render_html, write_html_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
_CONSOLE = re.compile(r":CONSOLE[:(]")


def _chromium() -> str:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium not installed: apt-get install -y chromium (CI's .ci/run installs it)")


def _run_chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def load_in_browser(browser: str, page: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """The DOM after the page ran (laid out 1400 px wide), and every console message it produced."""
    result = _run_chromium(browser, tmp_path / "profile-dom", "--enable-logging=stderr", "--v=0",
                           "--window-size=1400,5000", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if _CONSOLE.search(line)]
    return result.stdout, console


# Measured in the browser, after layout at 1400 px: the report itself has no script (it must open
# anywhere, offline), so the test appends this one to a copy of the page.
_LAYOUT_PROBE = """
<script>
(() => {
  const lastDay = document.querySelector('header').dataset.lastCompleteDay;
  const cards = [...document.querySelectorAll('.card')];
  const result = {
    last_complete_day: lastDay,
    overflowing: cards.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.dataset.card),
    clipped_svgs: [...document.querySelectorAll('.card svg')].filter(svg => {
      const card = svg.closest('.card').getBoundingClientRect(), box = svg.getBoundingClientRect();
      return box.right > card.right + 1 || box.left < card.left - 1;
    }).map(svg => svg.closest('.card').dataset.card),
    errors: [...document.querySelectorAll('.card-error, .has-error')].map(e => e.closest('.card').dataset.card),
    windowed_last_x: Object.fromEntries([...document.querySelectorAll('.card[data-window="reporting"] svg')]
      .map(svg => [svg.closest('.card').dataset.card, svg.dataset.lastX])),
    period_charts: Object.fromEntries([...document.querySelectorAll('.card:not([data-window]) svg[data-x-kind="date"]')]
      .map(svg => [svg.closest('.card').dataset.card,
                   {last_x: svg.dataset.lastX, marked: !!svg.querySelector('[data-marks="last-complete-day"]')}])),
  };
  const out = document.createElement('pre');
  out.id = 'layout-probe';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
})();
</script>
"""


def probe_layout(browser: str, page: Path, tmp_path: Path) -> tuple[dict, list[str]]:
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text().replace("</body>", _LAYOUT_PROBE + "</body>"))
    dom, console = load_in_browser(browser, probed, tmp_path)
    match = re.search(r'<pre id="layout-probe">(.*?)</pre>', dom, re.DOTALL)
    assert match, "the layout probe did not run"
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&")), console


def test_layout_probe_sees_overflow_errors_and_a_wrong_last_day(tmp_path):
    # Each check below must be able to fail: a page with every defect trips every one.
    browser = _chromium()
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><body><header data-last-complete-day="2026-05-19"></header>'
        '<div class="card" data-card="wide" style="width:200px;overflow:auto"><table><tr><td style="white-space:nowrap">'
        + "x" * 400 + '</td></tr></table></div>'
        '<div class="card has-error" data-card="broken"><div class="card-error">boom</div></div>'
        '<div class="card" data-card="late" data-window="reporting" style="width:300px">'
        '<svg width="600" data-last-x="2026-05-20" data-x-kind="date"></svg></div>'
        '<div class="card" data-card="period"><svg data-last-x="2026-05-31" data-x-kind="date"></svg></div>'
        '</body></html>')
    probe, _ = probe_layout(browser, page, tmp_path)
    assert set(probe["overflowing"]) >= {"wide", "late"}
    assert probe["clipped_svgs"] == ["late"]
    assert set(probe["errors"]) == {"broken"}
    assert probe["windowed_last_x"] == {"late": "2026-05-20"} != {"late": probe["last_complete_day"]}
    assert probe["period_charts"] == {"period": {"last_x": "2026-05-31", "marked": False}}


def test_console_errors_are_caught(tmp_path):
    # The check below would be worthless if console messages went unnoticed: prove it sees one.
    browser = _chromium()
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>console.error('boom'); missing();</script></body></html>")
    _, console = load_in_browser(browser, page, tmp_path)
    assert any("boom" in line for line in console) and any("missing" in line for line in console)


def test_report_renders_three_dashboards_with_data_in_chromium(marts_conn, fixture_as_of, tmp_path):
    browser = _chromium()
    page = write_html_report(tmp_path / "report.html", marts_conn, as_of=fixture_as_of)
    source = page.read_text()
    # Self-contained: nothing is fetched from anywhere (the demo machine has no network).
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", source), "the page loads an external resource"
    assert "@import" not in source and "url(" not in source and "<script" not in source

    dom, console = load_in_browser(browser, page, tmp_path)
    assert console == [], f"console messages: {console}"
    probe, probe_console = probe_layout(browser, page, tmp_path)
    assert probe_console == [], probe_console
    assert probe["last_complete_day"] == "2026-05-19"  # as_of 2026-05-20 is a partial day
    assert probe["errors"] == [], f"cards showing an error: {probe['errors']}"
    assert probe["overflowing"] == [], f"cards cut off at 1400 px: {probe['overflowing']}"
    assert probe["clipped_svgs"] == [], f"charts wider than their card: {probe['clipped_svgs']}"
    # Every time series ends at the last complete day, never on the partial as_of day...
    assert probe["windowed_last_x"] and set(probe["windowed_last_x"].values()) == {"2026-05-19"}, \
        probe["windowed_last_x"]
    # ...and a period chart (a budget month, projected to its end) marks where actuals stop.
    for key, chart in probe["period_charts"].items():
        assert chart["last_x"] <= "2026-05-19" or chart["marked"], (key, chart)
    for dashboard in ("LLM cost", "Prompts &amp; features", "Alerts &amp; data quality"):
        assert f"<h2>{dashboard}</h2>" in dom
    for section in ("By feature", "By user", "By prompt"):
        assert f'data-section="{section}"' in dom
    cards = dict(re.findall(r'data-card="([^"]+)" data-rows="(\d+)"', dom))
    assert set(cards) == set(default_catalog().cards)
    empty = sorted(key for key, rows in cards.items() if rows == "0")
    assert empty == [], f"cards without data: {empty}"
    assert "has-error" not in dom
    assert dom.count("<polyline") >= 3 + 3 + 3  # three series per LLM-cost time series at least
    assert "$142.00" in dom  # the 30-day headline from the fixture's spend_summary
    # Human column titles, money to the cent.
    assert "<th" in dom and "share_of_total_30d</th>" not in dom and "Share of total, 30 days</th>" in dom
    assert not re.search(r"\$\d+\.\d{3,}", dom), "an amount printed with more than cents"
    # Counts on their own axis in the untagged/unpriced chart; the burn-down limit does not set its scale.
    untagged = re.search(r'data-card="untagged_unpriced_daily".*?</svg>', dom, re.DOTALL).group(0)
    assert "Calls without a price (right axis)" not in untagged  # the legend is after the svg
    assert "Calls →" in untagged
    burndown = re.search(r'data-card="budget_burndown_global".*?class="legend"', dom, re.DOTALL).group(0)
    assert 'stroke-dasharray="6,4"' in burndown and "organisation · Limit" in burndown  # in range: drawn dashed

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "metabase_report.png"
    screenshot.unlink(missing_ok=True)
    shot = _run_chromium(browser, tmp_path / "profile-shot", "--window-size=1400,5000",
                         f"--screenshot={screenshot}", page.as_uri())
    assert shot.returncode == 0 and screenshot.stat().st_size > 10_000, shot.stderr[-2000:]
    shutil.copy(page, ARTIFACTS / "metabase_report.html")


def test_a_failing_card_shows_its_error_in_place(marts_conn):
    catalog = default_catalog()
    first = catalog.dashboards[0]
    section = first.sections[1]
    broken = replace(section.cards[0], sql="select no_such_column from marts.feature_costs")
    sections = (first.sections[0], replace(section, cards=(broken, *section.cards[1:])), *first.sections[2:])
    page = render_html(marts_conn, catalog=Catalog(dashboards=(replace(first, sections=sections),)))
    assert page.count("has-error") == 1 and "no_such_column" in page
    # The cards around it still render with their data.
    assert re.search(r'data-card="feature_cost_daily_30d" data-rows="[1-9]', page)


def _chart_result(rows, **card_fields):
    from metabase.card_queries import CardResult
    from metabase.catalog import Card, Layout

    card = Card(key="k", name="Chart", sql="", visualization="line", layout=Layout(0, 0, 12, 7),
                description="d", **card_fields)
    return CardResult(card=card, columns=card.columns, rows=rows)


def test_a_far_away_limit_is_a_note_not_the_scale_and_gaps_stay_gaps():
    from datetime import date

    from metabase.report import _chart

    days = [date(2026, 5, d) for d in range(1, 11)]
    fields = dict(columns=("day", "spent", "projected", "limit_usd"), x="day", y=("spent", "projected"),
                  reference=("limit_usd",), formats={"spent": "currency", "projected": "currency",
                                                     "limit_usd": "currency"},
                  titles={"day": "Day", "spent": "Spent", "projected": "Projected", "limit_usd": "Limit"},
                  y_title="US dollars")
    rows = [(d, 30.0 * i if i < 6 else None, 30.0 * i, 3000) for i, d in enumerate(days, 1)]
    svg = _chart(_chart_result(rows, **fields), last_complete_day=date(2026, 5, 5))
    assert "Limit: $3,000.00, above the chart" in svg
    assert "<title>Limit</title>" not in svg  # not drawn, so $300 of spend is not a flat line at the bottom
    ticks = re.findall(r'text-anchor="end">\$([\d,]+)</text>', svg)
    assert ticks == ["0", "100", "200", "300"], ticks  # round ticks from zero, no $3,000 axis
    # Spent stops on day 5: one segment of 5 points, not a drop to $0 afterwards.
    spent = re.search(r'points="([^"]+)"><title>Spent</title>', svg).group(1)
    assert len(spent.split()) == 5
    assert 'data-marks="last-complete-day"' in svg and 'data-last-x="2026-05-10"' in svg

    near = [(d, 30.0 * i, 30.0 * i, 400) for i, d in enumerate(days, 1)]
    svg = _chart(_chart_result(near, **fields))
    assert "<title>Limit</title>" in svg and "above the chart" not in svg


def test_money_reads_one_way():
    from metabase.report import format_value, nice_ticks

    assert [format_value(v, "currency") for v in (1234.5, 0.05, 0.004, 0, -0.001, 16.62)] == [
        "$1,234.50", "$0.05", "< $0.01", "$0.00", "> -$0.01", "$16.62"]
    assert nice_ticks(0, 3.47) == [0, 1, 2, 3, 4]
    assert nice_ticks(0, 4756.6) == [0, 2000, 4000, 6000]


def test_a_table_of_thousands_of_users_shows_its_top_rows_and_says_how_many_it_left_out():
    from metabase.card_queries import CardResult
    from metabase.catalog import Card, Layout
    from metabase.report import MAX_TABLE_ROWS, _table, query_row_limit

    card = Card(key="users", name="Users", sql="select user_id, cost from marts.user_costs order by cost desc",
                visualization="table", columns=("user_id", "cost"), layout=Layout(0, 0, 12, 7),
                description="d", formats={"cost": "currency"})
    rows = [(f"user_{i}", 5000.0 - i) for i in range(5000)]
    html = _table(CardResult(card=card, columns=card.columns, rows=rows))
    assert html.count("<tr") - 1 == MAX_TABLE_ROWS  # header row + at most K body rows
    assert f"Top {MAX_TABLE_ROWS} of 5,000 rows" in html and "4,950 not shown" in html
    assert html.index('class="more"') < html.index("<table")  # seen before scrolling the card
    assert "user_0<" in html and f"user_{MAX_TABLE_ROWS}<" not in html

    # A query that stops at its own limit never claims its rows are all the rows.
    limited = replace(card, sql=card.sql + "\nlimit 200  -- the most expensive")
    assert query_row_limit(limited.sql) == 200
    html = _table(CardResult(card=limited, columns=card.columns, rows=rows[:200]))
    assert "the first 200 rows" in html and "there may be more" in html
    html = _table(CardResult(card=replace(card, sql=card.sql + " limit 50"), columns=card.columns, rows=rows[:50]))
    assert "All 50 rows" in html and "there may be more" in html
    # A short table carries no note.
    assert 'class="more"' not in _table(CardResult(card=card, columns=card.columns, rows=rows[:12]))
