"""What a data-quality check is and what it found, independent of the tool that computed it.

Great Expectations computes the window suite, plain SQL computes freshness; both report
`CheckOutcome`s, which Dagster turns into asset check results and `results.record` keeps in
raw.data_quality_results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ERROR = "ERROR"  # the data is wrong: downstream must not use it (blocking)
WARN = "WARN"  # the data is incomplete: report it, keep going


@dataclass(frozen=True)
class CheckSpec:
    name: str
    severity: str
    description: str

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    severity: str
    passed: bool
    description: str
    observed_value: float | None = None
    threshold: float | None = None
    element_count: int | None = None
    unexpected_count: int | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """A JSON-safe summary (counts, values, samples of offending values; never a credential)."""
        data: dict[str, Any] = {"severity": self.severity, "passed": self.passed}
        for key in ("observed_value", "threshold", "element_count", "unexpected_count"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.window_start is not None and self.window_end is not None:
            data["window"] = f"[{self.window_start.isoformat()}, {self.window_end.isoformat()})"
        data.update(self.details)
        return data
