"""Data-quality thresholds and the bills folder, read from the environment when called.

| variable | default | meaning |
| --- | --- | --- |
| `LLMCOSTS_TAG_COVERAGE_MIN` | `0.95` | minimum share of a window's calls carrying all three tags (user_id, feature, prompt_id) |
| `LLMCOSTS_UNPRICED_SHARE_MAX` | `0.05` | maximum share of a window's calls that are unpriced (`cost_source = 'unpriced'`) |
| `LLMCOSTS_REJECT_SHARE_MAX` | `0.01` | maximum share of rejects among a window's observations (calls + distinct rejects) |
| `LLMCOSTS_FUTURE_SKEW_MINUTES` | `10` | how far past "now" a call's ts may lie before it counts as future-dated |
| `LLMCOSTS_FRESHNESS_LAG_HOURS` | `6` | the newest call of every Langfuse project must be at most this old |
| `LLMCOSTS_BILLS_DIR` | `LLMCOSTS_HOME/bills` | folder of provider bill exports loaded by the `provider_bills` asset |
| `LLMCOSTS_BILLING_GAP_PCT` | `5` | a reconciliation gap above this percent, on a complete day, raises an alert |

Shares are fractions in [0, 1]; a malformed value is a `ConfigError` naming the variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from llmcosts_core.settings import env_float, env_str, get_settings


@dataclass(frozen=True)
class QualitySettings:
    tag_coverage_min: float = 0.95
    unpriced_share_max: float = 0.05
    reject_share_max: float = 0.01
    future_skew_minutes: float = 10.0
    freshness_lag_hours: float = 6.0
    billing_gap_pct: float = 5.0
    bills_dir: Path = Path(".llmcosts/bills")


# The shared readers (llmcosts_core.settings): they load `.env` and fail alike across domains.
_get = env_str


def _number(name: str, default: float, *, share: bool = False) -> float:
    return env_float(name, default, share=share)


def get_quality_settings() -> QualitySettings:
    bills_dir = _get("LLMCOSTS_BILLS_DIR")
    return QualitySettings(
        tag_coverage_min=_number("LLMCOSTS_TAG_COVERAGE_MIN", 0.95, share=True),
        unpriced_share_max=_number("LLMCOSTS_UNPRICED_SHARE_MAX", 0.05, share=True),
        reject_share_max=_number("LLMCOSTS_REJECT_SHARE_MAX", 0.01, share=True),
        future_skew_minutes=_number("LLMCOSTS_FUTURE_SKEW_MINUTES", 10.0),
        freshness_lag_hours=_number("LLMCOSTS_FRESHNESS_LAG_HOURS", 6.0),
        billing_gap_pct=_number("LLMCOSTS_BILLING_GAP_PCT", 5.0),
        bills_dir=Path(bills_dir).expanduser().resolve() if bills_dir else get_settings().data_dir / "bills",
    )
