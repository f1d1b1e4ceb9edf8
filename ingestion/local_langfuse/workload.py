"""A deterministic, seeded synthetic Langfuse workload in the v2 observations wire shape.

Every observation is a dict with the camelCase keys of the spec's `ObservationV2` (all field groups
populated), so the local server can serve it as-is and the ingestion code sees what a real Langfuse
project would return. The same `seed`, `end`, `days` and `calls_per_day` always give the same output.

What is planted, and why (each item is something the warehouse, its marts or its alerts must find):

- ~10 product features with different models, token sizes and volumes, used by a few hundred users
  with Zipf-skewed activity (a handful of heavy users dominate spend), in sessions, mostly in the
  `production` environment and some in `staging` -- the per-feature / per-user / per-session marts.
- Versioned Langfuse prompts (`promptName`, `promptVersion`, `promptId`) whose new versions roll out
  over the period; two features instead carry `metadata.prompt_id` (a short hash) because their team
  does not use Langfuse prompt management -- the per-prompt mart must handle both links.
- OpenAI and Anthropic models with real USD / 1M-token prices; `usageDetails` split cache tokens the
  way Langfuse does (`input` + `input_cached_tokens` for OpenAI, `input` + `cache_read_input_tokens` +
  `cache_creation_input_tokens` for Anthropic), and `costDetails` / `totalCost` match usage x price,
  so cost can be checked against the price table.
- `UNPRICED_MODEL`, a custom fine-tune Langfuse has no price for: `totalCost` null, `costDetails` empty
  -- ingestion must price it from its own table or mark it unpriced, never count it as $0.
- Untagged calls: no `metadata.feature`; a few carry a trace tag `feature:<name>` (the documented
  fallback), the rest are truly untagged -- the "unattributed spend" line. Some calls have no user.
- `level: "ERROR"` generations (input billed, no output), latency and time-to-first-token in seconds,
  and ~15% SPAN / EVENT observations, which ingestion must skip (they carry no usage).
- A week-over-week spike: `SPIKE_FEATURE` gets a new prompt version with much longer inputs plus more
  calls in the last 7 days before `end`, so its spend is roughly double (+80..120%) the previous 7 days.
  Every other feature stays within +-15%: daily call counts follow the same weekday pattern in both
  weeks and per-call token noise is stratified, so the anomaly rule has exactly one true positive.
- `NEW_FEATURE` appears only in the last 7 days, with more than $5 of spend -- the "new feature" alert.

Determinism and noise control: categorical properties that move cost (model, error, untagged) follow
fixed index patterns instead of coin flips, so small test workloads keep the same proportions as big
ones; continuous noise (token counts, latency) comes from the seeded RNG.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import math
import os
import random
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from statistics import NormalDist

SPIKE_FEATURE = "search-summarize"
NEW_FEATURE = "meeting-notes"
UNPRICED_MODEL = "ft:gpt-4o-mini:acme:triage"
DEFAULT_PROJECT_ID = "demo-project"
DEFAULT_N_USERS = 400
# The demo's population can be scaled (`LLMCOSTS_DEMO_USERS=5000 llmcosts demo`) to read the post and
# the report as a real product sees them; read here, beside the generator, because it only shapes
# synthetic traffic (the warehouse's own configuration stays in llmcosts_core.settings).
N_USERS_ENV = "LLMCOSTS_DEMO_USERS"

# The WoW spike: the new prompt version multiplies input tokens, and the feature's traffic grows.
SPIKE_INPUT_SCALE = 1.9
SPIKE_CALL_SCALE = 1.15

_DAY_MS = 86_400_000
_TIERS = ("free", "pro", "enterprise")
_TENANTS = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "soylent")


@dataclass(frozen=True)
class ModelPrice:
    """USD per 1M tokens, as the providers publish them (and as Langfuse's model table holds them)."""

    provider: str
    internal_model_id: str | None
    input: float | None
    output: float | None
    cached_input: float | None = None  # OpenAI cached prompt tokens / Anthropic cache reads
    cache_write: float | None = None  # Anthropic cache creation


MODEL_PRICES: dict[str, ModelPrice] = {
    "gpt-4o": ModelPrice("openai", "cm1gpt4o00000000000000001", 2.50, 10.00, cached_input=1.25),
    "gpt-4o-mini": ModelPrice("openai", "cm1gpt4omini0000000000002", 0.15, 0.60, cached_input=0.075),
    "text-embedding-3-small": ModelPrice("openai", "cm1embed3small00000000003", 0.02, 0.0),
    "claude-sonnet-4": ModelPrice(
        "anthropic", "cm1claudesonnet4000000004", 3.00, 15.00, cached_input=0.30, cache_write=3.75
    ),
    "claude-3-5-haiku": ModelPrice(
        "anthropic", "cm1claude35haiku000000005", 0.80, 4.00, cached_input=0.08, cache_write=1.00
    ),
    # A fine-tune Langfuse has no price for: served with totalCost null and empty costDetails.
    UNPRICED_MODEL: ModelPrice("openai", None, None, None),
}


@dataclass(frozen=True)
class PromptVersion:
    version: int
    # Active from `end - starts_days_before_end` days; None = active since before the generated period.
    starts_days_before_end: int | None
    input_scale: float = 1.0


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    share: float  # share of `calls_per_day`
    models: tuple[tuple[str, float], ...]
    input_tokens: int
    output_tokens: int
    cache_ratio: float  # mean fraction of input tokens served from the provider's prompt cache
    prompt_link: str | None  # "langfuse" (prompt management), "metadata" (metadata.prompt_id) or None
    prompt_versions: tuple[PromptVersion, ...] = (PromptVersion(1, None),)
    min_calls_per_day: int = 4
    observation_type: str = "GENERATION"
    streaming: bool = True
    has_users: bool = True
    latency_s: float = 2.0


# Version roll-outs of the steady features all happen before the last 14 days, so they do not move the
# week-over-week comparison; only SPIKE_FEATURE's new version lands inside it.
FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        "support-chat", 0.24,
        (("claude-sonnet-4", 0.55), ("claude-3-5-haiku", 0.37), (UNPRICED_MODEL, 0.08)),
        1800, 350, 0.5, "langfuse",
        (PromptVersion(1, None), PromptVersion(2, 48, 1.1), PromptVersion(3, 27, 1.15)),
        latency_s=3.5,
    ),
    FeatureSpec(
        SPIKE_FEATURE, 0.15, (("gpt-4o", 0.7), ("gpt-4o-mini", 0.3)),
        3000, 250, 0.2, "langfuse",
        (PromptVersion(1, None), PromptVersion(2, 40), PromptVersion(3, 7, SPIKE_INPUT_SCALE)),
        latency_s=2.5,
    ),
    FeatureSpec(
        "code-review", 0.08, (("claude-sonnet-4", 1.0),), 6000, 900, 0.3, "langfuse",
        (PromptVersion(1, None), PromptVersion(2, 33, 1.2)), latency_s=8.0,
    ),
    FeatureSpec(
        "email-draft", 0.10, (("gpt-4o", 1.0),), 800, 400, 0.0, "metadata",
        (PromptVersion(1, None), PromptVersion(2, 52, 0.9)), latency_s=3.0,
    ),
    FeatureSpec(
        "doc-qa", 0.12, (("gpt-4o", 0.5), ("gpt-4o-mini", 0.5)), 4000, 300, 0.35, "langfuse",
        (PromptVersion(1, None), PromptVersion(2, 21, 1.05)), latency_s=2.8,
    ),
    FeatureSpec(
        "onboarding-coach", 0.05, (("claude-3-5-haiku", 1.0),), 1200, 300, 0.4, "langfuse",
        latency_s=2.0,
    ),
    FeatureSpec(
        "sql-assistant", 0.07, (("gpt-4o", 1.0),), 2500, 350, 0.25, "langfuse",
        (PromptVersion(1, None), PromptVersion(2, 30, 1.1), PromptVersion(3, 18, 1.0)), latency_s=3.2,
    ),
    FeatureSpec(
        "translation", 0.08, (("gpt-4o-mini", 1.0),), 600, 600, 0.0, "metadata",
        (PromptVersion(1, None), PromptVersion(2, 36)), latency_s=2.2,
    ),
    FeatureSpec(
        "tagging-embeddings", 0.08, (("text-embedding-3-small", 1.0),), 400, 0, 0.0, None,
        observation_type="EMBEDDING", streaming=False, has_users=False, latency_s=0.25,
    ),
    FeatureSpec(
        "legacy-classifier", 0.006, (("gpt-4o", 1.0),), 12000, 50, 0.0, "metadata",
        min_calls_per_day=4, streaming=False, latency_s=6.0,
    ),
)

