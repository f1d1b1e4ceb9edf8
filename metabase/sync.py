"""Provision Metabase from the catalog: the warehouse database, a collection, cards, dashboards.

Idempotent by design. Every object this module creates carries a marker in its description,
`[llmcosts:key=<kind>:<key>]`, and is found again by that marker, never by name or id kept
elsewhere. Each run compares the desired fields with what Metabase holds and writes only what
differs: a second sync makes no write, an edited query updates its card in place, and a card or
dashboard that left the code is archived (not deleted: a person may have linked to it).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from llmcosts_core.settings import Settings, get_settings
from llmcosts_core.warehouse import connection_params, database_url
from metabase.catalog import GRID_COLUMNS, TAG_TYPES, Card, Catalog, Dashboard, default_catalog
from metabase.client import MetabaseClient, MetabaseConfig, MetabaseError, metabase_config

log = logging.getLogger(__name__)

COLLECTION_NAME = "LLM costs"
_MARKER = re.compile(r"\[llmcosts:key=([^\]\s]+)\]")
# Namespace for the stable ids of template tags and dashboard parameters: the same code gives the
# same ids on every run and every Metabase, so dashboards' parameter mappings never churn.
_ID_NAMESPACE = uuid.UUID("7b0f3f4e-5a51-4c8e-9a43-2d7f6c1e0b11")


@dataclass
class SyncResult:
    metabase_url: str
    database_id: int
    collection_id: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dashboard_urls: dict[str, str] = field(default_factory=dict)
    writes: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.archived)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- desired state --------------------------------------------------------------------------

def marker(key: str) -> str:
    return f"[llmcosts:key={key}]"


def marker_key(description: str | None) -> str | None:
    match = _MARKER.search(description or "")
    return match.group(1) if match else None


def _described(text: str, key: str) -> str:
    note = "Managed by llmcosts (metabase/ in the repo): edits made here are overwritten by the next sync."
    return "\n\n".join(part for part in (text.strip(), note, marker(key)) if part)


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(parts)))


def _parameter_type(tag: str) -> tuple[str, str]:
    """(Metabase parameter type, sectionId) for a tag: single dates and plain string equality."""
    kind = TAG_TYPES[tag][0]
    return ("date/single", "date") if kind == "date" else ("string/=", "string")


def _column_settings(card: Card) -> dict[str, Any]:
    """Per column: its human title, and how its numbers read (dollars to the cent, percentages,
    whole counts), the same rules as the HTML report."""
    settings: dict[str, Any] = {}
    for column in card.columns:
        setting: dict[str, Any] = {"column_title": card.titles[column]}
        fmt = card.formats.get(column)
        if fmt == "currency":
            setting.update({"number_style": "currency", "currency": "USD", "currency_style": "symbol",
                            "decimals": 2})
        elif fmt == "percent":
            setting.update({"number_style": "percent", "decimals": 1})
        elif fmt == "integer":
            setting["decimals"] = 0
        settings[json.dumps(["name", column])] = setting
    return settings


def visualization_settings(card: Card) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if card.visualization in ("line", "bar"):
        settings["graph.dimensions"] = [card.x] + ([card.series] if card.series else [])
        settings["graph.metrics"] = list(card.metrics)
        settings["graph.x_axis.title_text"] = card.titles[card.x]
        if card.y_title:
            settings["graph.y_axis.title_text"] = card.y_title
        if card.y_right:
            # Counts and dollars never share an axis: the right-hand metrics get their own, and
            # Metabase must not re-split the axes on its own.
            settings["graph.y_axis.auto_split"] = False
            settings["series_settings"] = {
                **{m: {"axis": "left", "title": card.titles[m]} for m in card.y},
                **{m: {"axis": "right", "title": card.titles[m], "line.style": "dashed"} for m in card.y_right},
            }
        elif not card.series:
            settings["series_settings"] = {m: {"title": card.titles[m]} for m in card.y}
    elif card.visualization == "number":
        settings["scalar.field"] = card.columns[0]
    elif card.visualization == "progress":
        settings["progress.goal"] = card.goal
    if card.highlight:
        settings["table.column_formatting"] = [{
            "id": 0, "columns": list(card.columns), "type": "single", "operator": "=", "value": True,
            "color": "#EF8C8C", "highlight_row": True,
        }]
    settings["column_settings"] = _column_settings(card)
    return settings


def card_payload(card: Card, database_id: int, collection_id: int) -> dict[str, Any]:
    """The fields of `POST /api/card` / `PUT /api/card/:id` for one card (native SQL query)."""
    template_tags = {}
    parameters = []
    for tag in card.tags:
        kind, label = TAG_TYPES[tag]
        tag_id = stable_id("card", card.key, tag)
        template_tags[tag] = {"id": tag_id, "name": tag, "display-name": label, "type": kind}
        parameter_type, _ = _parameter_type(tag)
        parameters.append({
            "id": tag_id, "type": parameter_type, "target": ["variable", ["template-tag", tag]],
            "name": label, "slug": tag,
        })
    return {
        "name": card.name,
        "description": _described(card.description, f"card:{card.key}"),
        "display": card.display,
        "visualization_settings": visualization_settings(card),
        "collection_id": collection_id,
        "dataset_query": {
            "type": "native",
            "native": {"query": card.sql, "template-tags": template_tags},
            "database": database_id,
        },
        "parameters": parameters,
    }


def dashboard_parameters(dashboard: Dashboard) -> list[dict[str, Any]]:
    parameters = []
    for tag in dashboard.filters:
        parameter_type, section = _parameter_type(tag)
        parameters.append({
            "id": stable_id("dashboard", dashboard.key, tag)[:8],
            "name": TAG_TYPES[tag][1], "slug": tag, "type": parameter_type, "sectionId": section,
        })
    return parameters


def _heading(title: str, row: int) -> dict[str, Any]:
    # A heading is a "virtual" dashcard: no card, its text in visualization_settings.
    return {
        "card_id": None, "row": row, "col": 0, "size_x": GRID_COLUMNS, "size_y": 1,
        "series": [], "parameter_mappings": [],
        "visualization_settings": {
            "virtual_card": {"name": None, "display": "heading", "visualization_settings": {},
                             "dataset_query": {}, "archived": False},
            "text": title,
            "dashcard.background": False,
        },
    }


def dashcards(dashboard: Dashboard, card_ids: dict[str, int]) -> list[dict[str, Any]]:
    """The dashboard's dashcards (without ids): section headings, then cards with their filter
    wiring. A filter reaches a card through the card's template tag of the same name."""
    parameter_ids = {p["slug"]: p["id"] for p in dashboard_parameters(dashboard)}
    result = []
    for section in dashboard.sections:
        if section.heading_row is not None:
            result.append(_heading(section.title, section.heading_row))
        for card in section.cards:
            card_id = card_ids[card.key]
            result.append({
                "card_id": card_id,
                "row": card.layout.row, "col": card.layout.col,
                "size_x": card.layout.size_x, "size_y": card.layout.size_y,
                "series": [],
                "visualization_settings": {},
                "parameter_mappings": [
                    {"parameter_id": parameter_ids[tag], "card_id": card_id,
                     "target": ["variable", ["template-tag", tag]]}
                    for tag in card.tags if tag in parameter_ids
                ],
            })
    return result


