"""The dashboards-as-code files: they load, fit the grid, and reject the typos that would break Metabase."""

import textwrap

import pytest

from metabase.catalog import GRID_COLUMNS, CatalogError, load_catalog, load_dashboard
from metabase.sync import card_payload, dashboard_parameters, dashcards, visualization_settings


def test_the_three_dashboards_load_with_the_required_sections():
    catalog = load_catalog()
    names = [d.name for d in catalog.dashboards]
    assert names[:3] == ["LLM cost", "Prompts & features", "Alerts & data quality"]
    assert "Pricing & attribution" in names  # dashboards/pricing_and_attribution.yaml
    llm_cost = catalog.dashboards[0]
    assert [s.title for s in llm_cost.sections] == ["Headline", "By feature", "By user", "By prompt"]
    for section in llm_cost.sections[1:]:
        table, series = section.cards
        assert table.visualization == "table"
        # The 7-day cost sits right beside the 30-day cost (the sort key).
        assert table.columns.index("cost_7d") == table.columns.index("cost_30d") + 1
        assert series.visualization == "line" and series.x == "day"
    assert {c.visualization for c in llm_cost.sections[0].cards} == {"number"}
    for dashboard in catalog.dashboards:
        assert all(c.layout.col + c.layout.size_x <= GRID_COLUMNS for c in dashboard.cards)
        # Each filter is used by at least one card, or it would be a dead control.
        used = {tag for card in dashboard.cards for tag in card.tags}
        assert set(dashboard.filters) <= used, dashboard.key


def _write(tmp_path, body: str):
    path = tmp_path / "board.yaml"
    path.write_text(textwrap.dedent(body))
    return path


BASE = """
key: board
name: Board
filters: [feature]
sections:
  - title: One
    heading_row: 0
    cards:
      - card: feature_costs_30d
        description: Cost per feature.
        visualization: {viz}
        columns: [feature, cost_30d, cost_7d, calls_30d, calls_7d, cost_per_call_30d, share_of_total_30d]
        layout: {layout}
"""


@pytest.mark.parametrize(
    ("viz", "layout", "message"),
    [
        ("table", "{row: 0, col: 0, size_x: 12, size_y: 4}", "overlaps heading"),
        ("table", "{row: 1, col: 20, size_x: 6, size_y: 4}", "24-column grid"),
        ("table", "{row: 1, col: 0, size_x: 6}", "layout needs"),
        ("pie", "{row: 1, col: 0, size_x: 6, size_y: 4}", "visualization must be"),
        ("line", "{row: 1, col: 0, size_x: 6, size_y: 4}", "needs `x` and `y`"),
    ],
)
def test_bad_dashboard_files_are_rejected(tmp_path, viz, layout, message):
    with pytest.raises(CatalogError, match=message):
        load_dashboard(_write(tmp_path, BASE.format(viz=viz, layout=layout)))


def test_unknown_card_and_stray_column_are_rejected(tmp_path):
    ok = BASE.format(viz="table", layout="{row: 1, col: 0, size_x: 12, size_y: 4}")
    assert load_dashboard(_write(tmp_path, ok)).cards[0].tags == ["feature"]
    with pytest.raises(CatalogError, match="no query file"):
        load_dashboard(_write(tmp_path, ok.replace("card: feature_costs_30d", "card: no_such_card")))
    with pytest.raises(CatalogError, match="not in `columns`"):
        load_dashboard(_write(tmp_path, ok.replace("layout:", "format: {cost_90d: currency}\n        layout:")))
    with pytest.raises(CatalogError, match="not template tags"):
        load_dashboard(_write(tmp_path, ok.replace("filters: [feature]", "filters: [region]")))
    with pytest.raises(CatalogError, match="give the card a `description`"):
        load_dashboard(_write(tmp_path, ok.replace("        description: Cost per feature.\n", "")))
    with pytest.raises(CatalogError, match="titles for column"):
        load_dashboard(_write(tmp_path, ok.replace("layout:", "titles: {cost_90d: Cost}\n        layout:")))


def test_every_card_reads_as_a_person_would_in_metabase():
    """Human titles for the card and every column, a description, money to the cent, and counts
    never on a dollar axis: all written by the sync as visualization settings."""
    import json

    for key, card in load_catalog().cards.items():
        assert card.name and card.name != key and card.description.strip(), key
        settings = visualization_settings(card)
        columns = settings["column_settings"]
        for column in card.columns:
            title = columns[json.dumps(["name", column])]["column_title"]
            assert title and "_" not in title and title[0].isupper(), (key, column, title)
            if card.formats.get(column) == "currency":
                assert columns[json.dumps(["name", column])]["decimals"] == 2, (key, column)
        if card.visualization in ("line", "bar"):
            assert settings["graph.x_axis.title_text"] and "_" not in settings["graph.x_axis.title_text"], key
            left = {card.formats.get(m) for m in card.y}
            assert len(left) == 1, f"{key}: one axis mixes {left}: put the other unit under y_right"
            assert not (set(card.y) & set(card.reference)), key
    untagged = load_catalog().cards["untagged_unpriced_daily"]
    settings = visualization_settings(untagged)
    assert settings["series_settings"]["unpriced_calls"]["axis"] == "right"
    assert settings["graph.y_axis.auto_split"] is False
    assert all(settings["series_settings"][m]["axis"] == "left" for m in untagged.y)


def test_payloads_wire_filters_by_template_tag():
    catalog = load_catalog()
    llm_cost = catalog.dashboards[0]
    card = catalog.cards["feature_cost_daily_30d"]
    payload = card_payload(card, database_id=7, collection_id=3)
    native = payload["dataset_query"]["native"]
    assert payload["dataset_query"]["type"] == "native" and payload["dataset_query"]["database"] == 7
    assert set(native["template-tags"]) == {"date_from", "date_to", "feature", "environment"}
    assert native["template-tags"]["date_from"]["type"] == "date"
    assert payload["display"] == "line" and payload["description"].endswith("[llmcosts:key=card:feature_cost_daily_30d]")
    assert visualization_settings(card)["graph.dimensions"] == ["day", "feature"]
    # Ids are stable across runs, so a re-sync never rewires filters.
    assert card_payload(card, 7, 3) == payload
    ids = {key: i for i, key in enumerate(catalog.cards)}
    parameters = {p["slug"]: p["id"] for p in dashboard_parameters(llm_cost)}
    wired = next(d for d in dashcards(llm_cost, ids) if d["card_id"] == ids["feature_cost_daily_30d"])
    assert {m["parameter_id"] for m in wired["parameter_mappings"]} == set(parameters.values())
    headline = next(d for d in dashcards(llm_cost, ids) if d["card_id"] == ids["headline_spend_1d"])
    assert headline["parameter_mappings"] == []
