"""`make bench` at a tiny size, so the harness keeps working. It asserts that every figure was
measured, never how fast: timings on a shared machine are not test material."""

import json

import pytest

pytestmark = pytest.mark.slow


def test_bench_harness_runs_every_section(tmp_path, monkeypatch, pg_admin_url):
    from benchmarks import run

    monkeypatch.setenv("DATABASE_URL", pg_admin_url)  # the harness creates its own database beside it
    out = tmp_path / "bench.json"
    assert run.main(["--observations", "1500", "--repeat", "1", "--scale", "2", "--output", str(out)]) == 0
    results = json.loads(out.read_text())
    ingest, build, cards, alerts = (results[k] for k in ("ingest", "build", "cards", "alerts"))
    assert ingest["observations"] == 1500 and ingest["observations_per_s"] > 0 and ingest["peak_rss_mb"] > 0
    assert ingest["ratio_to_copy"] > 0
    assert build["history_large"] > build["history_small"] > 0 and build["daily_build_ratio"] > 0
    assert cards["max_card_p95_ms"] > 0 and len(cards["raw_reference"]) == 3
    assert not [key for key, card in cards["cards"].items() if "error" in card]
    assert alerts["evaluate_all_rules_s"] >= 0
    assert results["machine"]["cpus"] >= 1
