"""Map one Langfuse v2 observation (wire JSON) to one `raw.llm_calls` row, or a reject reason.

Pure functions, no I/O: the rules here are the contract between Langfuse's data and every number
the dashboards show, so they are unit-tested on their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import orjson

LLM_OBSERVATION_TYPES = frozenset({"GENERATION", "EMBEDDING"})

# Field groups requested from the v2 API. Never `io`: prompts and outputs stay in Langfuse. Not
# `time` either (completion-start, created and updated timestamps): nothing here reads them, and
# they are about a tenth of each observation's bytes to transfer and decode.
FIELD_GROUPS = "core,basic,metadata,model,usage,prompt,metrics,trace_context"

# Langfuse splits cached tokens out of `input`, under provider-specific keys.
CACHE_READ_KEYS = frozenset(
    {"input_cached_tokens", "cache_read_input_tokens", "input_cache_read", "cached_tokens", "input_cached"}
)
CACHE_WRITE_KEYS = frozenset(
    {"cache_creation_input_tokens", "input_cache_creation", "input_cache_write", "cache_write_input_tokens"}
)

# Column order of raw.llm_calls as loaded (ingested_at is set by the database).
COLUMNS = (
    "observation_id",
    "trace_id",
    "project_id",
    "ts",
    "user_id",
    "session_id",
    "feature",
    "prompt_id",
    "prompt_name",
    "prompt_version",
    "model",
    "provider",
    "observation_type",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "total_tokens",
    "cost_usd",
    "cost_source",
    "cache_hit",
    "latency_ms",
    "ttft_ms",
    "level",
    "environment",
    "tags",
    "metadata",
    # what Langfuse reported; computed_cost_usd and the effective cost_usd / cost_source are set
    # from the price table before the page is written (ingestion/pricing/at_load.py)
    "reported_cost_usd",
)

# Postgres types of COLUMNS, in order: the loader COPYs in binary format, which needs them declared
# and costs about a third less CPU per row than text COPY.
COLUMN_TYPES = (
    "text", "text", "text", "timestamptz", "text", "text", "text", "text", "text", "int4", "text", "text",
    "text", "int8", "int8", "int8", "int8", "int8", "numeric", "text", "bool", "float8", "float8", "text",
    "text", "text[]", "jsonb", "numeric",
)

_PROVIDER_PREFIXES = (
    ("openai", ("gpt-", "gpt4", "o1", "o3", "o4", "text-embedding", "ft:gpt", "chatgpt", "davinci", "babbage",
                "whisper", "dall-e", "tts-", "omni-moderation", "codex")),
    ("anthropic", ("claude",)),
    ("google", ("gemini", "gemma", "text-bison", "chat-bison", "palm")),
    ("mistral", ("mistral", "mixtral", "codestral", "pixtral", "ministral", "magistral")),
    ("meta", ("llama", "meta-llama")),
    ("cohere", ("command", "embed-english", "embed-multilingual", "rerank")),
    ("deepseek", ("deepseek",)),
    ("xai", ("grok",)),
)


class Skip(Exception):
    """Not an LLM call (a SPAN, EVENT, ...): counted, not rejected."""


@dataclass(frozen=True)
class Reject:
    observation_id: str | None
    project_id: str | None
    reason: str
    raw: dict[str, Any]


@lru_cache(maxsize=4096)
def provider_for_model(model: str | None) -> str | None:
    if not model:
        return None
    name = model.lower()
    # Routed names such as "openai/gpt-4o" or "bedrock/anthropic.claude-3" name the vendor inside.
    for provider, prefixes in _PROVIDER_PREFIXES:
        for segment in name.replace(".", "/").split("/"):
            if segment.startswith(prefixes):
                return provider
    return "unknown"


def parse_ts(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        raise ValueError("missing startTime")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"startTime is not ISO-8601: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


_TOTAL, _CACHE_READ, _CACHE_WRITE, _INPUT, _OUTPUT, _OTHER = range(6)


@lru_cache(maxsize=1024)
def _usage_kind(key: str) -> int:
    """What one `usageDetails` key counts towards (a page repeats a handful of keys)."""
    if key == "total":
        return _TOTAL
    if key in CACHE_READ_KEYS:
        return _CACHE_READ
    if key in CACHE_WRITE_KEYS:
        return _CACHE_WRITE
    if key.startswith("input"):
        return _INPUT
    if key.startswith("output"):
        return _OUTPUT
    return _OTHER


def _tokens(usage: Any) -> tuple[int, int, int, int, int | None]:
    """(input, output, cache_read, cache_write, total) from Langfuse `usageDetails`."""
    if usage is None:
        return 0, 0, 0, 0, None
    if not isinstance(usage, dict):
        raise ValueError("usageDetails is not an object")
    input_tokens = output_tokens = cache_read = cache_write = 0
    total = None
    for key, value in usage.items():
        if value.__class__ is not int:  # the usual case first; bool is not int here
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"usageDetails.{key} is not a number")
            if value < 0:
                raise ValueError(f"negative tokens in usageDetails.{key}")
            value = int(value)
        elif value < 0:
            raise ValueError(f"negative tokens in usageDetails.{key}")
        kind = _usage_kind(key)
        if kind == _INPUT:
            input_tokens += value
        elif kind == _OUTPUT:
            output_tokens += value
        elif kind == _TOTAL:
            total = value
        elif kind == _CACHE_READ:
            cache_read += value
            input_tokens += value
        elif kind == _CACHE_WRITE:
            cache_write += value
            input_tokens += value
    return input_tokens, output_tokens, cache_read, cache_write, total


def _cost_value(observation: dict[str, Any]) -> Any:
    value = observation.get("totalCost")
    if value is None:
        details = observation.get("costDetails")
        if isinstance(details, dict):
            value = details.get("total")
    return value


def _cost(value: Any) -> Decimal | None:
    if value is None:
        return None
    if value.__class__ is Decimal:  # decoded as such (ingestion.wire)
        cost = value
    elif isinstance(value, bool):
        raise ValueError("cost is not numeric")
    else:
        try:
            cost = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"cost is not numeric: {str(value)[:40]!r}") from None
    if not cost.is_finite():
        raise ValueError("cost is not finite")
    if cost < 0:
        raise ValueError("negative cost")
    return cost


def _seconds_to_ms(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} is not a number")
    return float(value) * 1000.0


def _feature(metadata: dict[str, Any], tags: list[str], feature_keys: tuple[str, ...]) -> str | None:
    for key in feature_keys:
        value = metadata.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    for tag in tags:
        if tag.startswith("feature:") and len(tag) > len("feature:"):
            return tag[len("feature:"):].strip()
    return None


def _prompt_id(metadata: dict[str, Any], name: Any, version: int | None) -> str | None:
    explicit = metadata.get("prompt_id")
    if isinstance(explicit, str | int) and str(explicit).strip():
        return str(explicit).strip()
    if name:
        return f"{name}@v{version}" if version is not None else str(name)
    return None


def map_observation(
    observation: dict[str, Any],
    *,
    feature_keys: tuple[str, ...] = ("feature",),
    max_metadata_bytes: int = 16_384,
) -> tuple:
    """Return the row tuple (in COLUMNS order). Raises Skip for non-LLM observations and ValueError
    (the reject reason) for malformed ones. The reference mapping: it checks every field's type
    itself; `ingestion.wire` decodes well-formed pages faster and hands everything else to it."""
    obs_type = observation.get("type")
    if obs_type not in LLM_OBSERVATION_TYPES:
        raise Skip(obs_type)
    observation_id = observation.get("id")
    if not isinstance(observation_id, str) or not observation_id:
        raise ValueError("missing id")
    project_id = observation.get("projectId")
    if not isinstance(project_id, str) or not project_id:
        raise ValueError("missing projectId")
    ts = parse_ts(observation.get("startTime"))

    metadata = observation.get("metadata")
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, dict):
        metadata = {"value": metadata}

    raw_tags = observation.get("tags") or []
    if not isinstance(raw_tags, list):
        raise ValueError("tags is not a list")
    tags = [str(tag) for tag in raw_tags]

    prompt_version = observation.get("promptVersion")
    if prompt_version is not None and (isinstance(prompt_version, bool) or not isinstance(prompt_version, int)):
        raise ValueError("promptVersion is not an integer")

    return build_row(
        obs_type, observation_id, observation.get("traceId"), project_id, ts, observation.get("userId"),
        observation.get("sessionId"), metadata, tags, observation.get("usageDetails"), _cost_value(observation),
        observation.get("model") or observation.get("providedModelName"), observation.get("promptName"),
        prompt_version, observation.get("latency"), observation.get("timeToFirstToken"),
        observation.get("level"), observation.get("environment"), feature_keys, max_metadata_bytes,
    )


def build_row(
    obs_type: str, observation_id: str, trace_id: Any, project_id: str, ts: datetime, user_id: Any,
    session_id: Any, metadata: dict[str, Any], tags: list[str], usage: Any, cost_value: Any, model: Any,
    prompt_name: Any, prompt_version: int | None, latency: Any, time_to_first_token: Any, level: Any,
    environment: Any, feature_keys: tuple[str, ...], max_metadata_bytes: int,
) -> tuple:
    """The row from fields whose types are checked (by map_observation, or by ingestion.wire's
    typed decoding): the value rules both decoders share. ValueError is the reject reason."""
    # Compact JSON bytes, sent to the jsonb column as they are (loader.PreEncodedJsonb).
    metadata_json = orjson.dumps(metadata)
    if len(metadata_json) > max_metadata_bytes:
        raise ValueError(f"metadata is {len(metadata_json)} bytes, over the {max_metadata_bytes}-byte limit")
    input_tokens, output_tokens, cache_read, cache_write, total = _tokens(usage)
    if total is None:
        total = input_tokens + output_tokens
    cost = _cost(cost_value)
    return (
        observation_id,
        trace_id,
        project_id,
        ts,
        user_id,
        session_id,
        _feature(metadata, tags, feature_keys),
        _prompt_id(metadata, prompt_name, prompt_version),
        prompt_name,
        prompt_version,
        model,
        provider_for_model(model),
        obs_type,
        input_tokens,
        output_tokens,
        cache_read,
        cache_write,
        total,
        cost,
        "langfuse" if cost is not None else "unpriced",
        cache_read > 0,
        _seconds_to_ms(latency, "latency"),
        _seconds_to_ms(time_to_first_token, "timeToFirstToken"),
        level,
        environment,
        tags,
        metadata_json,
        cost,
    )


assert len(COLUMN_TYPES) == len(COLUMNS)
# Where each column sits in a row tuple, for the code that reads rows after the mapping.
COLUMN_INDEX = {name: position for position, name in enumerate(COLUMNS)}
