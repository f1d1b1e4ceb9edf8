"""A local stand-in for Metabase's REST API (the subset the sync uses), for contract tests.

It listens on 127.0.0.1 only, keeps its objects in memory, answers with Metabase's payload shapes
(v0.50+: `{"data": [...], "total": n}` for databases and collection items, bare lists for cards and
collections, `dashcards` on dashboards) and validates requests the way Metabase would reject them:
missing auth header, missing required keys, a native query whose `{{tags}}` lack template-tag
definitions, dashcards pointing at unknown cards or parameters, existing dashcard ids from another
dashboard. Every request is logged, so tests can count writes.

Two answer forms for a card's `dataset_query`, as the two Metabase generations give them:
`query_form="legacy"` (up to 0.56, and 0.57+ with `?legacy-mbql=true`) answers
`{"type": "native", "native": {"query": ..., "template-tags": ...}, "database": n}`;
`query_form="mbql5"` (0.57+) answers `{"lib/type": "mbql/query", "database": n, "stages":
[{"lib/type": "mbql.stage/native", "native": ..., "template-tags": ...}]}`, converting whatever
was written, with its tags in another key order and Metabase's defaults filled in. Both forms
are accepted on writes, as 0.57 accepts both.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

_TAG = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class BadRequest(Exception):
    def __init__(self, errors: dict[str, str], status: int = 400):
        super().__init__(json.dumps(errors))
        self.errors = errors
        self.status = status


def _now() -> str:
    return datetime.now(UTC).isoformat()


class FakeMetabase:
    """State and behaviour. `server.url` is the base URL to put in METABASE_URL."""

    def __init__(self, *, api_key: str = "mb_test_key", username: str = "admin@example.com",
                 password: str = "hunter2-hunter2", query_form: str = "legacy"):
        if query_form not in ("legacy", "mbql5"):
            raise ValueError("query_form is 'legacy' or 'mbql5'")
        self.query_form = query_form
        self.api_key = api_key
        self.username = username
        self.password = password
        self.sessions: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        self.databases: dict[int, dict[str, Any]] = {}
        self.collections: dict[int, dict[str, Any]] = {}
        self.cards: dict[int, dict[str, Any]] = {}
        self.dashboards: dict[int, dict[str, Any]] = {}
        self._next = 1
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeMetabase:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body = fake.handle(self.command, self.path, dict(self.headers.items()), raw)
                data = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- helpers for tests -------------------------------------------------------------------
    @property
    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.requests if m != "GET" and p != "/api/session"]

    def add_database(self, name: str, *, host: str = "db.internal", dbname: str = "llmcosts") -> int:
        db_id = self._id()
        self.databases[db_id] = {"id": db_id, "name": name, "engine": "postgres",
                                 "details": {"host": host, "port": 5432, "dbname": dbname, "user": "metabase",
                                             "password": "**MetabasePass**"}}
        return db_id

    def live_cards(self) -> list[dict[str, Any]]:
        return [c for c in self.cards.values() if not c["archived"]]

    # -- dispatch ----------------------------------------------------------------------------
    def _id(self) -> int:
        value = self._next
        self._next += 1
        return value

    def handle(self, method: str, raw_path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        parsed = urlparse(raw_path)
        path, query = parsed.path.rstrip("/") or "/", parse_qs(parsed.query)
        with self._lock:
            self.requests.append((method, path))
            try:
                if (method, path) == ("GET", "/api/session/properties"):
                    version = "v0.57.3" if self.query_form == "mbql5" else "v0.52.4"
                    return 200, {"version": {"tag": version}, "site-name": "Fake Metabase"}
                if (method, path) == ("POST", "/api/session"):
                    return self._login(self._body(raw))
                if not self._authenticated(headers):
                    return 401, "Unauthenticated"
                body = self._body(raw) if method in ("POST", "PUT") else None
                return self._route(method, path, query, body)
            except BadRequest as exc:
                return exc.status, {"errors": exc.errors}

    def _body(self, raw: bytes) -> dict[str, Any]:
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            raise BadRequest({"body": "must be JSON"}) from None
        if not isinstance(body, dict):
            raise BadRequest({"body": "must be a JSON object"})
        return body

    def _login(self, body: dict[str, Any]) -> tuple[int, Any]:
        for key in ("username", "password"):
            if not isinstance(body.get(key), str):
                raise BadRequest({key: "value must be a non-blank string."})
        if body["username"] != self.username or body["password"] != self.password:
            return 401, {"errors": {"password": "did not match stored password"}}
        token = str(uuid.uuid4())
        self.sessions.add(token)
        return 200, {"id": token}

    def _authenticated(self, headers: dict[str, str]) -> bool:
        lowered = {k.lower(): v for k, v in headers.items()}
        if "x-api-key" in lowered:
            return lowered["x-api-key"] == self.api_key
        return lowered.get("x-metabase-session") in self.sessions

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        parts = path.strip("/").split("/")[1:]  # drop "api"
        match method, parts:
            case "GET", ["user", "current"]:
                return 200, {"id": 1, "email": self.username, "is_superuser": True}
            case "GET", ["database"]:
                return 200, {"data": list(self.databases.values()), "total": len(self.databases)}
            case "POST", ["database"]:
                return 200, self._create_database(body)
            case "GET", ["collection"]:
                return 200, list(self.collections.values())
            case "POST", ["collection"]:
                return 200, self._create_collection(body)
            case "PUT", ["collection", cid]:
                collection = self._get(self.collections, cid)
                collection.update({k: v for k, v in body.items() if k in ("name", "description", "archived")})
                return 200, collection
            case "GET", ["collection", cid, "items"]:
                return 200, self._collection_items(int(cid), query)
            case "GET", ["card"]:
                wanted = (query.get("f") or ["all"])[0]
                if wanted not in ("all", "archived", "mine"):
                    raise BadRequest({"f": "nullable enum of archived, table, all, mine, ..."})
                archived = wanted == "archived"
                legacy = self._legacy_requested(query)
                return 200, [self._answer(c, legacy) for c in self.cards.values() if c["archived"] == archived]
            case "POST", ["card"]:
                return 200, self._answer(self._create_card(body), self._legacy_requested(query))
            case "GET", ["card", cid]:
                return 200, self._answer(self._get(self.cards, cid), self._legacy_requested(query))
            case "PUT", ["card", cid]:
                card = self._update_card(self._get(self.cards, cid), body)
                return 200, self._answer(card, self._legacy_requested(query))
            case "POST", ["dashboard"]:
                return 200, self._create_dashboard(body)
            case "GET", ["dashboard", did]:
                return 200, self._get(self.dashboards, did)
            case "PUT", ["dashboard", did]:
                return 200, self._update_dashboard(self._get(self.dashboards, did), body)
        return 404, "API endpoint does not exist."

    def _get(self, table: dict[int, dict[str, Any]], raw_id: str) -> dict[str, Any]:
        if not raw_id.isdigit() or int(raw_id) not in table:
            raise BadRequest({"id": "Not found."}, status=404)
        return table[int(raw_id)]

    # -- objects -----------------------------------------------------------------------------
    def _create_database(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("engine") != "postgres":
            raise BadRequest({"engine": "value must be a valid database engine."})
        if not isinstance(body.get("name"), str) or not body["name"]:
            raise BadRequest({"name": "value must be a non-blank string."})
        details = body.get("details")
        if not isinstance(details, dict) or not all(k in details for k in ("host", "port", "dbname", "user")):
            raise BadRequest({"details": "value must be a map with host, port, dbname, user."})
        if str(details["host"]).startswith("/") or details["host"].endswith(".invalid"):
            return_message = f"Connection to {details['host']}:{details['port']} refused."
            raise BadRequest({"message": return_message, "host": return_message})
        db_id = self._id()
        self.databases[db_id] = {"id": db_id, "name": body["name"], "engine": "postgres",
                                 "details": {**details, "password": "**MetabasePass**"}}
        return self.databases[db_id]

    def _create_collection(self, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body.get("name"), str) or not body["name"]:
            raise BadRequest({"name": "value must be a non-blank string."})
        cid = self._id()
        self.collections[cid] = {"id": cid, "name": body["name"], "description": body.get("description"),
                                 "location": "/", "archived": False, "personal_owner_id": None,
                                 "entity_id": uuid.uuid4().hex[:21]}
        return self.collections[cid]

    def _collection_items(self, cid: int, query: dict[str, list[str]]) -> dict[str, Any]:
        if cid not in self.collections:
            raise BadRequest({"id": "Not found."}, status=404)
        models = set(query.get("models") or ["card", "dashboard"])
        items = []
        if "card" in models:
            items += [{"id": c["id"], "model": "card", "name": c["name"], "description": c["description"]}
                      for c in self.live_cards() if c["collection_id"] == cid]
        if "dashboard" in models:
            items += [{"id": d["id"], "model": "dashboard", "name": d["name"], "description": d["description"]}
                      for d in self.dashboards.values() if d["collection_id"] == cid and not d["archived"]]
        return {"data": items, "total": len(items), "models": sorted(models), "limit": None, "offset": None}

    def _validate_card_fields(self, body: dict[str, Any], *, creating: bool) -> None:
        required = ("name", "dataset_query", "display", "visualization_settings")
        for key in required if creating else ():
            if key not in body:
                raise BadRequest({key: "value must be present."})
        if "display" in body and body["display"] not in ("table", "line", "bar", "scalar", "progress", "pie", "row"):
            raise BadRequest({"display": "unknown display"})
        if "visualization_settings" in body and not isinstance(body["visualization_settings"], dict):
            raise BadRequest({"visualization_settings": "value must be a map."})
        if "collection_id" in body and body["collection_id"] is not None \
                and body["collection_id"] not in self.collections:
            raise BadRequest({"collection_id": "Collection does not exist."})
        if "dataset_query" in body:
            query = body["dataset_query"] = self._as_legacy(body["dataset_query"])
            if not isinstance(query, dict) or query.get("type") != "native":
                raise BadRequest({"dataset_query": "expected a native query"})
            if query.get("database") not in self.databases:
                raise BadRequest({"dataset_query": "database does not exist"})
            native = query.get("native") or {}
            sql = native.get("query")
            tags = native.get("template-tags")
            if not isinstance(sql, str) or not isinstance(tags, dict):
                raise BadRequest({"dataset_query": "native needs query and template-tags"})
            for name in set(_TAG.findall(sql)):
                tag = tags.get(name)
                if not isinstance(tag, dict) or tag.get("name") != name or not tag.get("id") \
                        or tag.get("type") not in ("text", "number", "date", "dimension") \
                        or "display-name" not in tag:
                    raise BadRequest({"dataset_query": f"template tag {name!r} is missing or malformed"})
        for parameter in body.get("parameters") or []:
            if not {"id", "type", "target", "slug"} <= set(parameter):
                raise BadRequest({"parameters": "each parameter needs id, type, target, slug"})

    # -- the two answer forms ------------------------------------------------------------------
    @staticmethod
    def _legacy_requested(query: dict[str, list[str]]) -> bool:
        return (query.get("legacy-mbql") or ["false"])[0] == "true"

    @staticmethod
    def _as_legacy(query: Any) -> Any:
        """Cards are stored in the legacy form; an MBQL 5 native query written to us is converted."""
        if not isinstance(query, dict) or query.get("lib/type") != "mbql/query":
            return query
        stages = query.get("stages")
        if not (isinstance(stages, list) and len(stages) == 1 and isinstance(stages[0], dict)
                and stages[0].get("lib/type") == "mbql.stage/native"):
            raise BadRequest({"dataset_query": "expected one native stage"})
        stage = stages[0]
        return {"type": "native", "database": query.get("database"),
                "native": {"query": stage.get("native"), "template-tags": stage.get("template-tags") or {}}}

    def _answer(self, card: dict[str, Any], legacy: bool) -> dict[str, Any]:
        """A card as this server's Metabase generation returns it."""
        answer = json.loads(json.dumps(card))
        if self.query_form == "legacy" or legacy:
            return answer
        native = card["dataset_query"]["native"]
        # 0.57 returns tags with their keys in its own order and every default spelled out.
        tags = {name: {"type": tag.get("type"), "display-name": tag.get("display-name"), "id": tag.get("id"),
                       "name": tag.get("name"), "required": tag.get("required", False),
                       **{k: v for k, v in tag.items() if k not in ("type", "display-name", "id", "name", "required")}}
                for name, tag in reversed(list(native["template-tags"].items()))}
        answer["dataset_query"] = {
            "lib/type": "mbql/query",
            "database": card["dataset_query"]["database"],
            "stages": [{"lib/type": "mbql.stage/native", "native": native["query"], "template-tags": tags}],
        }
        return answer

    def _create_card(self, body: dict[str, Any]) -> dict[str, Any]:
        self._validate_card_fields(body, creating=True)
        card_id = self._id()
        card = {"description": None, "collection_id": None, "parameters": [], **body,
                "id": card_id, "archived": False, "query_type": "native",
                "database_id": body["dataset_query"]["database"], "entity_id": uuid.uuid4().hex[:21],
                "created_at": _now(), "updated_at": _now()}
        # Metabase stores template tags with defaults it fills in; the client must tolerate extras.
        for tag in card["dataset_query"]["native"]["template-tags"].values():
            tag.setdefault("required", False)
        self.cards[card_id] = card
        return card

    def _update_card(self, card: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        self._validate_card_fields(body, creating=False)
        allowed = {"name", "description", "display", "visualization_settings", "collection_id",
                   "dataset_query", "parameters", "archived"}
        unknown = set(body) - allowed
        if unknown:
            raise BadRequest({"body": f"unexpected keys {sorted(unknown)}"})
        card.update(body)
        card["updated_at"] = _now()
        return card

    def _validate_parameters(self, parameters: Any) -> None:
        if not isinstance(parameters, list):
            raise BadRequest({"parameters": "value must be an array."})
        for parameter in parameters:
            if not isinstance(parameter, dict) or not {"id", "name", "slug", "type"} <= set(parameter):
                raise BadRequest({"parameters": "each parameter needs id, name, slug, type"})

    def _create_dashboard(self, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body.get("name"), str) or not body["name"]:
            raise BadRequest({"name": "value must be a non-blank string."})
        self._validate_parameters(body.get("parameters", []))
        if body.get("collection_id") is not None and body["collection_id"] not in self.collections:
            raise BadRequest({"collection_id": "Collection does not exist."})
        did = self._id()
        self.dashboards[did] = {"id": did, "name": body["name"], "description": body.get("description"),
                                "collection_id": body.get("collection_id"), "parameters": body.get("parameters", []),
                                "archived": False, "dashcards": [], "tabs": [], "created_at": _now()}
        return self.dashboards[did]

    def _update_dashboard(self, dashboard: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        parameters = body.get("parameters", dashboard["parameters"])
        self._validate_parameters(parameters)
        if "dashcards" in body:
            dashboard["dashcards"] = self._validated_dashcards(dashboard, body["dashcards"], parameters)
        for key in ("name", "description", "collection_id", "archived"):
            if key in body:
                dashboard[key] = body[key]
        dashboard["parameters"] = parameters
        return dashboard

    def _validated_dashcards(self, dashboard: dict[str, Any], dashcards: Any,
                             parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not isinstance(dashcards, list):
            raise BadRequest({"dashcards": "value must be an array."})
        own_ids = {d["id"] for d in dashboard["dashcards"]}
        parameter_ids = {p["id"] for p in parameters}
        stored = []
        for dashcard in dashcards:
            for key in ("id", "row", "col", "size_x", "size_y"):
                if not isinstance(dashcard.get(key), int):
                    raise BadRequest({"dashcards": f"each dashcard needs an integer {key}"})
            if dashcard["id"] >= 0 and dashcard["id"] not in own_ids:
                raise BadRequest({"dashcards": f"dashcard {dashcard['id']} is not on this dashboard"})
            if dashcard["col"] + dashcard["size_x"] > 24:
                raise BadRequest({"dashcards": "dashcard exceeds the 24-column grid"})
            card_id = dashcard.get("card_id")
            if card_id is None:
                if "virtual_card" not in (dashcard.get("visualization_settings") or {}):
                    raise BadRequest({"dashcards": "a dashcard without card_id must be a virtual card"})
                tags: set[str] = set()
            else:
                card = self.cards.get(card_id)
                if card is None:
                    raise BadRequest({"dashcards": f"card {card_id} does not exist"})
                tags = set(card["dataset_query"]["native"]["template-tags"])
            for mapping in dashcard.get("parameter_mappings") or []:
                target = mapping.get("target")
                if mapping.get("parameter_id") not in parameter_ids:
                    raise BadRequest({"parameter_mappings": f"unknown parameter {mapping.get('parameter_id')!r}"})
                if mapping.get("card_id") != card_id:
                    raise BadRequest({"parameter_mappings": "card_id must be the dashcard's card"})
                if not (isinstance(target, list) and len(target) == 2 and target[0] in ("variable", "dimension")
                        and isinstance(target[1], list) and target[1][:1] == ["template-tag"]
                        and target[1][1] in tags):
                    raise BadRequest({"parameter_mappings": f"bad target {target!r}"})
            new_id = dashcard["id"] if dashcard["id"] >= 0 else self._id()
            stored.append({**dashcard, "id": new_id, "dashboard_id": dashboard["id"],
                           "dashboard_tab_id": None, "entity_id": uuid.uuid4().hex[:21]})
        return stored
