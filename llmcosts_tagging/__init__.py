"""Tag every LLM call with `user_id`, `feature` and `prompt_id`, so llmcosts can attribute its cost.

Application code wraps each LLM call (or a whole request) in `tagged_llm_call(...)`. Inside, the
Langfuse SDK's own attribute propagation (`langfuse.propagate_attributes`) puts the tags on every
span created in the context, including the generations of Langfuse's OpenAI drop-in client:

- `user.id` (Langfuse `userId`)                 -> raw.llm_calls.user_id
- metadata `feature`                            -> raw.llm_calls.feature
- metadata `prompt_id`, a short hash of the prompt template text, so an edited prompt gets a new
  id by itself                                  -> raw.llm_calls.prompt_id

That is exactly what the ingestion maps (ingestion/mapping.py: metadata `feature`, metadata
`prompt_id`, `userId`). Nothing here reads configuration or talks to the network; the Langfuse
client is the application's own (configured by its LANGFUSE_* environment).

OpenAI, through Langfuse's drop-in client (its generations inherit the tags)::

    from langfuse.openai import OpenAI
    from llmcosts_tagging import tagged_llm_call

    SUMMARY_PROMPT = "Summarize for a busy reader:\\n{text}"
    client = OpenAI()
    with tagged_llm_call(feature="search-summarize", user_id=user.id, prompt_template=SUMMARY_PROMPT):
        reply = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": SUMMARY_PROMPT.format(text=text)}],
        )

Anthropic (no drop-in client: record the generation yourself; pass `tags.metadata` too, so the
observation carries the tags even where the trace-level propagation is not applied)::

    import anthropic
    from langfuse import get_client
    from llmcosts_tagging import tagged_llm_call

    langfuse, claude = get_client(), anthropic.Anthropic()
    with tagged_llm_call(feature="support-reply", user_id=user.id, prompt_template=REPLY_PROMPT) as tags:
        with langfuse.start_as_current_observation(
            name="support-reply", as_type="generation", model="claude-sonnet-4", metadata=tags.metadata
        ) as generation:
            message = claude.messages.create(model="claude-sonnet-4", max_tokens=512, messages=[...])
            u = message.usage
            generation.update(usage_details={
                "input": u.input_tokens, "output": u.output_tokens,
                "cache_read_input_tokens": u.cache_read_input_tokens or 0,
                "cache_creation_input_tokens": u.cache_creation_input_tokens or 0,
            })
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CallTags", "prompt_id_for", "tagged_llm_call"]

PROMPT_ID_LENGTH = 12


def prompt_id_for(template: str, length: int = PROMPT_ID_LENGTH) -> str:
    """A short, stable id of a prompt template's text: the first `length` hex digits of its
    SHA-256. Line endings are normalised so a checkout on Windows gets the same id."""
    if not isinstance(template, str) or not template.strip():
        raise ValueError("prompt_template must be a non-empty string")
    normalised = template.replace("\r\n", "\n")
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True)
class CallTags:
    feature: str
    user_id: str | None
    prompt_id: str | None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def metadata(self) -> dict[str, Any]:
        """The observation metadata llmcosts reads (plus any extra keys given)."""
        data: dict[str, Any] = dict(self.extra)
        data["feature"] = self.feature
        if self.prompt_id is not None:
            data["prompt_id"] = self.prompt_id
        return data


def _clean(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) > 200 or not text.isascii():
        # Langfuse drops propagated values that are not US-ASCII or longer than 200 characters.
        raise ValueError(f"{name} must be US-ASCII and at most 200 characters")
    return text


@contextmanager
def tagged_llm_call(
    *,
    feature: str,
    user_id: str | None,
    prompt_template: str | None = None,
    prompt_id: str | None = None,
    session_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Iterator[CallTags]:
    """Run the enclosed LLM call(s) with `user_id`, `feature` and `prompt_id` propagated to
    every Langfuse span created inside. Give `prompt_template` (hashed into the prompt id) or an
    explicit `prompt_id`."""
    from langfuse import propagate_attributes

    feature_name = _clean(feature, "feature")
    if feature_name is None:
        raise ValueError("feature is required: untagged calls make the dashboards fiction")
    if prompt_id is None and prompt_template is not None:
        prompt_id = prompt_id_for(prompt_template)
    tags = CallTags(
        feature=feature_name,
        user_id=_clean(user_id, "user_id"),
        prompt_id=_clean(prompt_id, "prompt_id"),
        extra=dict(metadata or {}),
    )
    with propagate_attributes(user_id=tags.user_id, session_id=session_id, metadata=tags.metadata):
        yield tags