# Only exists in the last 7 days; at least 30 calls a day keeps its spend above $5 at any scale.
NEW_FEATURE_SPEC = FeatureSpec(
    NEW_FEATURE, 0.04, (("claude-sonnet-4", 1.0),), 6000, 800, 0.1, "langfuse",
    min_calls_per_day=30, latency_s=9.0,
)

ALL_FEATURES: tuple[FeatureSpec, ...] = (*FEATURES, NEW_FEATURE_SPEC)

# Same weekday shape in every week, so 7-day windows compare like with like.
_WEEKDAY_FACTOR = (1.08, 1.12, 1.10, 1.06, 0.98, 0.80, 0.72)


def _short_hash(*parts: object, length: int = 8) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:length]


@functools.cache
def _langfuse_prompt_id(name: str, version: int) -> str:
    # Langfuse prompt ids are cuid-like strings; derive them so every run agrees.
    return "cl" + _short_hash("prompt", name, version, length=23)


def _prompt_name(feature: str) -> str:
    return f"{feature}-system"


@functools.cache
def _metadata_prompt_id(feature: str, version: int) -> str:
    return _short_hash("template", feature, version)


def _to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("`end` must be timezone-aware (UTC)")
    return int(value.astimezone(UTC).timestamp() * 1000)


class _IsoFormatter:
    """Epoch milliseconds -> 'YYYY-MM-DDTHH:MM:SS.mmmZ', caching the date part (the hot path)."""

    def __init__(self) -> None:
        self._dates: dict[int, str] = {}

    def __call__(self, ms: int) -> str:
        day, rem = divmod(ms, _DAY_MS)
        prefix = self._dates.get(day)
        if prefix is None:
            prefix = datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%dT")
            self._dates[day] = prefix
        hours, rem = divmod(rem, 3_600_000)
        minutes, rem = divmod(rem, 60_000)
        seconds, millis = divmod(rem, 1000)
        return f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