# -- comparison -----------------------------------------------------------------------------

def _contains(actual: Any, desired: Any) -> bool:
    """True when `actual` holds everything `desired` says. Metabase adds its own keys (ids,
    timestamps, defaults) to what it stores; those extras are not differences."""
    if isinstance(desired, dict):
        return isinstance(actual, dict) and all(_contains(actual.get(k), v) for k, v in desired.items())
    if isinstance(desired, list):
        return (isinstance(actual, list) and len(actual) == len(desired)
                and all(_contains(a, d) for a, d in zip(actual, desired, strict=True)))
    return actual == desired


# Template-tag keys whose absence means the value below: Metabase 0.57 spells them out, older
# versions and our payloads may leave them out. Equal either way.
_TAG_DEFAULTS: dict[str, Any] = {"required": False, "default": None}


def _normalized_tag(tag: Any) -> Any:
    if not isinstance(tag, dict):
        return tag
    return {k: v for k, v in sorted(tag.items()) if not (k in _TAG_DEFAULTS and v == _TAG_DEFAULTS[k])}


def _normalized_sql(sql: Any) -> Any:
    # Line endings and trailing blanks are not part of a query's meaning (an editor may change them).
    if not isinstance(sql, str):
        return sql
    return "\n".join(line.rstrip() for line in sql.replace("\r\n", "\n").split("\n")).strip()


