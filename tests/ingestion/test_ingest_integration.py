"""Ingestion end to end: the real Langfuse SDK over HTTP to the project's Langfuse-compatible
server, into a real Postgres."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from ingestion.langfuse_source import LangfuseAuthError, LangfuseSource
from ingestion.loader import load_window, read_watermark
from ingestion.local_langfuse.server import LocalLangfuseServer
from ingestion.local_langfuse.workload import generate_observations
from ingestion.pipeline import ingest_month
from llmcosts_core.settings import LangfuseProject, Secret, get_settings

PK, SK = "pk-lf-test", "sk-lf-test-secret"
END = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # two days into November: the workload spans the month boundary
COMPARED = "observation_id, ts, project_id, user_id, feature, prompt_id, model, provider, input_tokens, " \
           "output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, cost_usd, cost_source, level"


def _obs(oid: str, start: str, **extra) -> dict:
    base = {
        "id": oid, "traceId": "t-" + oid, "projectId": "test-project", "type": "GENERATION", "startTime": start,
        "endTime": start, "parentObservationId": None, "modelId": None, "inputPrice": None, "outputPrice": None,
        "totalPrice": None, "model": "gpt-4o-mini", "providedModelName": "gpt-4o-mini", "userId": "u1",
        "metadata": {"feature": "boundary"}, "usageDetails": {"input": 10, "output": 5, "total": 15},
        "costDetails": {"total": 0.001}, "totalCost": 0.001, "level": "DEFAULT", "environment": "production",
    }
    base.update(extra)
    return base


@pytest.fixture(scope="module")
def workload():
    return generate_observations(END, days=3, calls_per_day=120, seed=11, project_id="test-project")


@pytest.fixture
def server(workload, monkeypatch):
    with LocalLangfuseServer(list(workload), public_key=PK, secret_key=SK, project_id="test-project") as srv:
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", PK)
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", SK)
        monkeypatch.setenv("LANGFUSE_BASE_URL", srv.base_url)
        monkeypatch.setenv("LLMCOSTS_BACKOFF_BASE", "0.01")
        monkeypatch.setenv("LLMCOSTS_PAGE_LIMIT", "100")  # several pages even for a small workload
        yield srv


def _llm_calls(workload, start=None, end=None):
    def in_window(o):
        ts = datetime.fromisoformat(o["startTime"])
        return (start is None or ts >= start) and (end is None or ts < end)

    return [o for o in workload if o["type"] in ("GENERATION", "EMBEDDING") and in_window(o)]


def _rows(url):
    with psycopg.connect(url) as conn:
        return conn.execute(f"select {COMPARED} from raw.llm_calls order by observation_id, ts").fetchall()


def _ingest_all(now=END):
    settings = get_settings()
    results = []
    for month in (date(2026, 10, 1), date(2026, 11, 1)):
        results += ingest_month(settings, month, mode="incremental", now=now)
    return results


@pytest.mark.parametrize("writers", ["1", "3"])
def test_ingests_every_llm_call_once_and_twice_is_idempotent(migrated_warehouse, server, workload, writers,
                                                              monkeypatch):
    monkeypatch.setenv("LLMCOSTS_INGEST_WRITERS", writers)  # pages merged in order, or three at a time
    results = _ingest_all()
    expected = _llm_calls(workload)
    rows = _rows(migrated_warehouse)
    assert len(rows) == len(expected)
    assert {r[0] for r in rows} == {o["id"] for o in expected}
    assert sum(r.rows_upserted for r in results) == len(expected)
    assert sum(r.pages for r in results) > 2
    # Never the io group: prompts and outputs stay in Langfuse. Spans and events are never asked for.
    obs_requests = [q for path, q in server.requests if path.endswith("/v2/observations")]
    assert obs_requests and all("io" not in str(q.get("fields")).split(",") for q in obs_requests)
    assert {q.get("type") for q in obs_requests} == {"GENERATION", "EMBEDDING"}
    assert sum(r.rows_skipped for r in results) == 0

    # a first load: every page COPYed straight into the table, none merged
    assert sum(r.pages_merged for r in results) == 0 and sum(r.rows_changed for r in results) == len(expected)

    with psycopg.connect(migrated_warehouse) as conn:
        first_loaded = conn.execute("select max(ingested_at) from raw.llm_calls").fetchone()[0]
    again = _ingest_all()
    assert _rows(migrated_warehouse) == rows
    # the re-pull meets rows already there: merged, and nothing changed
    assert sum(r.pages_merged for r in again) > 0 and sum(r.rows_changed for r in again) == 0
    with psycopg.connect(migrated_warehouse) as conn:
        # Unchanged rows are not rewritten by the re-pull.
        assert conn.execute("select max(ingested_at) from raw.llm_calls").fetchone()[0] == first_loaded


def test_a_server_that_ignores_the_type_filter_still_loads_each_call_once(migrated_warehouse, server, workload,
                                                                          monkeypatch):
    """Older or other Langfuse-compatible servers may not filter by `type`: every pass then sees every
    observation, and the mapping keeps only the type the pass asked for."""
    import ingestion.local_langfuse.server as local_server

    monkeypatch.delitem(local_server._EQUALITY_FILTERS, "type")
    results = _ingest_all()
    expected = _llm_calls(workload)
    rows = _rows(migrated_warehouse)
    assert len(rows) == len(expected) and {r[0] for r in rows} == {o["id"] for o in expected}
    assert sum(r.rows_upserted for r in results) == len(expected)
    # each of the two passes saw every observation and kept only its own type
    assert sum(r.rows_skipped for r in results) == 2 * len(workload) - len(expected)


def test_an_observation_served_twice_in_a_page_is_loaded_once(migrated_warehouse, server, workload):
    """Langfuse's ClickHouse tables deduplicate lazily, so a page can hold the same observation twice;
    the upsert may touch a row only once per statement."""
    first = _obs("twice", "2026-11-01T09:00:00Z", usageDetails={"input": 10, "output": 5, "total": 15})
    again = _obs("twice", "2026-11-01T09:00:00Z", usageDetails={"input": 10, "output": 7, "total": 17})
    server.add_observations([first, again])
    results = _ingest_all()
    rows = [r for r in _rows(migrated_warehouse) if r[0] == "twice"]
    assert len(rows) == 1 and rows[0][12] in (15, 17)  # total_tokens: one of the two, whole
    assert len(_rows(migrated_warehouse)) == len(_llm_calls(workload)) + 1
    assert sum(r.rows_upserted for r in results) == len(_llm_calls(workload)) + 1


def test_tags_are_stored_as_sent(migrated_warehouse, server, workload):
    """The loader encodes text[] itself (loader.TagsArrayDumper): every shape must round-trip."""
    tagged = {"no-tags": None, "empty-tags": [], "one-tag": ["channel:web"],
              "many-tags": ["beta", "feature:x", "ünïcode ✓", "", "with,comma {brace} \"quote\""]}
    server.add_observations([_obs(oid, f"2026-11-01T10:00:0{i}Z", tags=tags)
                             for i, (oid, tags) in enumerate(tagged.items())])
    _ingest_all()
    with psycopg.connect(migrated_warehouse) as conn:
        stored = dict(conn.execute("select observation_id, tags from raw.llm_calls where observation_id = any(%s)",
                                   (list(tagged),)).fetchall())
        dims = conn.execute("select array_ndims(tags) from raw.llm_calls where observation_id = 'one-tag'").fetchone()
    assert stored == {oid: tags or [] for oid, tags in tagged.items()}
    assert dims == (1,)


def test_month_boundary_rows_land_in_their_partition(migrated_warehouse, server):
    server.add_observations([
        _obs("last-of-october", "2026-10-31T23:59:59.999Z"),
        _obs("first-of-november", "2026-11-01T00:00:00.000Z"),
    ])
    _ingest_all()
    with psycopg.connect(migrated_warehouse) as conn:
        placed = dict(conn.execute(
            "select observation_id, tableoid::regclass::text from raw.llm_calls "
            "where observation_id in ('last-of-october', 'first-of-november')"
        ).fetchall())
        partitions = {r[0] for r in conn.execute(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
            "where i.inhparent = 'raw.llm_calls'::regclass")}
    assert placed == {"last-of-october": "raw.llm_calls_y2026m10", "first-of-november": "raw.llm_calls_y2026m11"}
    assert "llm_calls_y2026m12" in partitions  # created ahead for the next month


def test_a_window_that_overlaps_the_table_copies_the_new_pages_and_merges_the_rest(migrated_warehouse, server,
                                                                                   workload):
    """Pages come newest first: the calls since the last run are COPYed straight in, and from the
    first page that meets a stored call on, pages are merged (no duplicate, no error, old rows kept)."""
    earlier = END - timedelta(hours=30)
    _ingest_all(now=earlier)
    with psycopg.connect(migrated_warehouse) as conn:
        stored = dict(conn.execute("select observation_id, ingested_at from raw.llm_calls").fetchall())
    results = _ingest_all(now=END)
    new = _llm_calls(workload, start=earlier, end=END)
    assert len(new) > 100  # more than a page of new calls, then pages of stored ones
    assert sum(r.rows_changed for r in results) == len(new)
    assert sum(r.pages_merged for r in results) > 0
    assert sum(r.pages - r.pages_merged for r in results) >= 1
    assert len(_rows(migrated_warehouse)) == len(_llm_calls(workload, end=END)) == len(stored) + len(new)
    with psycopg.connect(migrated_warehouse) as conn:
        again = dict(conn.execute("select observation_id, ingested_at from raw.llm_calls").fetchall())
    assert all(again[oid] == at for oid, at in stored.items())


def test_late_rows_are_picked_up_by_the_trailing_window(migrated_warehouse, server, workload):
    _ingest_all()
    # Arrives after the first run, timestamped 30 h before it: inside the 48 h lookback.
    late = _obs("late-arrival", (END - timedelta(hours=30)).isoformat().replace("+00:00", "Z"))
    # Timestamped 60 h back: outside the lookback, so only a full re-pull of the month finds it.
    too_late = _obs("very-late", (END - timedelta(hours=60)).isoformat().replace("+00:00", "Z"))
    server.add_observations([late, too_late])
    _ingest_all(now=END + timedelta(hours=1))
    ids = {r[0] for r in _rows(migrated_warehouse)}
    assert "late-arrival" in ids and "very-late" not in ids
    ingest_month(get_settings(), date(2026, 10, 1), mode="full", now=END + timedelta(hours=1))
    assert "very-late" in {r[0] for r in _rows(migrated_warehouse)}


def test_429_and_5xx_are_retried_and_still_yield_exactly_the_rows(migrated_warehouse, server, workload):
    server.inject_faults([(429, {"Retry-After": "1"}), (503, {}), (500, {})])
    started = datetime.now(UTC)
    results = _ingest_all()
    assert sum(r.retries for r in results) == 3
    assert (datetime.now(UTC) - started).total_seconds() >= 1.0  # Retry-After honoured
    rows = _rows(migrated_warehouse)
    assert len(rows) == len(_llm_calls(workload)) == len({r[0] for r in rows})


def test_malformed_observations_are_rejected_with_reason_and_the_run_continues(migrated_warehouse, server, workload):
    server.add_observations([
        _obs("neg-tokens", "2026-11-01T08:00:00Z", usageDetails={"input": -3, "output": 1}),
        _obs("bad-cost", "2026-11-01T08:00:01Z", totalCost="twelve", costDetails={}),
        _obs("fat-metadata", "2026-11-01T08:00:02Z", metadata={"feature": "x", "blob": "y" * 40_000}),
    ])
    results = _ingest_all()
    assert sum(r.rows_rejected for r in results) == 3
    with psycopg.connect(migrated_warehouse) as conn:
        rejects = dict(conn.execute("select observation_id, reason from raw.llm_calls_rejects").fetchall())
        raw_kept = conn.execute("select raw->>'id' from raw.llm_calls_rejects where observation_id = 'bad-cost'").fetchone()
    assert "negative tokens" in rejects["neg-tokens"]
    assert "not numeric" in rejects["bad-cost"]
    assert "byte limit" in rejects["fat-metadata"]
    assert raw_kept == ("bad-cost",)
    assert len(_rows(migrated_warehouse)) == len(_llm_calls(workload))


def test_metadata_is_stored_as_the_object_langfuse_sent(migrated_warehouse, server, workload):
    """Budgets read `metadata ->> 'tenant'`: the column must hold the object, not its text."""
    _ingest_all()
    expected = {o["id"]: o["metadata"] for o in _llm_calls(workload) if o.get("metadata")}
    with psycopg.connect(migrated_warehouse) as conn:
        stored = dict(conn.execute("select observation_id, metadata from raw.llm_calls").fetchall())
        kinds = {k for (k,) in conn.execute("select distinct jsonb_typeof(metadata) from raw.llm_calls")}
        tenants = conn.execute("select count(*) from raw.llm_calls where metadata ->> 'tenant' is not null").fetchone()
    assert kinds == {"object"}
    assert expected and all(stored[oid] == metadata for oid, metadata in expected.items())
    assert tenants[0] == sum(1 for m in expected.values() if "tenant" in m) > 0


def test_the_repair_migration_decodes_metadata_stored_as_a_string(migrated_warehouse):
    from ingestion.sql_files import SQL_DIR
    from tests.pricing.pricing_helpers import insert_call

    with psycopg.connect(migrated_warehouse) as conn:
        insert_call(conn, "double-encoded", datetime(2026, 10, 5, tzinfo=UTC), "gpt-4o-mini")
        insert_call(conn, "fine", datetime(2026, 10, 5, tzinfo=UTC), "gpt-4o-mini")
        conn.execute("""update raw.llm_calls set metadata = to_jsonb('{"tenant": "acme"}'::text)
                        where observation_id = 'double-encoded'""")
        conn.execute("""update raw.llm_calls set metadata = '{"tenant": "initech"}' where observation_id = 'fine'""")
        conn.execute((SQL_DIR / "migrations" / "0011_metadata_as_object.sql").read_text())
        rows = dict(conn.execute("select observation_id, metadata ->> 'tenant' from raw.llm_calls").fetchall())
    assert rows == {"double-encoded": "acme", "fine": "initech"}


def test_a_crash_mid_run_does_not_advance_the_watermark(migrated_warehouse, server, workload):
    settings = get_settings()
    project = settings.langfuse_projects[0]
    source = LangfuseSource(project, settings.ingest)
    start, end = datetime(2026, 11, 1, tzinfo=UTC), END

    def crash(page_number):
        if page_number == 2:
            raise RuntimeError("power cut")

    with psycopg.connect(migrated_warehouse) as conn:
        with pytest.raises(RuntimeError, match="power cut"):
            load_window(conn, source, start, end, run_id="crash", after_page=crash)
        assert read_watermark(conn, project.source_key) is None
        assert conn.execute("select status from raw.ingestion_runs where run_id = 'crash'").fetchone() == ("failed",)
        conn.commit()
        result = load_window(conn, source, start, end, run_id="retry")
        assert read_watermark(conn, project.source_key) == end
    assert result.rows_upserted == len(_llm_calls(workload, start, end))


def test_pages_are_committed_as_they_are_written(migrated_warehouse, server, workload):
    """Each page commits on its own (a long backfill holds no giant transaction, and a crash keeps
    the pages already written): another session sees the rows while the window is still loading."""
    settings = get_settings()
    # One writer session: with two, the other writer can commit every remaining page while this
    # hook is still connecting, and the count would (rightly) be the whole window.
    source = LangfuseSource(settings.langfuse_projects[0], dataclasses.replace(settings.ingest, writer_connections=1))
    seen_mid_load = []

    def look(page_number):
        if page_number == 2:
            with psycopg.connect(migrated_warehouse) as other:
                other.execute("set lock_timeout = '5s'")  # one open load transaction would block this
                seen_mid_load.append(other.execute("select count(*) from raw.llm_calls").fetchone()[0])

    with psycopg.connect(migrated_warehouse) as conn:
        result = load_window(conn, source, datetime(2026, 10, 30, tzinfo=UTC), END, run_id="paged", after_page=look)
    assert result.pages > 2
    assert 0 < seen_mid_load[0] < result.rows_upserted


def test_a_writer_session_that_cannot_open_fails_the_run(migrated_warehouse, server, monkeypatch):
    import ingestion.loader

    def refuse(conn):
        raise psycopg.OperationalError("too many clients already")

    monkeypatch.setattr(ingestion.loader, "_extra_writer_connection", refuse)
    settings = get_settings()
    source = LangfuseSource(settings.langfuse_projects[0], dataclasses.replace(settings.ingest, writer_connections=2))
    with psycopg.connect(migrated_warehouse) as conn:
        with pytest.raises(psycopg.OperationalError, match="too many clients"):
            load_window(conn, source, datetime(2026, 11, 1, tzinfo=UTC), END, run_id="no-session")
        status = conn.execute("select status, error from raw.ingestion_runs where run_id = 'no-session'").fetchone()
        assert read_watermark(conn, source.project.source_key) is None
    assert status[0] == "failed" and "too many clients" in status[1]


def test_a_writer_failure_after_the_last_page_is_fetched_fails_the_run_instead_of_hanging(
        migrated_warehouse, server, workload):
    """The writer fails on page 1 only once every page is fetched and queued: the producer is then
    handing over the end-of-window marker to a full queue nobody reads. It must get the error."""
    settings = get_settings()
    project = settings.langfuse_projects[0]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    # exactly three pages: one in the writer, two filling the queue, then the end marker
    def source_with_limit(limit):
        return LangfuseSource(project, dataclasses.replace(settings.ingest, page_limit=limit))

    per_type = [sum(len(p) for p in source_with_limit(1000).pages(start, END, observation_type=t))
                for t in ("EMBEDDING", "GENERATION")]
    limit = next(n for n in range(max(per_type), 0, -1) if sum(-(-count // n) for count in per_type) == 3)
    source = source_with_limit(limit)
    assert sum(1 for _ in source.llm_call_pages(start, END)) == 3

    def fail_late(page_number):
        if page_number == 1:
            time.sleep(1.0)  # the producer has fetched and queued the rest by now
            raise RuntimeError("disk full")

    outcome: list[BaseException | None] = []

    def run():
        with psycopg.connect(migrated_warehouse) as conn:
            try:
                load_window(conn, source, start, END, run_id="late-failure", after_page=fail_late)
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - handed to the assertion below
                outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "load_window hung after its writer failed"
    assert isinstance(outcome[0], RuntimeError) and "disk full" in str(outcome[0])


def test_fast_and_typed_sdk_decoding_give_the_same_rows(migrated_warehouse, server):
    settings = get_settings()
    project = settings.langfuse_projects[0]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    fast = [i for p in LangfuseSource(project, settings.ingest).pages(start, END) for i in p.items]
    typed = [i for p in LangfuseSource(project, settings.ingest, decode="typed").pages(start, END) for i in p.items]
    from ingestion.mapping import Skip, map_observation

    def rows(items):
        out = []
        for item in items:
            with contextlib.suppress(Skip):
                out.append(map_observation(item))
        return out

    assert rows(fast) == rows(typed) and len(rows(fast)) > 50


def test_bad_credentials_fail_fast_naming_the_variables(migrated_warehouse, server, monkeypatch):
    project = LangfuseProject(public_key=PK, secret_key=Secret("wrong-secret"), base_url=server.base_url)
    source = LangfuseSource(project, get_settings().ingest)
    with pytest.raises(LangfuseAuthError) as info:
        next(source.pages(datetime(2026, 11, 1, tzinfo=UTC), END))
    message = str(info.value)
    assert "LANGFUSE_SECRET_KEY" in message and "wrong-secret" not in message


def test_several_projects_each_keep_their_project_id_and_watermark(migrated_warehouse, monkeypatch):
    other = generate_observations(END, days=2, calls_per_day=40, seed=99, project_id="second-project")
    first = generate_observations(END, days=2, calls_per_day=40, seed=98, project_id="first-project")
    with LocalLangfuseServer(first, public_key="pk-1", secret_key="sk-1", project_id="first-project") as one, \
            LocalLangfuseServer(other, public_key="pk-2", secret_key="sk-2", project_id="second-project") as two:
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-1,pk-2")
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-1,sk-2")
        monkeypatch.setenv("LANGFUSE_BASE_URL", f"{one.base_url},{two.base_url}")
        settings = get_settings()
        assert len(settings.langfuse_projects) == 2
        for month in (date(2026, 10, 1), date(2026, 11, 1)):
            ingest_month(settings, month, mode="incremental", now=END)
        with psycopg.connect(migrated_warehouse) as conn:
            counts = dict(conn.execute("select project_id, count(*) from raw.llm_calls group by 1").fetchall())
            watermarks = {r[0] for r in conn.execute("select source_key from raw.ingestion_watermarks")}
    assert counts == {"first-project": len(_llm_calls(first)), "second-project": len(_llm_calls(other))}
    assert watermarks == {p.source_key for p in settings.langfuse_projects}


def test_each_run_records_its_project_and_newest_call(migrated_warehouse, server, workload):
    _ingest_all()
    newest = max(o["startTime"] for o in _llm_calls(workload))
    with psycopg.connect(migrated_warehouse) as conn:
        row = conn.execute(
            "select project_id, max(newest_call_at) from raw.ingestion_runs where status = 'succeeded' "
            "group by project_id").fetchall()
        raw_newest = conn.execute("select max(ts) from raw.llm_calls").fetchone()[0]
    assert row == [("test-project", raw_newest)]
    assert raw_newest.isoformat().replace("+00:00", "Z").startswith(newest[:19])
