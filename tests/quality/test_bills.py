"""Provider bills: the three formats, once-only loading by content, rejects with reasons."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import psycopg
import pytest

from ingestion.quality.bills import load_bills, parse_bill

DAY = datetime(2026, 3, 10, tzinfo=UTC)


def openai_costs_page() -> dict:
    start = int(DAY.timestamp())
    return {
        "object": "page",
        "data": [
            {"object": "bucket", "start_time": start, "end_time": start + 86400, "results": [
                {"object": "organization.costs.result", "amount": {"value": 1.25, "currency": "usd"},
                 "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_abc"},
                {"object": "organization.costs.result", "amount": {"value": 0.75, "currency": "usd"},
                 "line_item": "gpt-4o-2024-08-06, output", "project_id": "proj_abc"},
                {"object": "organization.costs.result", "amount": {"value": "lots", "currency": "usd"},
                 "line_item": "gpt-4o-mini, input", "project_id": "proj_abc"},
            ]},
            {"object": "bucket", "end_time": start + 2 * 86400, "results": [
                {"object": "organization.costs.result", "amount": {"value": 2.0, "currency": "usd"},
                 "line_item": None, "project_id": None},
            ]},
        ],
        "has_more": False,
        "next_page": None,
    }


def anthropic_cost_report() -> dict:
    return {
        "data": [{
            "starting_at": "2026-03-10T00:00:00Z", "ending_at": "2026-03-11T00:00:00Z",
            "results": [
                {"currency": "USD", "amount": "123.45", "workspace_id": None, "description": "Claude Sonnet 4 Usage",
                 "cost_type": "tokens", "context_window": "0-200k", "model": "claude-sonnet-4-20250514",
                 "service_tier": "standard", "token_type": "uncached_input_tokens"},
                {"currency": "EUR", "amount": "10", "model": "claude-sonnet-4-20250514", "cost_type": "tokens"},
            ],
        }],
        "has_more": False,
        "next_page": None,
    }


GENERIC_CSV = (
    "date,provider,model,cost_usd,input_tokens,output_tokens\n"
    "2026-03-10,Mistral,mistral-large,3.50,1000,200\n"
    "2026-03-10,mistral,,1.00,,\n"
    "2026-03-1x,mistral,mistral-large,1.00,1,1\n"
    "2026-03-10,mistral,mistral-large,1.00,-4,1\n"
    "2026-03-10,mistral,mistral-large\n"
)


def test_openai_costs_json():
    parsed = parse_bill("costs.json", json.dumps(openai_costs_page()).encode())
    assert parsed.format == "openai_costs"
    assert [(line.day, line.model, line.cost_type, line.cost_usd) for line in parsed.lines] == [
        (date(2026, 3, 10), "gpt-4o-2024-08-06", "input", Decimal("1.25")),
        (date(2026, 3, 10), "gpt-4o-2024-08-06", "output", Decimal("0.75")),
    ]
    assert {line.provider for line in parsed.lines} == {"openai"}
    reasons = sorted(r.reason for r in parsed.rejects)
    assert reasons == ["amount.value is not a number: 'lots'", "bucket start_time is missing or not a Unix timestamp"]


def test_anthropic_amounts_are_cents():
    parsed = parse_bill("anthropic.json", json.dumps(anthropic_cost_report()).encode())
    assert parsed.format == "anthropic_cost_report"
    (line,) = parsed.lines
    assert line.cost_usd == Decimal("1.2345") and line.model == "claude-sonnet-4-20250514"
    assert line.provider == "anthropic" and line.day == date(2026, 3, 10) and line.cost_type == "tokens"
    assert [r.reason for r in parsed.rejects] == ["currency EUR is not USD"]


def test_generic_csv():
    parsed = parse_bill("bill.csv", GENERIC_CSV.encode())
    assert [(line.line_number, line.provider, line.model, line.cost_usd, line.input_tokens) for line in parsed.lines] == [
        (2, "mistral", "mistral-large", Decimal("3.50"), 1000),
        (3, "mistral", None, Decimal("1.00"), None),
    ]
    assert {r.line_number: r.reason for r in parsed.rejects} == {
        4: "date is not an ISO date: '2026-03-1x'",
        5: "input_tokens is negative",
        6: "3 fields, the header has 6",
    }


def test_unreadable_files_are_one_reject_each():
    assert parse_bill("x.json", b"{not json").rejects[0].reason.startswith("not valid JSON")
    assert "unknown JSON bill" in parse_bill("x.json", b'{"data": [{"foo": 1}]}').rejects[0].reason
    assert "CSV header lacks" in parse_bill("x.csv", b"day,amount\n1,2\n").rejects[0].reason


def _counts(url):
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(f"select count(*) from raw.{table}").fetchone()[0]  # noqa: S608
            for table in ("provider_bill_files", "provider_bills", "provider_bill_rejects")
        }


def _load(url, folder):
    with psycopg.connect(url) as conn:
        return load_bills(conn, folder)


def test_a_bill_loaded_twice_is_counted_once(migrated_warehouse, tmp_path):
    (tmp_path / "openai.json").write_text(json.dumps(openai_costs_page()))
    (tmp_path / "anthropic.json").write_text(json.dumps(anthropic_cost_report()))
    (tmp_path / "bill.csv").write_text(GENERIC_CSV)
    (tmp_path / "notes.txt").write_text("not a bill")
    first = _load(migrated_warehouse, tmp_path)
    assert (first.files_loaded, first.lines_loaded, first.lines_rejected) == (3, 5, 6)
    after_first = _counts(migrated_warehouse)
    assert after_first == {"provider_bill_files": 3, "provider_bills": 5, "provider_bill_rejects": 6}

    # the same run again, plus the same export saved under another name: nothing new
    (tmp_path / "openai-copy.json").write_text(json.dumps(openai_costs_page()))
    second = _load(migrated_warehouse, tmp_path)
    assert second.files_loaded == 0 and second.files_already_loaded == 4
    assert _counts(migrated_warehouse) == after_first
    with psycopg.connect(migrated_warehouse) as conn:
        total = conn.execute("select sum(cost_usd) from raw.provider_bills").fetchone()[0]
    assert total == Decimal("1.25") + Decimal("0.75") + Decimal("1.2345") + Decimal("3.50") + Decimal("1.00")


def test_nothing_is_lost(migrated_warehouse, tmp_path):
    """Every line of a file is either loaded or rejected with its raw text."""
    (tmp_path / "bill.csv").write_text(GENERIC_CSV)
    (tmp_path / "broken.json").write_text("{not json")
    _load(migrated_warehouse, tmp_path)
    with psycopg.connect(migrated_warehouse) as conn:
        loaded = [r[0] for r in conn.execute("select line_number from raw.provider_bills order by 1")]
        rejected = {r[0]: r[1] for r in conn.execute(
            "select line_number, raw from raw.provider_bill_rejects where file_name = 'bill.csv'")}
        broken = conn.execute("select raw from raw.provider_bill_rejects where file_name = 'broken.json'").fetchone()
    assert sorted(loaded + list(rejected)) == [2, 3, 4, 5, 6]
    assert rejected[6] == "2026-03-10,mistral,mistral-large"
    assert broken == ("{not json",)


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_costs_are_rejected(value):
    parsed = parse_bill("b.csv", f"date,provider,model,cost_usd\n2026-03-10,x,m,{value}\n".encode())
    assert not parsed.lines and "finite" in parsed.rejects[0].reason