def normalized_dataset_query(query: Any) -> Any:
    """A native `dataset_query` in one canonical form, whichever form Metabase answered in.

    Legacy MBQL: `{"type": "native", "native": {"query": sql, "template-tags": {...}}, "database": n}`.
    MBQL 5 (what `GET /api/card` returns since Metabase 0.57): `{"lib/type": "mbql/query",
    "database": n, "stages": [{"lib/type": "mbql.stage/native", "native": sql, "template-tags":
    {...}}]}`. Both become `{"database": n, "sql": sql, "template-tags": {...}}`, with tags' keys
    sorted and defaults dropped. Anything else (a GUI query, several stages) is returned as it is,
    so it compares unequal to our native query and gets rewritten."""
    if not isinstance(query, dict):
        return query
    if query.get("lib/type") == "mbql/query":
        stages = query.get("stages") or []
        if len(stages) != 1 or not isinstance(stages[0], dict) \
                or stages[0].get("lib/type") != "mbql.stage/native":
            return query
        sql, tags = stages[0].get("native"), stages[0].get("template-tags")
    elif query.get("type") == "native" and isinstance(query.get("native"), dict):
        sql, tags = query["native"].get("query"), query["native"].get("template-tags")
    else:
        return query
    return {
        "database": query.get("database"),
        "sql": _normalized_sql(sql),
        "template-tags": {name: _normalized_tag(tag) for name, tag in sorted((tags or {}).items())},
    }


