"""The tagging wrapper, round trip: the real Langfuse SDK (5.x) exports its spans to an in-memory
OpenTelemetry exporter; each exported generation span is turned into a Langfuse v2 observation the
way Langfuse's OTel ingestion maps these attributes (`user.id` -> userId; `langfuse.trace.metadata.*`
and `langfuse.observation.metadata.*` -> metadata, JSON-decoded), and that observation goes through
the real `ingestion.mapping.map_observation`. The span-to-observation step is our reading of the
server, not Langfuse's code: the SDK side and the ingestion side are the real thing."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from langfuse import Langfuse
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ingestion.mapping import COLUMNS, map_observation
from llmcosts_tagging import prompt_id_for, tagged_llm_call

TEMPLATE = "Summarize for a busy reader:\n{text}"


def _decode(value):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def span_to_observation(span) -> dict:
    attrs = dict(span.attributes)
    metadata = {}
    for prefix in ("langfuse.trace.metadata.", "langfuse.observation.metadata."):
        for key, value in attrs.items():
            if key.startswith(prefix):
                metadata[key[len(prefix):]] = _decode(value)
    usage = _decode(attrs.get("langfuse.observation.usage_details")) or None
    return {
        "id": format(span.context.span_id, "016x"),
        "traceId": format(span.context.trace_id, "032x"),
        "projectId": "otel-test",
        "type": str(attrs.get("langfuse.observation.type", "span")).upper(),
        "startTime": datetime.fromtimestamp(span.start_time / 1e9).astimezone().isoformat(),
        "model": attrs.get("langfuse.observation.model.name"),
        "userId": attrs.get("user.id"),
        "sessionId": attrs.get("session.id"),
        "metadata": metadata,
        "usageDetails": usage,
    }


@pytest.fixture
def langfuse_and_spans():
    exporter = InMemorySpanExporter()
    # Langfuse keeps one client per public key: a fresh key per test gets a fresh exporter
    client = Langfuse(public_key=f"pk-lf-{uuid.uuid4().hex[:8]}", secret_key="sk-lf-test", base_url="http://127.0.0.1:9",
                      span_exporter=exporter, flush_at=1, tracing_enabled=True)
    yield client, exporter
    client.shutdown()


def _rows(client, exporter) -> list[dict]:
    client.flush()
    observations = [span_to_observation(s) for s in exporter.get_finished_spans()]
    return [dict(zip(COLUMNS, map_observation(o), strict=True)) for o in observations if o["type"] == "GENERATION"]


def test_wrapper_tags_reach_the_ingested_row(langfuse_and_spans):
    client, exporter = langfuse_and_spans
    with (
        tagged_llm_call(feature="search-summarize", user_id="user-42", prompt_template=TEMPLATE),
        client.start_as_current_observation(name="root"),
        client.start_as_current_observation(name="chat", as_type="generation", model="gpt-4o-mini") as g,
    ):
        g.update(usage_details={"input": 1200, "input_cached_tokens": 1024, "output": 80})
    [row] = _rows(client, exporter)
    assert row["user_id"] == "user-42"
    assert row["feature"] == "search-summarize"
    assert row["prompt_id"] == prompt_id_for(TEMPLATE) and len(row["prompt_id"]) == 12
    assert row["model"] == "gpt-4o-mini" and row["provider"] == "openai"
    assert (row["input_tokens"], row["cache_read_tokens"]) == (2224, 1024)


def test_explicit_generation_metadata_and_a_changed_prompt(langfuse_and_spans):
    client, exporter = langfuse_and_spans
    for template in (TEMPLATE, TEMPLATE + " Use bullet points."):
        with tagged_llm_call(feature="support-reply", user_id="u-7", prompt_template=template) as tags:  # noqa: SIM117
            # the generation needs the tags the wrapper yields: two statements on purpose
            with client.start_as_current_observation(
                name="reply", as_type="generation", model="claude-sonnet-4", metadata=tags.metadata
            ):
                pass
    first, second = _rows(client, exporter)
    assert first["feature"] == second["feature"] == "support-reply"
    assert first["user_id"] == "u-7"
    assert first["prompt_id"] != second["prompt_id"]  # an edited prompt gets a new id by itself
    assert second["prompt_id"] == prompt_id_for(TEMPLATE + " Use bullet points.")


def test_untagged_call_outside_the_wrapper_stays_untagged(langfuse_and_spans):
    client, exporter = langfuse_and_spans
    with client.start_as_current_observation(name="chat", as_type="generation", model="gpt-4o"):
        pass
    [row] = _rows(client, exporter)
    assert (row["user_id"], row["feature"], row["prompt_id"]) == (None, None, None)


def test_wrapper_refuses_a_call_without_a_feature():
    with pytest.raises(ValueError, match="feature"), tagged_llm_call(feature="  ", user_id="u"):
        pass
    assert prompt_id_for("a\r\nb") == prompt_id_for("a\nb")