# --------------------------------------------------------------------------------------------------
# Users: shared by the observations and the app-users CSV, and independent of `days`.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppUser:
    user_id: str
    rank: int  # 1 = heaviest LLM user
    signup_ms: int
    tier: str
    tenant: str
    last_active_ms: int


def build_users(seed: int, n_users: int, end: datetime) -> list[AppUser]:
    """The app's users, heaviest first. Users that sign up inside the period only call after signup."""
    rng = random.Random(f"users:{seed}:{n_users}")
    end_ms = _to_ms(end)
    ids = [f"user_{i:03d}" for i in range(1, n_users + 1)]
    rng.shuffle(ids)  # the heaviest user is not always user_001
    users = []
    for rank, user_id in enumerate(ids, start=1):
        heavy = rank <= max(10, n_users // 20)
        # Heavy users are old customers; the long tail includes recent signups (cohorts by month).
        signup_days_ago = rng.uniform(120, 600) if heavy else rng.uniform(2, 420)
        signup_ms = end_ms - int(signup_days_ago * _DAY_MS) - int(rng.random() * _DAY_MS)
        tier_weights = (0.15, 0.45, 0.40) if heavy else (0.6, 0.3, 0.1)
        tier = rng.choices(_TIERS, weights=tier_weights)[0]
        # Heavy users were active in the last hours; the tail may have gone quiet weeks ago.
        idle_ms = int(rng.expovariate(1.0) * (0.1 if heavy else 10.0) * _DAY_MS)
        last_active_ms = max(signup_ms + 3_600_000, end_ms - idle_ms - 60_000)
        tenant = _TENANTS[int(_short_hash("tenant", user_id), 16) % len(_TENANTS)]
        users.append(AppUser(user_id, rank, signup_ms, tier, tenant, min(last_active_ms, end_ms - 1000)))
    return users


def workload_n_users(n_users: int | None = None) -> int:
    """`n_users` if given, else `LLMCOSTS_DEMO_USERS`, else DEFAULT_N_USERS; a bad value is an error."""
    if n_users is not None:
        return n_users
    raw = os.environ.get(N_USERS_ENV, "").strip()
    if not raw:
        return DEFAULT_N_USERS
    try:
        value = int(raw.replace(",", "").replace("_", ""))
    except ValueError:
        raise ValueError(f"{N_USERS_ENV}={raw!r} is not a whole number of users") from None
    if value < 1:
        raise ValueError(f"{N_USERS_ENV}={raw!r}: the workload needs at least one user")
    return value


def write_app_users_csv(path: str | Path, seed: int = 7, n_users: int | None = None,
                        end: datetime | None = None) -> Path:
    """Write `user_id,signup_at,tier,last_active_at` for the workload's users (the cohort marts' input)."""
    end = end or datetime.now(UTC)
    iso = _IsoFormatter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    users = sorted(build_users(seed, workload_n_users(n_users), end), key=lambda u: u.user_id)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "signup_at", "tier", "last_active_at"])
        for user in users:
            writer.writerow([user.user_id, iso(user.signup_ms), user.tier, iso(user.last_active_ms)])
    return path