def _card_differences(actual: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    skip = ("visualization_settings", "dataset_query")
    differing = [k for k, v in desired.items() if k not in skip and not _contains(actual.get(k), v)]
    if normalized_dataset_query(actual.get("dataset_query")) != normalized_dataset_query(desired["dataset_query"]):
        differing.append("dataset_query")
    # Visualization settings are compared exactly: a setting removed from the code must go.
    if (actual.get("visualization_settings") or {}) != desired["visualization_settings"]:
        differing.append("visualization_settings")
    if actual.get("archived"):
        differing.append("archived")
    return differing


def _dashcard_key(dashcard: dict[str, Any]) -> tuple[str, Any]:
    if dashcard.get("card_id") is not None:
        return ("card", dashcard["card_id"])
    return ("text", (dashcard.get("visualization_settings") or {}).get("text"))


def _dashcard_matches(actual: dict[str, Any], desired: dict[str, Any]) -> bool:
    for name in ("row", "col", "size_x", "size_y"):
        if actual.get(name) != desired[name]:
            return False
    if not _contains(actual.get("visualization_settings") or {}, desired["visualization_settings"]):
        return False

    def mappings(dashcard: dict[str, Any]) -> list[tuple[str, Any, str]]:
        return sorted((m.get("parameter_id"), m.get("card_id"), json.dumps(m.get("target")))
                      for m in dashcard.get("parameter_mappings") or [])

    return mappings(actual) == mappings(desired)


def _actual_dashcards(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    # `dashcards` since Metabase 0.47; older versions called them `ordered_cards`.
    return dashboard.get("dashcards") or dashboard.get("ordered_cards") or []


# -- the sync -------------------------------------------------------------------------------

def _listing(body: Any) -> list[dict[str, Any]]:
    """Metabase returns some lists bare and some wrapped as {"data": [...], "total": n}."""
    if isinstance(body, dict):
        body = body.get("data", [])
    return list(body or [])


def _warehouse_details(config: MetabaseConfig, settings: Settings) -> dict[str, Any]:
    url = config.warehouse_url_for_metabase.get() if config.warehouse_url_for_metabase else database_url(settings)
    params = connection_params(url)
    ssl = any(mode in url for mode in ("sslmode=require", "sslmode=verify-ca", "sslmode=verify-full"))
    return {"host": params["host"], "port": params["port"], "dbname": params["dbname"],
            "user": params["user"], "password": params["password"], "ssl": ssl}


def ensure_database(client: MetabaseClient, config: MetabaseConfig, settings: Settings) -> int:
    """The id of the warehouse in Metabase: found by name, then by host and database name,
    else registered."""
    databases = _listing(client.get("/api/database"))
    for db in databases:
        if db.get("name") == config.database_name:
            return int(db["id"])
    details = _warehouse_details(config, settings)
    for db in databases:
        existing = db.get("details") or {}
        if (db.get("engine") == "postgres" and existing.get("host") == details["host"]
                and str(existing.get("dbname")) == str(details["dbname"])):
            return int(db["id"])
    if str(details["host"]).startswith("/"):
        raise MetabaseError(
            f"Metabase has no database named {config.database_name!r}, and the warehouse is the embedded "
            "Postgres, which listens on a Unix socket only: Metabase cannot connect to it. Point "
            "DATABASE_URL at a Postgres server reachable over TCP (or set LLMCOSTS_METABASE_WAREHOUSE_URL "
            f"to the address Metabase should use), or add the warehouse in Metabase yourself as {config.database_name!r}"
            " (or set LLMCOSTS_METABASE_DATABASE_NAME to the name it has there)."
        )
    try:
        created = client.post("/api/database", {
            "engine": "postgres", "name": config.database_name, "details": details, "is_full_sync": True,
        })
    except MetabaseError as exc:
        message = str(exc).replace(str(details["password"]), "***") if details["password"] else str(exc)
        raise MetabaseError(
            f"Metabase could not register the warehouse ({details['host']}:{details['port']}/"
            f"{details['dbname']}): {message}"
        ) from None
    return int(created["id"])


def ensure_collection(client: MetabaseClient, result: SyncResult | None = None) -> int:
    key = "collection:llm_costs"
    collections = [c for c in _listing(client.get("/api/collection")) if not c.get("archived")]
    for collection in collections:
        if marker_key(collection.get("description")) == key:
            return int(collection["id"])
    # Adopt a same-named top-level collection made by hand rather than create a look-alike.
    for collection in collections:
        if collection.get("name") == COLLECTION_NAME and collection.get("location", "/") == "/" \
                and not collection.get("personal_owner_id"):
            client.put(f"/api/collection/{collection['id']}",
                       {"description": _described(collection.get("description") or "", key)})
            return int(collection["id"])
    created = client.post("/api/collection", {
        "name": COLLECTION_NAME,
        "description": _described("Dashboards of what the LLM features cost.", key),
        "parent_id": None,
    })
    if result is not None:
        result.created.append("collection")
    return int(created["id"])


def _index_by_key(objects: list[dict[str, Any]], collection_id: int) -> dict[str, dict[str, Any]]:
    """Objects by marker key. Duplicating a card in Metabase copies its description, marker
    included: prefer the one in our collection, then the live one, then the oldest."""
    index: dict[str, dict[str, Any]] = {}
    for obj in sorted(objects, key=lambda o: (o.get("collection_id") != collection_id,
                                              bool(o.get("archived")), o.get("id", 0))):
        key = marker_key(obj.get("description"))
        if key and key not in index:
            index[key] = obj
    return index


def _sync_cards(client: MetabaseClient, catalog: Catalog, database_id: int, collection_id: int,
                result: SyncResult) -> dict[str, int]:
    actual = _listing(client.get("/api/card", params={"f": "all"}))
    actual += _listing(client.get("/api/card", params={"f": "archived"}))
    by_key = _index_by_key(actual, collection_id)
    card_ids: dict[str, int] = {}
    for card in catalog.cards.values():
        key = f"card:{card.key}"
        desired = card_payload(card, database_id, collection_id)
        existing = by_key.get(key)
        if existing is None:
            created = client.post("/api/card", desired)
            card_ids[card.key] = int(created["id"])
            _check_read_back(client, key, int(created["id"]), desired)
            result.created.append(key)
            continue
        card_ids[card.key] = int(existing["id"])
        differing = _card_differences(existing, desired)
        if differing:
            changes = {name: desired[name] for name in differing if name in desired}
            if "archived" in differing:
                changes["archived"] = False
            client.put(f"/api/card/{existing['id']}", changes)
            _check_read_back(client, key, int(existing["id"]), desired)
            result.updated.append(key)
        else:
            result.unchanged.append(key)
    wanted = {f"card:{key}" for key in catalog.cards}
    for key, existing in by_key.items():
        if (key.startswith("card:") and key not in wanted and not existing.get("archived")
                and existing.get("collection_id") == collection_id):
            client.put(f"/api/card/{existing['id']}", {"archived": True})
            result.archived.append(key)
    return card_ids


def _check_read_back(client: MetabaseClient, key: str, card_id: int, desired: dict[str, Any]) -> None:
    """Read a written card back and compare it as the next sync will: if Metabase keeps something
    other than what we wrote, every later sync would rewrite the card, so say so now."""
    stored = client.get(f"/api/card/{card_id}")
    differing = [name for name in _card_differences(stored, desired) if name != "archived"]
    if differing:
        raise MetabaseError(
            f"Metabase stored {key} (card {card_id}) differently from what the sync wrote "
            f"({', '.join(differing)}): the next sync would rewrite it again. Compare "
            f"GET /api/card/{card_id} with metabase/ in the repo; if this Metabase version changed "
            "the card format, metabase/sync.py normalized_dataset_query needs to learn it."
        )


def _sync_dashboards(client: MetabaseClient, catalog: Catalog, collection_id: int, card_ids: dict[str, int],
                     result: SyncResult) -> None:
    items = _listing(client.get(f"/api/collection/{collection_id}/items", params={"models": "dashboard"}))
    summaries = [item for item in items if marker_key(item.get("description"))]
    by_key = _index_by_key([dict(item, collection_id=collection_id) for item in summaries], collection_id)
    for dashboard in catalog.dashboards:
        key = f"dashboard:{dashboard.key}"
        fields = {
            "name": dashboard.name,
            "description": _described(dashboard.description, key),
            "collection_id": collection_id,
        }
        parameters = dashboard_parameters(dashboard)
        desired_cards = dashcards(dashboard, card_ids)
        summary = by_key.get(key)
        if summary is None:
            created = client.post("/api/dashboard", {**fields, "parameters": parameters})
            dashboard_id = int(created["id"])
            actual: dict[str, Any] = created
            result.created.append(key)
        else:
            dashboard_id = int(summary["id"])
            actual = client.get(f"/api/dashboard/{dashboard_id}")
        result.dashboard_urls[dashboard.key] = f"{client.base_url}/dashboard/{dashboard_id}"

        existing_cards = {_dashcard_key(d): d for d in _actual_dashcards(actual)}
        cards_match = len(existing_cards) == len(desired_cards) and all(
            _dashcard_key(d) in existing_cards and _dashcard_matches(existing_cards[_dashcard_key(d)], d)
            for d in desired_cards
        )
        fields_match = all(actual.get(k) == v for k, v in fields.items()) and _contains(
            actual.get("parameters") or [], parameters)
        if cards_match and fields_match:
            result.unchanged.append(key)
            continue
        # One PUT carries the whole dashboard: dashcards kept keep their ids, new ones get
        # negative ids (Metabase's convention for "create"), and any left out are removed.
        new_id = 0
        payload_cards = []
        for desired in desired_cards:
            existing = existing_cards.get(_dashcard_key(desired))
            if existing is not None:
                dashcard_id = existing["id"]
            else:
                new_id -= 1
                dashcard_id = new_id
            payload_cards.append({"id": dashcard_id, **desired})
        client.put(f"/api/dashboard/{dashboard_id}",
                   {**fields, "parameters": parameters, "dashcards": payload_cards})
        if summary is not None:
            result.updated.append(key)
    wanted = {f"dashboard:{d.key}" for d in catalog.dashboards}
    for key, summary in by_key.items():
        if key.startswith("dashboard:") and key not in wanted and not summary.get("archived"):
            client.put(f"/api/dashboard/{summary['id']}", {"archived": True})
            result.archived.append(key)


def sync_metabase(settings: Settings | None = None, *, catalog: Catalog | None = None) -> SyncResult:
    """Make Metabase show the dashboards in `metabase/dashboards/*.yaml`. Safe to run repeatedly."""
    settings = settings or get_settings()
    config = metabase_config(settings)
    catalog = catalog or default_catalog()
    client = MetabaseClient(config).connect()
    database_id = ensure_database(client, config, settings)
    result = SyncResult(metabase_url=config.url, database_id=database_id, collection_id=0)
    if client.writes:
        result.created.append("database")
    result.collection_id = ensure_collection(client, result)
    card_ids = _sync_cards(client, catalog, database_id, result.collection_id, result)
    _sync_dashboards(client, catalog, result.collection_id, card_ids, result)
    result.writes = len(client.writes)
    log.info("Metabase sync: %d created, %d updated, %d archived, %d unchanged (%d writes)",
             len(result.created), len(result.updated), len(result.archived), len(result.unchanged),
             result.writes)
    return result
