"""The HTML report: rendered from the card queries, self-contained, and clean in a real browser."""

from __future__ import annotations

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
    """The DOM after the page ran, and every console message the page produced."""
    result = _run_chromium(browser, tmp_path / "profile-dom", "--enable-logging=stderr", "--v=0",
                           "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if _CONSOLE.search(line)]
    return result.stdout, console


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
