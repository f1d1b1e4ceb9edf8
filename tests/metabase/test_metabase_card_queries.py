"""Every card's SQL runs against the warehouse and returns the columns its dashboard file declares.

The warehouse comes from the `marts_warehouse` fixture (see conftest.py): swap that one fixture to
run the same checks against the dbt-built marts.
"""

from dataclasses import replace
from datetime import date

import pytest

from metabase.card_queries import CardQueryError, run_card
from metabase.catalog import default_catalog

CARDS = default_catalog().cards

# Values for every filter a card can take. They match rows in the fixture, so filtered cards
# still return data (a filter that silently matched nothing would hide a broken clause).
ALL_FILTERS = {
    "date_from": date(2026, 5, 10),
    "date_to": date(2026, 5, 20),
    "feature": "search",
    "environment": "prod",
}


@pytest.mark.parametrize("key", sorted(CARDS))
def test_card_returns_declared_columns_unfiltered_and_filtered(marts_conn, key):
    card = CARDS[key]
    unfiltered = run_card(marts_conn, card)
    assert unfiltered.columns == card.columns
    assert unfiltered.rows, f"card {key} returned no rows from the fixture marts"
    filtered = run_card(marts_conn, card, ALL_FILTERS)
    assert filtered.columns == card.columns
    if card.tags:
        assert filtered.rows, f"card {key} returned nothing with filters {ALL_FILTERS}"


def test_filters_actually_filter(marts_conn):
    daily = CARDS["feature_cost_daily_30d"]
    unfiltered = run_card(marts_conn, daily).rows
    filtered = run_card(marts_conn, daily, ALL_FILTERS).rows
    days = {row[0] for row in unfiltered}
    # Default window: the marts' half-open 30 days [as_of - 30, as_of): as_of itself is not in it.
    assert min(days) == date(2026, 4, 20) and max(days) == date(2026, 5, 19) and len(days) == 30
    # Half-open date filter: date_to itself is excluded.
    assert {row[0] for row in filtered} == {date(2026, 5, d) for d in range(10, 20)}
    assert {row[1] for row in filtered} == {"search"}
    assert {row[1] for row in unfiltered} == {"search", "summarize", "(untagged)"}

    table = run_card(marts_conn, CARDS["feature_costs_30d"]).rows
    costs = [row[1] for row in table]
    assert costs == sorted(costs, reverse=True), "tables sort descending by 30-day cost"


def test_environment_filter_changes_the_numbers(marts_conn):
    card = CARDS["untagged_unpriced_daily"]
    everything = sum(row[1] for row in run_card(marts_conn, card).rows)
    staging = sum(row[1] for row in run_card(marts_conn, card, {"environment": "staging"}).rows)
    assert 0 < staging < everything


def test_a_broken_query_fails(marts_conn):
    card = CARDS["feature_costs_30d"]
    with pytest.raises(CardQueryError, match="feature_costs_30d"):
        run_card(marts_conn, replace(card, sql=card.sql.replace("fc.cost_7d", "fc.cost_8d")))
    with pytest.raises(CardQueryError, match="declares"):
        run_card(marts_conn, replace(card, sql=card.sql.replace("fc.cost_7d,", "fc.cost_7d as seven_day_cost,")))
    # The connection stays usable after a failed card.
    assert run_card(marts_conn, card).rows


def test_user_chart_reads_the_rollup_unfiltered_and_the_fact_per_feature(marts_conn):
    card = CARDS["user_cost_daily_30d"]
    everyone = run_card(marts_conn, card).rows
    summarize = run_card(marts_conn, card, {"feature": "summarize"}).rows
    # The fixture's summarize calls are all user-2's; unfiltered, every user shows.
    assert {row[1] for row in summarize} == {"user-2"}
    assert {"user-1", "user-2", "user-3"} <= {row[1] for row in everyone}
    # Exactly one branch contributes: the per-feature total is user-2's summarize spend, not doubled.
    expected = marts_conn.execute(
        "select sum(cost_usd) from marts.fct_llm_costs_daily where feature = 'summarize' "
        "and day >= date '2026-04-20' and day < date '2026-05-20'").fetchone()[0]
    assert sum(row[2] for row in summarize) == expected