# --------------------------------------------------------------------------------------------------
# Observations
# --------------------------------------------------------------------------------------------------


def _allocate(total: int, shares: tuple[tuple[str, float], ...]) -> list[tuple[str, int]]:
    """Split `total` calls over models by share with the largest-remainder rule (no RNG: stable mix)."""
    raw = [(model, total * share) for model, share in shares]
    counts = [[model, int(value)] for model, value in raw]
    leftover = total - sum(count for _, count in counts)
    order = sorted(range(len(raw)), key=lambda i: raw[i][1] - int(raw[i][1]), reverse=True)
    for i in order[:leftover]:
        counts[i][1] += 1
    return [(model, count) for model, count in counts]


def _active_prompt(spec: FeatureSpec, days_before_end: int) -> PromptVersion:
    active = spec.prompt_versions[0]
    for version in spec.prompt_versions:
        if version.starts_days_before_end is None or version.starts_days_before_end >= days_before_end:
            active = version
    return active


class _Generator:
    def __init__(self, end: datetime, days: int, calls_per_day: int, seed: int, project_id: str,
                 n_users: int) -> None:
        if days < 1 or calls_per_day < 1:
            raise ValueError("days and calls_per_day must be >= 1")
        self.end_ms = _to_ms(end)
        self.days = days
        self.calls_per_day = calls_per_day
        self.project_id = project_id
        self.rng = random.Random(f"observations:{seed}")
        self.iso = _IsoFormatter()
        self.users = build_users(seed, n_users, end)
        harmonic = [1.0 / (rank**1.1) for rank in range(1, n_users + 1)]
        total = sum(harmonic)
        acc = 0.0
        self.user_cumulative = []
        for weight in harmonic:
            acc += weight / total
            self.user_cumulative.append(acc)
        # Shared (read-only) sub-objects keep a million observations small in memory.
        self.model_parameters = {
            spec.name: {"temperature": 0.2 if spec.observation_type == "GENERATION" else 0.0,
                        "max_tokens": max(256, spec.output_tokens * 4)}
            for spec in ALL_FEATURES
        }
        self.inv_cdf = NormalDist().inv_cdf

    def _pick_user(self, start_ms: int) -> AppUser:
        rng = self.rng
        for _ in range(6):
            index = min(bisect_left(self.user_cumulative, rng.random()), len(self.users) - 1)
            user = self.users[index]
            if user.signup_ms <= start_ms:
                return user
        return self.users[0]  # the heaviest user signed up long before the period

    def days_iter(self) -> Iterator[list[dict]]:
        for block in range(self.days):
            days_before_end = self.days - block  # this block covers [end - dbe days, end - dbe + 1 days)
            block_start = self.end_ms - days_before_end * _DAY_MS
            weekday = datetime.fromtimestamp((block_start + _DAY_MS // 2) / 1000, UTC).weekday()
            # A gentle growth trend (+~1.4% a week) so the series is not flat.
            day_factor = _WEEKDAY_FACTOR[weekday] * (1 + 0.002 * block)
            observations: list[dict] = []
            for spec in ALL_FEATURES:
                if spec.name == NEW_FEATURE and days_before_end > 7:
                    continue
                expected = self.calls_per_day * spec.share * day_factor
                if spec.name == SPIKE_FEATURE and days_before_end <= 7:
                    expected *= SPIKE_CALL_SCALE
                expected *= 1 + 0.04 * (self.rng.random() * 2 - 1)
                count = max(spec.min_calls_per_day, round(expected))
                self._feature_day(spec, count, block_start, days_before_end, observations)
            observations.sort(key=lambda obs: (obs["startTime"], obs["id"]))
            yield observations

    def _feature_day(self, spec: FeatureSpec, count: int, block_start: int, days_before_end: int,
                     out: list[dict]) -> None:
        rng = self.rng
        prompt = _active_prompt(spec, days_before_end)
        call_index = 0
        for model, n_model in _allocate(count, spec.models):
            for k in range(n_model):
                # Stratified log-normal token multiplier: each (feature, day, model) group covers the
                # distribution evenly, so weekly sums barely move while single calls still vary.
                z = self.inv_cdf((k + rng.random()) / n_model)
                multiplier = math.exp(0.35 * z - 0.06125)  # mean 1
                start_ms = block_start + int(rng.random() * _DAY_MS)
                self._call(spec, model, prompt, multiplier, call_index, start_ms, out)
                call_index += 1

    def _call(self, spec: FeatureSpec, model: str, prompt: PromptVersion, multiplier: float, index: int,
              start_ms: int, out: list[dict]) -> None:
        rng = self.rng
        iso = self.iso
        price = MODEL_PRICES[model]
        is_error = spec.observation_type == "GENERATION" and index % 43 == 17
        is_warning = not is_error and index % 61 == 29
        untagged = index % 16 == 9
        tag_fallback = untagged and index % 48 == 9  # a third of the untagged keep a feature tag
        staging = index % 14 == 3

        user = self._pick_user(start_ms) if spec.has_users and index % 29 != 13 else None
        trace_id = f"{rng.getrandbits(128):032x}"
        generation_id = f"{rng.getrandbits(64):016x}"

        # ---- usage and cost
        total_input = max(8, int(spec.input_tokens * prompt.input_scale * multiplier))
        if spec.output_tokens and not is_error:
            output = max(1, int(spec.output_tokens * multiplier**0.5 * (0.75 + 0.5 * rng.random())))
        else:
            output = 0
        cached = 0
        cache_write = 0
        if spec.cache_ratio and total_input >= 1024:
            cached = int(total_input * spec.cache_ratio * (0.6 + 0.8 * rng.random()))
            if price.provider == "openai":
                cached -= cached % 128  # OpenAI caches prompt prefixes in 128-token steps
            elif index % 9 == 0:
                cache_write = int((total_input - cached) * 0.5)
        uncached = total_input - cached - cache_write
        if spec.observation_type == "EMBEDDING":
            usage = {"input": total_input, "total": total_input}
        elif price.provider == "anthropic":
            usage = {"input": uncached, "cache_read_input_tokens": cached,
                     "cache_creation_input_tokens": cache_write, "output": output,
                     "total": total_input + output}
        else:
            usage = {"input": uncached, "input_cached_tokens": cached, "output": output,
                     "total": total_input + output}
        if price.input is None:
            cost_details: dict = {}
            total_cost = None
        else:
            cost_details = {"input": round(uncached * price.input / 1e6, 10)}
            if "input_cached_tokens" in usage:
                cost_details["input_cached_tokens"] = round(cached * price.cached_input / 1e6, 10)
            if "cache_read_input_tokens" in usage:
                cost_details["cache_read_input_tokens"] = round(cached * price.cached_input / 1e6, 10)
                cost_details["cache_creation_input_tokens"] = round(cache_write * price.cache_write / 1e6, 10)
            if spec.observation_type != "EMBEDDING":
                cost_details["output"] = round(output * price.output / 1e6, 10)
            total_cost = round(sum(cost_details.values()), 10)
            cost_details["total"] = total_cost

        # ---- timing (seconds on the wire, like Langfuse)
        latency_ms = max(40, int(spec.latency_s * 1000 * (0.5 + rng.random()) * multiplier**0.3))
        if is_error:
            latency_ms = min(latency_ms, 1500 + int(rng.random() * 28_500))
        ttft_ms = int(min(latency_ms * 0.8, 250 + rng.random() * 900)) if spec.streaming and output else None
        end_ms = start_ms + latency_ms
        created_ms = end_ms + 150 + int(rng.random() * 2000)

        # ---- attribution
        metadata: dict = {}
        if not untagged:
            metadata["feature"] = spec.name
        if user is not None:
            metadata["tenant"] = user.tenant
            metadata["plan"] = user.tier
        metadata["request_id"] = generation_id[:12]
        prompt_fields = (None, None, None)
        if spec.prompt_link == "langfuse":
            name = _prompt_name(spec.name)
            prompt_fields = (_langfuse_prompt_id(name, prompt.version), name, prompt.version)
        elif spec.prompt_link == "metadata":
            metadata["prompt_id"] = _metadata_prompt_id(spec.name, prompt.version)
        tags = ["channel:api" if user is None else "channel:web"]
        if tag_fallback:
            tags.append(f"feature:{spec.name}")

        has_span = rng.random() < 0.13
        span_id = f"{rng.getrandbits(64):016x}" if has_span else None
        environment = "staging" if staging else "production"
        release = f"v2.{(start_ms // (7 * _DAY_MS)) % 100}.0"
        trace_name = f"{spec.name}.request"
        session_id = f"sess-{user.user_id[5:]}-{start_ms // (4 * 3_600_000)}" if user else None
        user_id = user.user_id if user else None
        start_iso = iso(start_ms)
        end_iso = iso(end_ms)

        generation = {
            # core
            "id": generation_id,
            "traceId": trace_id,
            "startTime": start_iso,
            "endTime": end_iso,
            "projectId": self.project_id,
            "parentObservationId": span_id,
            "type": spec.observation_type,
            # basic
            "name": f"{spec.name}.{'embed' if spec.observation_type == 'EMBEDDING' else 'generate'}",
            "level": "ERROR" if is_error else ("WARNING" if is_warning else "DEFAULT"),
            "statusMessage": ("upstream timeout" if index % 2 else "rate_limit_exceeded") if is_error
            else ("retried after 429" if is_warning else None),
            "version": release,
            "environment": environment,
            "bookmarked": False,
            "public": False,
            "userId": user_id,
            "sessionId": session_id,
            "isRootObservation": span_id is None,
            # time
            "completionStartTime": iso(start_ms + ttft_ms) if ttft_ms is not None else None,
            "createdAt": iso(created_ms),
            "updatedAt": iso(created_ms) if index % 5 else iso(created_ms + int(rng.random() * 500)),
            # io
            "input": f"[{spec.name}] request {generation_id[:6]}: synthetic user input",
            "output": None if is_error else f"synthetic {spec.name} response ({output} tokens)",
            # metadata
            "metadata": metadata,
            # model (the spec says providedModelName; the SDK model and real servers say model)
            "providedModelName": model,
            "model": model,
            "internalModelId": price.internal_model_id,
            "modelParameters": self.model_parameters[spec.name],
            "modelId": price.internal_model_id,
            "inputPrice": _price_per_token(price.input),
            "outputPrice": _price_per_token(price.output),
            "totalPrice": None,
            # usage
            "usageDetails": usage,
            "costDetails": cost_details,
            "totalCost": total_cost,
            "usagePricingTierName": "Standard" if price.input is not None else None,
            # prompt
            "promptId": prompt_fields[0],
            "promptName": prompt_fields[1],
            "promptVersion": prompt_fields[2],
            # metrics
            "latency": latency_ms / 1000,
            "timeToFirstToken": ttft_ms / 1000 if ttft_ms is not None else None,
            # trace context
            "tags": tags,
            "release": release,
            "traceName": trace_name,
        }
        out.append(generation)

        if has_span:
            span_start = start_ms - 5 - int(rng.random() * 60)
            span_end = end_ms + 2 + int(rng.random() * 40)
            out.append(self._non_llm("SPAN", span_id, trace_id, None, trace_name, span_start, span_end,
                                     generation, metadata))
        if rng.random() < 0.06:
            event_ms = end_ms + 1 + int(rng.random() * 300)
            out.append(self._non_llm("EVENT", f"{rng.getrandbits(64):016x}", trace_id, span_id or generation_id,
                                     f"{spec.name}.response-shown", event_ms, event_ms, generation, metadata))

    def _non_llm(self, obs_type: str, obs_id: str, trace_id: str, parent_id: str | None, name: str,
                 start_ms: int, end_ms: int, generation: dict, metadata: dict) -> dict:
        created_ms = end_ms + 150 + int(self.rng.random() * 2000)
        created_iso = self.iso(created_ms)
        return {
            "id": obs_id,
            "traceId": trace_id,
            "startTime": self.iso(start_ms),
            "endTime": self.iso(end_ms),
            "projectId": self.project_id,
            "parentObservationId": parent_id,
            "type": obs_type,
            "name": name,
            "level": "DEFAULT",
            "statusMessage": None,
            "version": generation["version"],
            "environment": generation["environment"],
            "bookmarked": False,
            "public": False,
            "userId": generation["userId"],
            "sessionId": generation["sessionId"],
            "isRootObservation": parent_id is None,
            "completionStartTime": None,
            "createdAt": created_iso,
            "updatedAt": created_iso,
            "input": None,
            "output": None,
            "metadata": metadata,
            "providedModelName": None,
            "model": None,
            "internalModelId": None,
            "modelParameters": None,
            "modelId": None,
            "inputPrice": None,
            "outputPrice": None,
            "totalPrice": None,
            "usageDetails": {},
            "costDetails": {},
            "totalCost": None,
            "usagePricingTierName": None,
            "promptId": None,
            "promptName": None,
            "promptVersion": None,
            "latency": (end_ms - start_ms) / 1000,
            "timeToFirstToken": None,
            "tags": generation["tags"],
            "release": generation["release"],
            "traceName": generation["traceName"],
        }


@functools.cache
def _price_per_token(per_million: float | None) -> str | None:
    # The API serialises per-unit prices as decimal strings, e.g. "0.0000025".
    if per_million is None:
        return None
    return f"{per_million / 1e6:.10f}".rstrip("0").rstrip(".") if per_million else "0"


def iter_observations(end: datetime, days: int = 60, calls_per_day: int = 1500, seed: int = 7,
                      project_id: str = DEFAULT_PROJECT_ID, n_users: int | None = None) -> Iterator[dict]:
    """Yield the workload oldest first (each observation's startTime is in [end - days, end))."""
    generator = _Generator(end, days, calls_per_day, seed, project_id, workload_n_users(n_users))
    for day in generator.days_iter():
        yield from day


def generate_observations(end: datetime, days: int = 60, calls_per_day: int = 1500, seed: int = 7,
                          project_id: str = DEFAULT_PROJECT_ID, n_users: int | None = None) -> list[dict]:
    """The whole workload as a list (see `iter_observations`)."""
    return list(iter_observations(end, days, calls_per_day, seed, project_id, n_users))


def observations_for_count(n_observations: int, end: datetime, days: int = 60, seed: int = 7,
                           project_id: str = DEFAULT_PROJECT_ID) -> Iterator[dict]:
    """Roughly `n_observations` (then exactly, by truncation of the oldest), for benchmarks."""
    # ~1.19 observations per call (spans and events); overshoot a little and keep the newest.
    calls_per_day = max(1, math.ceil(n_observations / days / 1.15))
    observations = list(iter_observations(end, days, calls_per_day, seed, project_id))
    if len(observations) < n_observations:
        raise ValueError(f"too few observations for {n_observations}; raise `days`")
    return iter(observations[-n_observations:])
