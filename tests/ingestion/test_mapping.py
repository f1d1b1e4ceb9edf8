from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ingestion.mapping import COLUMNS, Skip, map_observation, provider_for_model


def _obs(**overrides):
    base = {
        "id": "obs-1",
        "traceId": "tr-1",
        "projectId": "proj",
        "type": "GENERATION",
        "startTime": "2026-11-01T10:00:00.250Z",
        "userId": "user_7",
        "sessionId": "sess",
        "metadata": {"feature": "search"},
        "model": "claude-sonnet-4",
        "usageDetails": {"input": 1000, "cache_read_input_tokens": 400, "cache_creation_input_tokens": 100,
                         "output": 250, "total": 1750},
        "totalCost": 0.0123,
        "promptName": "search-answer",
        "promptVersion": 3,
        "latency": 1.5,
        "timeToFirstToken": 0.25,
        "level": "DEFAULT",
        "environment": "production",
        "tags": ["beta"],
    }
    base.update(overrides)
    return base


def _row(obs, **kwargs):
    return dict(zip(COLUMNS, map_observation(obs, **kwargs), strict=True))


def test_maps_a_generation_with_anthropic_cache_tokens():
    row = _row(_obs())
    assert row["ts"] == datetime(2026, 11, 1, 10, 0, 0, 250000, tzinfo=UTC)
    assert row["input_tokens"] == 1500  # uncached + cache read + cache write
    assert row["cache_read_tokens"] == 400
    assert row["cache_write_tokens"] == 100
    assert row["output_tokens"] == 250
    assert row["total_tokens"] == 1750
    assert row["cache_hit"] is True
    assert row["cost_usd"] == Decimal("0.0123")
    assert row["cost_source"] == "langfuse"
    assert row["feature"] == "search"
    assert row["prompt_id"] == "search-answer@v3"
    assert row["provider"] == "anthropic"
    assert row["latency_ms"] == 1500.0 and row["ttft_ms"] == 250.0


def test_openai_cached_tokens_and_total_fallback():
    row = _row(_obs(model=None, providedModelName="gpt-4o",
                    usageDetails={"input": 800, "input_cached_tokens": 200, "output": 100}))
    assert row["model"] == "gpt-4o" and row["provider"] == "openai"
    assert row["input_tokens"] == 1000 and row["cache_read_tokens"] == 200
    assert row["total_tokens"] == 1100  # no `total`: input + output


def test_unpriced_is_null_never_zero():
    row = _row(_obs(totalCost=None, costDetails={}))
    assert row["cost_usd"] is None and row["cost_source"] == "unpriced"
    row = _row(_obs(totalCost=None, costDetails={"input": 0.1, "total": 0.3}))
    assert row["cost_usd"] == Decimal("0.3") and row["cost_source"] == "langfuse"


def test_feature_from_configured_keys_then_tag_fallback():
    assert _row(_obs(metadata={"product_area": "chat"}), feature_keys=("feature", "product_area"))["feature"] == "chat"
    assert _row(_obs(metadata={}, tags=["x", "feature:summarize"]))["feature"] == "summarize"
    assert _row(_obs(metadata=None, tags=None))["feature"] is None


def test_prompt_id_prefers_metadata_then_langfuse_prompt():
    assert _row(_obs(metadata={"prompt_id": "a1b2c3"}))["prompt_id"] == "a1b2c3"
    assert _row(_obs(promptName=None, promptVersion=None))["prompt_id"] is None


def test_non_llm_observations_are_skipped():
    with pytest.raises(Skip):
        map_observation(_obs(type="SPAN"))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"startTime": None}, "missing startTime"),
        ({"startTime": "yesterday"}, "not ISO-8601"),
        ({"usageDetails": {"input": -5}}, "negative tokens"),
        ({"totalCost": "a lot"}, "not numeric"),
        ({"totalCost": -0.01}, "negative cost"),
        ({"metadata": {"blob": "x" * 20_000}}, "over the"),
        ({"id": None}, "missing id"),
    ],
)
def test_malformed_observations_raise_a_reason(overrides, reason):
    with pytest.raises(ValueError, match=reason):
        map_observation(_obs(**overrides))


def test_provider_for_model():
    assert provider_for_model("openai/gpt-4o-mini") == "openai"
    assert provider_for_model("bedrock/anthropic.claude-3-haiku") == "anthropic"
    assert provider_for_model("text-embedding-3-small") == "openai"
    assert provider_for_model("my-own-model") == "unknown"
    assert provider_for_model(None) is None
