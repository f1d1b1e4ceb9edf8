"""Provisioning against a local Metabase stand-in (metabase_server.py) speaking the real API shapes."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from metabase_server import FakeMetabase

from metabase.catalog import Catalog, default_catalog
from metabase.client import MetabaseAuthError, MetabaseConnectionError, MetabaseError
from metabase.sync import marker_key, sync_metabase

TCP_WAREHOUSE = "postgresql://llmcosts:s3cret-pw@warehouse.example:5432/llmcosts"


@pytest.fixture
def metabase():
    server = FakeMetabase().start()
    yield server
    server.stop()


@pytest.fixture
def metabase_env(metabase, monkeypatch):
    monkeypatch.setenv("METABASE_URL", metabase.url)
    monkeypatch.setenv("METABASE_API_KEY", metabase.api_key)
    monkeypatch.setenv("DATABASE_URL", TCP_WAREHOUSE)
    return metabase


def _without_card(catalog: Catalog, key: str) -> Catalog:
    dashboards = []
    for dashboard in catalog.dashboards:
        sections = tuple(replace(s, cards=tuple(c for c in s.cards if c.key != key)) for s in dashboard.sections)
        dashboards.append(replace(dashboard, sections=sections))
    return Catalog(dashboards=tuple(dashboards))


def _with_card_sql(catalog: Catalog, key: str, sql: str) -> Catalog:
    dashboards = []
    for dashboard in catalog.dashboards:
        sections = tuple(
            replace(s, cards=tuple(replace(c, sql=sql) if c.key == key else c for c in s.cards))
            for s in dashboard.sections
        )
        dashboards.append(replace(dashboard, sections=sections))
    return Catalog(dashboards=tuple(dashboards))


def test_first_sync_creates_everything_and_second_sync_writes_nothing(metabase_env):
    metabase = metabase_env
    catalog = default_catalog()
    first = sync_metabase()
    assert "database" in first.created and "collection" in first.created
    # Registered from DATABASE_URL, as Metabase's postgres engine expects.
    (database,) = metabase.databases.values()
    assert database["name"] == "llmcosts warehouse"
    assert database["details"]["host"] == "warehouse.example" and database["details"]["dbname"] == "llmcosts"

    cards = metabase.live_cards()
    assert sorted(marker_key(c["description"]) for c in cards) == sorted(f"card:{k}" for k in catalog.cards)
    assert all(c["collection_id"] == first.collection_id for c in cards)
    assert len(metabase.dashboards) == len(catalog.dashboards)
    by_name = {d["name"]: d for d in metabase.dashboards.values()}
    llm_cost = by_name["LLM cost"]
    assert {p["slug"] for p in llm_cost["parameters"]} == {"date_from", "date_to", "feature", "environment"}
    headings = [d["visualization_settings"]["text"] for d in llm_cost["dashcards"] if d["card_id"] is None]
    assert headings == ["By feature", "By user", "By prompt"]
    # The feature filter reaches the feature table through its template tag.
    feature_table = next(c for c in cards if c["name"].startswith("Cost by feature"))
    dashcard = next(d for d in llm_cost["dashcards"] if d["card_id"] == feature_table["id"])
    assert [m["target"] for m in dashcard["parameter_mappings"]] == [["variable", ["template-tag", "feature"]]]
    assert set(first.dashboard_urls) == {d.key for d in catalog.dashboards}

    writes_before = len(metabase.writes)
    second = sync_metabase()
    assert len(metabase.writes) == writes_before, metabase.writes[writes_before:]
    assert second.writes == 0 and not second.changed
    assert (second.database_id, second.collection_id) == (first.database_id, first.collection_id)
    assert len(second.unchanged) == len(catalog.cards) + len(catalog.dashboards)


@pytest.mark.parametrize("query_form", ["legacy", "mbql5"])
def test_second_sync_writes_nothing_whichever_form_metabase_answers_in(query_form, monkeypatch):
    # Metabase 0.57+ answers GET /api/card in MBQL 5 whatever form the card was written in; a
    # naive comparison rewrote every card on every sync (one revision per card per day).
    server = FakeMetabase(query_form=query_form).start()
    try:
        monkeypatch.setenv("METABASE_URL", server.url)
        monkeypatch.setenv("METABASE_API_KEY", server.api_key)
        monkeypatch.setenv("DATABASE_URL", TCP_WAREHOUSE)
        first = sync_metabase()
        assert len(first.created) == len(default_catalog().cards) + len(default_catalog().dashboards) + 2
        writes_before = len(server.writes)
        second = sync_metabase()
        assert server.writes[writes_before:] == [] and second.writes == 0, server.writes[writes_before:]
        assert not second.changed
        # A real edit is still seen through the MBQL 5 answer, and only that card is written.
        edited = _with_card_sql(default_catalog(), "feature_wow",
                                default_catalog().cards["feature_wow"].sql + "\n-- edited\n")
        third = sync_metabase(catalog=edited)
        assert third.updated == ["card:feature_wow"] and third.writes == 1
    finally:
        server.stop()


def test_card_that_reads_back_differently_is_an_error_naming_it(metabase_env, monkeypatch):
    # Verify-after-write: a Metabase that silently alters what we write would make every sync
    # rewrite the card; the sync says so instead of churning.
    metabase = metabase_env
    original = metabase._answer

    def mangling(card, legacy):
        answer = original(card, legacy)
        if "feature_wow" in (answer.get("description") or ""):
            answer["dataset_query"]["native"]["query"] = "select 1"
        return answer

    monkeypatch.setattr(metabase, "_answer", mangling)
    with pytest.raises(MetabaseError, match=r"card:feature_wow.*dataset_query"):
        sync_metabase()


def test_edited_query_updates_the_card_in_place(metabase_env):
    metabase = metabase_env
    sync_metabase()
    card = next(c for c in metabase.live_cards() if marker_key(c["description"]) == "card:feature_costs_30d")
    card_count = len(metabase.cards)
    edited_sql = card["dataset_query"]["native"]["query"].replace("nulls last", "nulls first")
    result = sync_metabase(catalog=_with_card_sql(default_catalog(), "feature_costs_30d", edited_sql))
    assert result.updated == ["card:feature_costs_30d"]
    assert len(metabase.cards) == card_count
    assert metabase.cards[card["id"]]["dataset_query"]["native"]["query"] == edited_sql
    # Only that card was written.
    assert metabase.writes[-1] == ("PUT", f"/api/card/{card['id']}") and result.writes == 1


def test_card_removed_from_code_is_archived_and_comes_back_without_duplicate(metabase_env):
    metabase = metabase_env
    sync_metabase()
    card = next(c for c in metabase.live_cards() if marker_key(c["description"]) == "card:feature_wow")
    removed = sync_metabase(catalog=_without_card(default_catalog(), "feature_wow"))
    assert "card:feature_wow" in removed.archived
    assert metabase.cards[card["id"]]["archived"] is True
    dashboard = next(d for d in metabase.dashboards.values() if d["name"] == "Alerts & data quality")
    assert card["id"] not in {d["card_id"] for d in dashboard["dashcards"]}

    restored = sync_metabase()
    assert "card:feature_wow" in restored.updated
    assert metabase.cards[card["id"]]["archived"] is False
    keys = [marker_key(c["description"]) for c in metabase.cards.values()]
    assert len(keys) == len(set(keys)), "a card was duplicated"


def test_moved_dashcard_is_put_back_with_same_ids(metabase_env):
    metabase = metabase_env
    sync_metabase()
    dashboard = next(d for d in metabase.dashboards.values() if d["name"] == "LLM cost")
    ids_before = sorted(d["id"] for d in dashboard["dashcards"])
    dashboard["dashcards"][0]["row"] += 40  # someone dragged a card around in the UI
    result = sync_metabase()
    assert result.updated == ["dashboard:llm_cost"]
    assert sorted(d["id"] for d in dashboard["dashcards"]) == ids_before


def test_existing_database_is_found_by_name_even_for_a_socket_warehouse(metabase, monkeypatch):
    db_id = metabase.add_database("llmcosts warehouse")
    monkeypatch.setenv("METABASE_URL", metabase.url)
    monkeypatch.setenv("METABASE_API_KEY", metabase.api_key)
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:@/llmcosts?host=/tmp/llmcosts-socket-dir")
    assert sync_metabase().database_id == db_id
    assert not any(path == "/api/database" for method, path in metabase.writes)


def test_socket_only_warehouse_without_database_says_metabase_cannot_reach_it(metabase_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:@/llmcosts?host=/tmp/llmcosts-socket-dir")
    with pytest.raises(MetabaseError, match="Unix socket only: Metabase cannot connect"):
        sync_metabase()
    assert metabase_env.writes == []


def test_unreachable_warehouse_error_names_it_without_the_password(metabase_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://llmcosts:s3cret-pw@nowhere.invalid:5432/llmcosts")
    with pytest.raises(MetabaseError, match="could not register the warehouse") as info:
        sync_metabase()
    assert "s3cret-pw" not in str(info.value) and "nowhere.invalid" in str(info.value)


def test_session_login_is_the_alternative_to_an_api_key(metabase_env, monkeypatch):
    monkeypatch.delenv("METABASE_API_KEY")
    monkeypatch.setenv("METABASE_USERNAME", metabase_env.username)
    monkeypatch.setenv("METABASE_PASSWORD", metabase_env.password)
    assert sync_metabase().collection_id
    monkeypatch.setenv("METABASE_PASSWORD", "wrong")
    with pytest.raises(MetabaseAuthError, match="METABASE_USERNAME and METABASE_PASSWORD"):
        sync_metabase()


def test_bad_api_key_gives_a_clear_message_without_the_key(metabase_env, monkeypatch):
    monkeypatch.setenv("METABASE_API_KEY", "mb_wrong_key_123")
    with pytest.raises(MetabaseAuthError, match="METABASE_API_KEY") as info:
        sync_metabase()
    assert "mb_wrong_key_123" not in str(info.value)
    assert metabase_env.writes == []


def test_missing_credentials_are_named(metabase_env, monkeypatch):
    monkeypatch.delenv("METABASE_API_KEY")
    with pytest.raises(MetabaseAuthError, match="set METABASE_API_KEY"):
        sync_metabase()


def test_wrong_url_connection_refused(monkeypatch):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("METABASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("METABASE_API_KEY", "mb_key")
    with pytest.raises(MetabaseConnectionError, match="cannot reach Metabase.*connection refused.*METABASE_URL"):
        sync_metabase()


def test_wrong_url_not_metabase(monkeypatch):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class NotMetabase(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<html>hello</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NotMetabase)
    Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("METABASE_URL", f"http://127.0.0.1:{httpd.server_address[1]}")
        monkeypatch.setenv("METABASE_API_KEY", "mb_key")
        with pytest.raises(MetabaseConnectionError, match="does not look like a Metabase server"):
            sync_metabase()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_both_query_forms_normalize_to_the_same_thing():
    from metabase.sync import normalized_dataset_query

    tag = {"id": "abc", "name": "feature", "display-name": "Feature", "type": "text"}
    legacy = {"type": "native", "database": 3,
              "native": {"query": "select 1\r\nwhere x = {{feature}}  \n", "template-tags": {"feature": tag}}}
    mbql5 = {"lib/type": "mbql/query", "database": 3, "stages": [{
        "lib/type": "mbql.stage/native", "native": "select 1\nwhere x = {{feature}}",
        "template-tags": {"feature": {"type": "text", "required": False, "default": None, **tag}}}]}
    assert normalized_dataset_query(legacy) == normalized_dataset_query(mbql5)
    # A real difference survives normalization: another database, SQL, tag type, or a required tag.
    assert normalized_dataset_query({**mbql5, "database": 4}) != normalized_dataset_query(legacy)
    changed_sql = {**mbql5, "stages": [{**mbql5["stages"][0], "native": "select 2"}]}
    assert normalized_dataset_query(changed_sql) != normalized_dataset_query(legacy)
    required = {**mbql5, "stages": [{**mbql5["stages"][0], "template-tags": {"feature": {**tag, "required": True}}}]}
    assert normalized_dataset_query(required) != normalized_dataset_query(legacy)
    # A GUI (MBQL) stage is not mistaken for our native query.
    gui = {"lib/type": "mbql/query", "database": 3, "stages": [{"lib/type": "mbql.stage/mbql", "source-table": 1}]}
    assert normalized_dataset_query(gui) != normalized_dataset_query(legacy)
